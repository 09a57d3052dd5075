#include "send/scheduler.hpp"

#include "base/log.hpp"
#include "base/time_text.hpp"

#include <fmt/format.h>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <ctime>
#include <deque>
#include <iterator>
#include <stdexcept>
#include <type_traits>

namespace cphfleet {

using namespace net::experimental::awaitable_operators;

namespace {

constexpr std::int64_t k_read_attempts = 4;

std::size_t task_capacity(std::int64_t max_in_flight) {
  // Tasks alive at once: enough that chunks backing off or settling do not starve the call slots,
  // bounded so a 10,000-chunk run does not hold 10,000 coroutine frames.
  return static_cast<std::size_t>(std::max<std::int64_t>(32, max_in_flight * 4));
}

void fill_answer(ledger_row& row, const call_report& r, const std::string& request_id) {
  row.http_status = r.http_status;
  row.error_code = r.error_code;
  row.error_msg = r.transport ? r.transport->message : r.error_msg;
  row.request_id = request_id;
}

// run_settings measures the deadline on steady_clock (what the command line counts from); a scheduler on
// another clock gets the same time left.
template <typename Clock>
typename Clock::time_point on_clock(std::chrono::steady_clock::time_point t) {
  if constexpr (std::is_same_v<Clock, std::chrono::steady_clock>) {
    return t;
  } else {
    auto left = t - std::chrono::steady_clock::now();
    return Clock::now() + std::chrono::duration_cast<typename Clock::duration>(left);
  }
}

// The transport's deadline is real time, whatever clock the waits between calls run on.
std::chrono::steady_clock::time_point call_deadline(const limits_config& limits) {
  return std::chrono::steady_clock::now() + std::chrono::seconds(limits.request_timeout_s);
}

// The row that settles `latest` as `d` says, written by this run.
ledger_row settled_row(const ledger_row& latest, const reconcile_decision& d, const std::string& run_id) {
  ledger_row row = latest;
  row.time = utc_now_rfc3339();
  row.run_id = run_id;
  row.status = d.status;
  row.http_status = 0;
  row.error_code.clear();
  row.error_msg = d.reason;
  row.request_id.clear();
  row.order_id = d.order_id;
  row.product_id = d.product_id;
  row.server_ids = d.server_ids;
  return row;
}

reconcile_decision unread_list(const std::string& error) {
  reconcile_decision d;
  d.status = chunk_status::unknown;
  d.reason = fmt::format("could not read the server list: {}", error);
  return d;
}

// `HH:MM:SSZ`, `wait` from now on the wall clock: when a log line says a read will happen.
std::string wall_time_after(std::chrono::seconds wait) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + wait);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:02}:{:02}:{:02}Z", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

std::string_view to_string(stop_reason r) {
  switch (r) {
    case stop_reason::none:
      return "none";
    case stop_reason::signal:
      return "signal";
    case stop_reason::deadline:
      return "deadline";
    case stop_reason::auth:
      return "auth";
    case stop_reason::circuit:
      return "circuit";
    case stop_reason::budget:
      return "budget";
    case stop_reason::fatal:
      return "fatal";
  }
  return "none";
}

template <typename Clock>
basic_scheduler<Clock>::basic_scheduler(net::any_io_executor ex, cph_api& api, ledger_writer& ledger,
                                        ledger_index& index, run_settings s, bss_api* billing)
    : ex_(ex),
      api_(api),
      billing_(billing),
      ledger_(ledger),
      index_(index),
      settings_(std::move(s)),
      backoff_{settings_.limits.backoff_base_ms, settings_.limits.backoff_max_ms},
      throttle_backoff_{settings_.limits.throttle_backoff_base_ms, settings_.limits.backoff_max_ms},
      purchase_limiter_(ex, settings_.limits.requests_per_second,
                        static_cast<double>(settings_.limits.burst)),
      read_limiter_(ex, settings_.limits.requests_per_second, static_cast<double>(settings_.limits.burst)),
      slots_(ex, static_cast<std::size_t>(settings_.limits.max_in_flight)),
      stop_timer_(ex, time_point::max()),
      idle_timer_(ex, time_point::max()),
      deadline_timer_(ex),
      rng_(settings_.seed) {}

template <typename Clock>
void basic_scheduler<Clock>::request_stop(stop_reason why) {
  if (stop_ != stop_reason::none) return;
  stop_ = why;
  stop_timer_.expires_at(time_point::min());  // wakes every sleeper now, and any later one at once
  log(why == stop_reason::signal || why == stop_reason::deadline ? log_level::info : log_level::error,
      "sending stopped: nothing new goes out; calls in flight finish and are recorded",
      {{"reason", std::string(to_string(why))}, {"in_flight", in_flight_.size()}});
}

template <typename Clock>
void basic_scheduler<Clock>::abandon_in_flight() {
  for (auto& [chunk, sending] : in_flight_) {
    ledger_row row = sending;
    row.time = utc_now_rfc3339();
    row.status = chunk_status::unknown;
    row.error_msg = "abandoned at the second signal while in flight: the service may have taken the order";
    ledger_.append_now(row);
    index_.add(row);
  }
  in_flight_.clear();
}

template <typename Clock>
ledger_row basic_scheduler<Clock>::make_row(const chunk_work& w, chunk_status status,
                                            std::int64_t attempt) const {
  ledger_row r;
  r.time = utc_now_rfc3339();
  r.run_id = settings_.run_id;
  r.job = w.job;
  r.fleet = w.fleet;
  r.chunk = w.chunk;
  r.count = w.count;
  r.status = status;
  r.attempt = attempt;
  r.project_id = settings_.project_id;
  r.request = w.body;
  return r;
}

template <typename Clock>
net::awaitable<void> basic_scheduler<Clock>::record(ledger_row row) {
  ++rows_syncing_;
  try {
    co_await ledger_.append(row);
  } catch (...) {
    --rows_syncing_;
    throw;
  }
  --rows_syncing_;
  index_.add(std::move(row));
}

template <typename Clock>
net::awaitable<void> basic_scheduler<Clock>::acquire_slot() {
  co_await slots_.async_send(boost::system::error_code{}, net::use_awaitable);
}

template <typename Clock>
void basic_scheduler<Clock>::release_slot() {
  slots_.try_receive([](boost::system::error_code) {});
}

template <typename Clock>
net::awaitable<bool> basic_scheduler<Clock>::sleep_unless_stopped(time_point until) {
  if (stopping()) co_return true;
  if (until <= Clock::now()) co_return false;
  timer sleeper(ex_, until);
  ++waiting_;
  co_await (sleeper.async_wait(net::as_tuple(net::use_awaitable)) ||
            stop_timer_.async_wait(net::as_tuple(net::use_awaitable)));
  --waiting_;
  co_return stopping();
}

template <typename Clock>
net::awaitable<bool> basic_scheduler<Clock>::wait_to_settle(const std::string& chunk, time_point read_at) {
  auto left = std::chrono::ceil<std::chrono::seconds>(read_at - Clock::now());
  if (left > std::chrono::seconds::zero() && !stopping()) {
    log(log_level::info,
        fmt::format("waiting {} s to settle chunk {} (reading servers at {})", left.count(), chunk,
                    wall_time_after(left)),
        {{"chunk", chunk}, {"seconds", left.count()}});
  }
  auto at = settle_reads_.insert(read_at);
  bool stopped = co_await sleep_unless_stopped(read_at);
  settle_reads_.erase(at);
  co_return stopped;
}

template <typename Clock>
std::chrono::milliseconds basic_scheduler<Clock>::retry_delay(const outcome& o, std::int64_t attempt) {
  const std::int64_t cap_ms = std::max<std::int64_t>(0, settings_.limits.backoff_max_ms);
  std::chrono::milliseconds delay = (o.throttled ? throttle_backoff_ : backoff_).delay(attempt, rng_);
  if (o.retry_after_s && *o.retry_after_s > 0) {
    // Capped while still in seconds: a huge value would overflow as milliseconds, and a merely long one
    // would hold the chunk, and the ledger's lock, for as long as the gateway says.
    std::int64_t after_ms = *o.retry_after_s >= cap_ms / 1000 + 1 ? cap_ms : *o.retry_after_s * 1000;
    delay = std::max(delay, std::chrono::milliseconds(std::min(after_ms, cap_ms)));
  }
  return delay;
}

template <typename Clock>
void basic_scheduler<Clock>::watch_deadline() {
  if (!settings_.deadline || deadline_watched_) return;
  deadline_watched_ = true;
  deadline_timer_.expires_at(on_clock<Clock>(*settings_.deadline));
  deadline_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) request_stop(stop_reason::deadline);  // on cancel (the scheduler is done), touch nothing
  });
}

template <typename Clock>
bool basic_scheduler<Clock>::take_retry() {
  if (retry_budget_ <= 0) return false;
  --retry_budget_;
  return true;
}

template <typename Clock>
net::awaitable<void> basic_scheduler<Clock>::wait_all(std::int64_t& counter) {
  while (counter > 0) {
    co_await idle_timer_.async_wait(net::as_tuple(net::use_awaitable));
    idle_timer_.expires_at(time_point::max());
  }
}

template <typename Clock>
net::awaitable<void> basic_scheduler<Clock>::send(std::vector<chunk_work> work) {
  retry_budget_ = settings_.limits.retry_budget > 0
                      ? settings_.limits.retry_budget
                      : std::max<std::int64_t>(50, static_cast<std::int64_t>(work.size()));
  watch_deadline();
  // A run's index holds one row per chunk: room for every chunk now.
  index_.reserve(index_.rows().size() + work.size());
  // Consumed from the front, so what is sent no longer takes room while the ledger index fills up.
  std::deque<chunk_work> queue(std::make_move_iterator(work.begin()), std::make_move_iterator(work.end()));
  std::vector<chunk_work>().swap(work);  // `work = {}` would only clear it, keeping its storage
  const std::size_t capacity = task_capacity(settings_.limits.max_in_flight);
  for (; !queue.empty(); queue.pop_front()) {
    chunk_work& w = queue.front();
    if (stopping()) {
      ++stats_.not_sent;
      continue;
    }
    while (static_cast<std::size_t>(tasks_) >= capacity) {
      co_await idle_timer_.async_wait(net::as_tuple(net::use_awaitable));
      idle_timer_.expires_at(time_point::max());
    }
    if (stopping()) {
      ++stats_.not_sent;
      continue;
    }
    ++tasks_;
    net::co_spawn(ex_, run_chunk(std::move(w)), [this](std::exception_ptr e) {
      --tasks_;
      idle_timer_.cancel();
      if (e && !fatal_) {
        fatal_ = e;
        request_stop(stop_reason::fatal);
      }
    });
  }
  co_await wait_all(tasks_);
  deadline_timer_.cancel();
  deadline_watched_ = false;
  if (fatal_) std::rethrow_exception(fatal_);
}

template <typename Clock>
net::awaitable<void> basic_scheduler<Clock>::run_chunk(chunk_work w) {
  for (std::int64_t attempt = 1;; ++attempt) {
    if (stopping()) {
      ++stats_.not_sent;
      co_return;
    }
    co_await acquire_slot();
    co_await purchase_limiter_.acquire();
    if (stopping()) {
      release_slot();
      ++stats_.not_sent;
      co_return;
    }
    next_step step = co_await attempt_purchase(w, attempt);
    if (step.kind == next_step::done) co_return;
    if (step.kind == next_step::back_off && co_await sleep_unless_stopped(Clock::now() + step.delay)) {
      ++stats_.not_sent;
      co_return;
    }
  }
}

template <typename Clock>
net::awaitable<typename basic_scheduler<Clock>::next_step> basic_scheduler<Clock>::attempt_purchase(
    const chunk_work& w, std::int64_t attempt) {
  // The intent is on disk before the first byte of the request leaves.
  ledger_row sending = make_row(w, chunk_status::sending, attempt);
  co_await record(sending);
  in_flight_[w.chunk] = sending;
  auto sent_at = Clock::now();
  ++stats_.requests;
  purchase_call call = co_await api_.purchase(w.api, w.body, call_deadline(settings_.limits));
  release_slot();
  if (!in_flight_.erase(w.chunk))
    co_return next_step{};  // abandoned at a second signal: already recorded unknown

  outcome o = classify(call.report, call_kind::purchase);
  if (o.throttled) {
    ++stats_.throttled;
    purchase_limiter_.on_throttled(o.throttle_limit, o.throttle_window_s);
  }
  std::string request_id = call.request_id.empty() ? call.response.request_id : call.request_id;

  switch (o.cls) {
    case outcome_class::ordered: {
      ++stats_.answered_ordered;
      consecutive_ambiguous_ = 0;
      ledger_row row = make_row(w, chunk_status::ordered, attempt);
      fill_answer(row, call.report, request_id);
      row.order_id = call.response.order_id;
      row.product_id = call.response.product_id;
      row.server_ids = call.response.server_ids;
      co_await record(row);
      stats_.servers_ordered += w.count;
      log(log_level::debug, "ordered", {{"chunk", w.chunk}, {"order_id", row.order_id}});
      co_return next_step{};
    }
    case outcome_class::permanent: {
      ++stats_.answered_permanent;
      consecutive_ambiguous_ = 0;
      // Stop before recording: the record waits for a sync, and nothing may go out meanwhile.
      if (o.stop_run) request_stop(stop_reason::auth);
      ledger_row row = make_row(w, chunk_status::failed, attempt);
      fill_answer(row, call.report, request_id);
      co_await record(row);
      log(log_level::warn, "purchase refused", {{"chunk", w.chunk}, {"error", describe(call.report)}});
      co_return next_step{};
    }
    case outcome_class::retryable: {
      ++stats_.answered_retryable;
      consecutive_ambiguous_ = 0;
      bool more = attempt < settings_.limits.max_attempts && !stopping();
      bool budget = more && take_retry();
      ledger_row row = make_row(w, budget ? chunk_status::retrying : chunk_status::failed, attempt);
      fill_answer(row, call.report, request_id);
      if (!budget) {
        row.error_msg = fmt::format("{} (gave up: {})", row.error_msg,
                                    !more && !stopping() ? fmt::format("{} attempts", attempt)
                                    : stopping()         ? std::string("sending stopped")
                                                         : std::string("run-wide retry budget spent"));
      }
      co_await record(row);
      if (!budget) {
        if (more) request_stop(stop_reason::budget);
        co_return next_step{};
      }
      ++stats_.retries;
      auto delay = retry_delay(o, attempt);
      log(log_level::debug, "retrying",
          {{"chunk", w.chunk}, {"error", describe(call.report)}, {"delay_ms", delay.count()}});
      co_return next_step{next_step::back_off, delay};
    }
    case outcome_class::ambiguous: {
      ++stats_.answered_ambiguous;
      if (++consecutive_ambiguous_ >= settings_.limits.circuit_ambiguous) request_stop(stop_reason::circuit);
      ledger_row row = make_row(w, chunk_status::unknown, attempt);
      fill_answer(row, call.report, request_id);
      co_await record(row);
      log(log_level::warn, "purchase outcome unknown; reconciling after the settle window",
          {{"chunk", w.chunk}, {"error", describe(call.report)}});
      // Servers of a taken order show in lists only after a while: read once the window has passed.
      // Billing shows the order sooner, when there is one.
      std::optional<reconcile_decision> read = co_await settle_reads(
          w.chunk, w.auto_pay, sent_at + std::chrono::seconds(settings_.limits.settle_s),
          sent_at + std::chrono::seconds(settings_.billing_settle_s));
      if (!read) co_return next_step{};  // sending stopped first: the chunk stays unknown
      reconcile_decision d = std::move(*read);
      ++stats_.reconciled;
      if (d.status == chunk_status::unknown) {
        log(log_level::warn, "still unknown", {{"chunk", w.chunk}, {"reason", d.reason}});
        if (!d.candidate_orders.empty()) {  // the orders a person can adopt, named in the ledger
          ledger_row open = make_row(w, chunk_status::unknown, attempt);
          open.error_msg = d.reason;
          co_await record(open);
        }
        co_return next_step{};
      }
      ledger_row settled = make_row(w, d.status, attempt);
      settled.order_id = d.order_id;
      settled.product_id = d.product_id;
      settled.server_ids = d.server_ids;
      settled.error_msg = d.reason;
      if (d.status == chunk_status::ordered) {
        co_await record(settled);
        stats_.servers_ordered += w.count;
        log(log_level::info, "reconciled: ordered", {{"chunk", w.chunk}, {"order_id", d.order_id}});
        co_return next_step{};
      }
      // Provably nothing bought: send again under the same name, if attempts and budget allow.
      bool more = attempt < settings_.limits.max_attempts && !stopping() && take_retry();
      if (!more) {
        settled.status = chunk_status::failed;
        settled.error_msg += " (gave up: attempts, budget or sending stopped)";
      }
      co_await record(settled);
      log(log_level::info, "reconciled: nothing bought",
          {{"chunk", w.chunk}, {"resend", more ? "yes" : "no"}});
      if (!more) co_return next_step{};
      ++stats_.retries;
      co_return next_step{next_step::resend};
    }
  }
  co_return next_step{};
}

template <typename Clock>
net::awaitable<std::optional<reconcile_decision>> basic_scheduler<Clock>::settle_reads(
    const std::string& chunk, bool auto_pay, time_point first_read, time_point billing_read) {
  if (billing_) {
    if (co_await wait_to_settle(chunk, billing_read)) co_return std::nullopt;
    std::optional<reconcile_decision> both = co_await read_both_and_decide(chunk);
    if (both && (both->status != chunk_status::unknown || Clock::now() >= first_read)) co_return both;
    if (both) {
      // Orders that could be the chunk's (or an unread list): its servers, named after it, may tell.
      log(log_level::info,
          "billing leaves the chunk open: reading both witnesses again after the list's window",
          {{"chunk", chunk}, {"reason", both->reason}});
      if (co_await wait_to_settle(chunk, first_read)) co_return both;
      std::optional<reconcile_decision> again = co_await read_both_and_decide(chunk);
      co_return again ? again : both;
    }
    log(log_level::warn, "the billing service could not be read: settling by the server list alone",
        {{"chunk", chunk}});
  }
  if (co_await wait_to_settle(chunk, first_read)) co_return std::nullopt;
  reconcile_decision d = co_await read_and_decide(chunk, auto_pay);
  if (d.status != chunk_status::retrying) co_return d;
  // Nothing found yet. Servers can take longer than the window to show, and a re-send on a false
  // "nothing" buys the chunk twice: believe it only from a second read a whole window later.
  log(log_level::info, "no servers yet for a chunk that may have been bought: reading again after the window",
      {{"chunk", chunk}});
  if (co_await wait_to_settle(chunk, Clock::now() + std::chrono::seconds(settings_.limits.settle_s)))
    co_return std::nullopt;
  d = co_await read_and_decide(chunk, auto_pay);
  if (d.status == chunk_status::retrying) {
    d.reason = fmt::format("no server carries the chunk's name in two reads {} s apart: nothing was bought",
                           settings_.limits.settle_s);
  }
  co_return d;
}

template <typename Clock>
template <typename Result, typename Call>
net::awaitable<std::optional<Result>> basic_scheduler<Clock>::read_with_retries(
    Call call, basic_rate_limiter<Clock>* limiter, std::int64_t& counter, std::string& error) {
  for (std::int64_t attempt = 1; attempt <= k_read_attempts; ++attempt) {
    co_await acquire_slot();
    if (limiter) co_await limiter->acquire();
    ++counter;
    Result r = co_await call();
    release_slot();
    outcome o = classify(r.report, call_kind::read);
    if (o.cls == outcome_class::ordered) co_return r;
    error = describe(r.report);
    if (o.throttled) {
      ++stats_.throttled;
      if (limiter) limiter->on_throttled(o.throttle_limit, o.throttle_window_s);
    }
    // The CPH credentials refused stop the run. The billing service's (another site's account, say) only
    // leave the server list to settle the chunk.
    if (o.stop_run && limiter) request_stop(stop_reason::auth);
    if (o.cls == outcome_class::permanent) break;
    if (co_await sleep_unless_stopped(Clock::now() + retry_delay(o, attempt))) break;
  }
  co_return std::nullopt;
}

template <typename Clock>
net::awaitable<std::optional<std::vector<server_info>>> basic_scheduler<Clock>::read_servers(
    const std::string& chunk, std::string& error) {
  server_query q;
  q.server_name = chunk;
  // Servers created since a little before the send (clock_skew_margin); unknown send time: all of them.
  q.create_since_s = window_start_s(index_.sending_time_ms(chunk));
  std::optional<list_call> call = co_await read_with_retries<list_call>(
      [&] { return api_.list_servers(q, call_deadline(settings_.limits)); }, &read_limiter_, stats_.reads,
      error);
  if (!call) co_return std::nullopt;
  co_return std::move(call->servers);
}

template <typename Clock>
net::awaitable<reconcile_decision> basic_scheduler<Clock>::read_and_decide(const std::string& chunk,
                                                                           bool auto_pay) {
  std::string error;
  std::optional<std::vector<server_info>> servers = co_await read_servers(chunk, error);
  if (!servers) co_return unread_list(error);
  co_return decide(chunk, auto_pay, *servers);
}

template <typename Clock>
net::awaitable<std::optional<std::vector<order_evidence>>> basic_scheduler<Clock>::read_orders(
    const chunk_ask& chunk) {
  order_query q;
  // From a little before the send; no end: an order stamped by a clock ahead of ours still counts.
  q.create_begin_s = window_start_s(chunk.sending_ms);
  q.service_type_code = std::string(cph_service_type);
  std::string error;
  std::optional<orders_call> list = co_await read_with_retries<orders_call>(
      [&] { return billing_->list_orders(q, call_deadline(settings_.limits)); }, nullptr,
      stats_.billing_reads, error);
  if (!list) {
    log(log_level::warn, "could not read the billing service's orders",
        {{"chunk", chunk.chunk}, {"error", error}});
    co_return std::nullopt;
  }
  std::vector<order_evidence> out;
  for (bss_order& o : list->orders) {
    if (!index_.chunk_of_order(o.order_id).empty()) continue;  // the ledger holds it: a chunk's already
    order_evidence e{std::move(o), std::nullopt};
    if (fit(chunk, e) == order_fit::ruled_out) continue;  // cancelled, another service, before the window
    std::optional<order_detail_call> detail = co_await read_with_retries<order_detail_call>(
        [&] { return billing_->order_detail(e.order.order_id, call_deadline(settings_.limits)); }, nullptr,
        stats_.billing_reads, error);
    if (detail) e.detail = std::move(detail->detail);  // unread: it stays a candidate (undetermined)
    out.push_back(std::move(e));
  }
  co_return out;
}

template <typename Clock>
net::awaitable<std::optional<reconcile_decision>> basic_scheduler<Clock>::read_both_and_decide(
    const std::string& chunk) {
  std::optional<chunk_ask> ask;
  if (const ledger_row* row = index_.latest(chunk))
    ask = ask_of(chunk, row->request, index_.sending_time_ms(chunk));
  if (!ask) co_return std::nullopt;  // no body to match an order with: the list alone
  std::string error;
  std::optional<std::vector<server_info>> servers = co_await read_servers(chunk, error);
  if (!servers) co_return unread_list(error);
  reconcile_decision by_list = decide(chunk, ask->auto_pay, *servers);
  if (by_list.status == chunk_status::ordered) co_return by_list;  // billing has nothing to add
  std::optional<std::vector<order_evidence>> orders = co_await read_orders(*ask);
  if (!orders) co_return std::nullopt;
  // Rivals for an order: every other chunk left open, as the ledger holds it now.
  std::vector<chunk_ask> others;
  if (!orders->empty()) {
    for (const std::string& other : index_.unresolved()) {
      if (other == chunk) continue;
      if (auto a = ask_of(other, index_.latest(other)->request, index_.sending_time_ms(other)))
        others.push_back(std::move(*a));
    }
  }
  co_return decide_with_billing(*ask, *servers, *orders, others);
}

template <typename Clock>
typename basic_scheduler<Clock>::time_point basic_scheduler<Clock>::after_ledger_time(
    std::optional<std::chrono::system_clock::time_point> at, std::chrono::seconds window) const {
  time_point t = Clock::now();
  if (!at) return t;
  auto remaining = *at + window - std::chrono::system_clock::now();
  if (remaining > std::chrono::system_clock::duration::zero())
    t += std::chrono::duration_cast<typename Clock::duration>(remaining);
  return t;
}

template <typename Clock>
net::awaitable<void> basic_scheduler<Clock>::settle_unresolved(const std::vector<std::string>& fleets) {
  std::vector<ledger_row> open;
  for (const auto& fleet : index_.fleets()) {
    if (!fleets.empty() && std::find(fleets.begin(), fleets.end(), fleet) == fleets.end()) continue;
    for (const ledger_row* row : index_.chunks_of(fleet))
      if (is_unresolved(row->status)) open.push_back(*row);
  }
  if (open.empty()) co_return;
  watch_deadline();
  log(log_level::info, "settling chunks left unresolved by earlier runs", {{"chunks", open.size()}});
  std::int64_t pending = 0;
  for (auto& row : open) {
    ++pending;
    net::co_spawn(ex_, settle_one(std::move(row)), [this, &pending](std::exception_ptr e) {
      --pending;
      idle_timer_.cancel();
      if (e && !fatal_) fatal_ = e;
    });
  }
  co_await wait_all(pending);
  if (fatal_) std::rethrow_exception(fatal_);
}

template <typename Clock>
net::awaitable<void> basic_scheduler<Clock>::settle_one(ledger_row latest) {
  // The list's window runs from the chunk's last row, on the wall clock the ledger's times are on;
  // billing's from its send (its last row when the send's time is not known).
  auto last = parse_utc_rfc3339(latest.time);
  time_point first_read = after_ledger_time(last, std::chrono::seconds(settings_.limits.settle_s));
  std::optional<std::chrono::system_clock::time_point> sent = last;
  if (auto ms = index_.sending_time_ms(latest.chunk))
    sent = std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms));
  time_point billing_read = after_ledger_time(sent, std::chrono::seconds(settings_.billing_settle_s));
  bool auto_pay = false;
  parsed_purchase p = parse_purchase(latest.request);
  if (p.errors.empty()) auto_pay = p.request.extend_param.auto_pay();
  std::optional<reconcile_decision> read =
      co_await settle_reads(latest.chunk, auto_pay, first_read, billing_read);
  if (!read) co_return;  // the deadline or a signal came first: the chunk stays unresolved
  reconcile_decision d = std::move(*read);
  ++stats_.reconciled;
  // Still unknown and nothing new to say: no row (candidate orders, once named, are not named again).
  if (d.status == chunk_status::unknown && latest.status == chunk_status::unknown &&
      (d.candidate_orders.empty() || d.reason == latest.error_msg)) {
    log(log_level::warn, "still unknown", {{"chunk", latest.chunk}, {"reason", d.reason}});
    co_return;
  }
  co_await record(settled_row(latest, d, settings_.run_id));
  log(d.status == chunk_status::unknown ? log_level::warn : log_level::info, "settled",
      {{"chunk", latest.chunk}, {"status", std::string(to_string(d.status))}, {"reason", d.reason}});
}

template <typename Clock>
net::awaitable<void> basic_scheduler<Clock>::adopt_order(std::string chunk, std::string order_id) {
  auto refuse = [&](std::string_view why) {
    return std::runtime_error(fmt::format("--adopt-order {}={}: {}", chunk, order_id, why));
  };
  auto check_ledger = [&]() -> ledger_row {
    const ledger_row* latest = index_.latest(chunk);
    if (!latest) throw refuse("no such chunk in the ledger");
    if (!is_unresolved(latest->status)) {
      throw refuse(fmt::format("the chunk is {}{}: only a sending or unknown chunk adopts an order",
                               to_string(latest->status),
                               latest->order_id.empty() ? "" : " with order " + latest->order_id));
    }
    std::string_view holder = index_.chunk_of_order(order_id);
    if (!holder.empty()) throw refuse(fmt::format("the ledger records that order for chunk {}", holder));
    return *latest;
  };
  check_ledger();
  if (!billing_)
    throw refuse("the order is checked in the billing service, and none is configured ([billing])");
  std::string error;
  std::optional<order_detail_call> call = co_await read_with_retries<order_detail_call>(
      [&] { return billing_->order_detail(order_id, call_deadline(settings_.limits)); }, nullptr,
      stats_.billing_reads, error);
  if (!call || !call->detail)
    throw refuse(fmt::format("the billing service shows no such order ({})", error));
  if (call->detail->order.status == order_status::cancelled)
    throw refuse("the order was cancelled: it bought nothing");
  ledger_row latest = check_ledger();  // again: the ledger may have moved while the order was read
  order_evidence e{call->detail->order, call->detail};
  std::optional<chunk_ask> ask = ask_of(chunk, latest.request, index_.sending_time_ms(chunk));
  bool fits = ask && fit(*ask, e) == order_fit::matches;
  reconcile_decision d;
  d.status = chunk_status::ordered;
  d.order_id = order_id;
  d.reason = fmt::format("order {} adopted by hand (reconcile --adopt-order){}", order_id,
                         fits ? "" : "; its line items do not show the chunk's count and period");
  co_await record(settled_row(latest, d, settings_.run_id));
  ++stats_.reconciled;
  log(log_level::info, "adopted", {{"chunk", chunk}, {"order_id", order_id}});
}

template class basic_scheduler<std::chrono::steady_clock>;
template class basic_scheduler<manual_clock>;

}  // namespace cphfleet

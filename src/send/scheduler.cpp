#include "send/scheduler.hpp"

#include "base/log.hpp"
#include "base/time_text.hpp"

#include <fmt/format.h>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <ctime>
#include <deque>
#include <iterator>
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
                                        ledger_index& index, run_settings s)
    : ex_(ex),
      api_(api),
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
  // The transport's deadline is real time, whatever clock the waits between calls run on.
  purchase_call call = co_await api_.purchase(
      w.api, w.body,
      std::chrono::steady_clock::now() + std::chrono::seconds(settings_.limits.request_timeout_s));
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
      std::optional<reconcile_decision> read = co_await settle_reads(
          w.chunk, w.auto_pay, sent_at + std::chrono::seconds(settings_.limits.settle_s));
      if (!read) co_return next_step{};  // sending stopped first: the chunk stays unknown
      reconcile_decision d = std::move(*read);
      ++stats_.reconciled;
      if (d.status == chunk_status::unknown) {
        log(log_level::warn, "still unknown", {{"chunk", w.chunk}, {"reason", d.reason}});
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
    const std::string& chunk, bool auto_pay, time_point first_read) {
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
net::awaitable<reconcile_decision> basic_scheduler<Clock>::read_and_decide(const std::string& chunk,
                                                                           bool auto_pay) {
  std::string last_error;
  for (std::int64_t attempt = 1; attempt <= k_read_attempts; ++attempt) {
    co_await acquire_slot();
    co_await read_limiter_.acquire();
    ++stats_.reads;
    list_call call = co_await api_.list_servers(
        chunk, std::chrono::steady_clock::now() + std::chrono::seconds(settings_.limits.request_timeout_s));
    release_slot();
    outcome o = classify(call.report, call_kind::read);
    if (o.cls == outcome_class::ordered) co_return decide(chunk, auto_pay, call.servers);
    last_error = describe(call.report);
    if (o.throttled) {
      ++stats_.throttled;
      read_limiter_.on_throttled(o.throttle_limit, o.throttle_window_s);
    }
    if (o.stop_run) request_stop(stop_reason::auth);
    if (o.cls == outcome_class::permanent) break;
    if (co_await sleep_unless_stopped(Clock::now() + retry_delay(o, attempt))) break;
  }
  reconcile_decision d;
  d.status = chunk_status::unknown;
  d.reason = fmt::format("could not read the server list: {}", last_error);
  co_return d;
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
  // The window runs from the chunk's last row, on the wall clock the ledger's times are on.
  time_point first_read = Clock::now();
  if (auto last = parse_utc_rfc3339(latest.time)) {
    auto window_end = *last + std::chrono::seconds(settings_.limits.settle_s);
    auto remaining = window_end - std::chrono::system_clock::now();
    if (remaining > std::chrono::system_clock::duration::zero())
      first_read += std::chrono::duration_cast<typename Clock::duration>(remaining);
  }
  bool auto_pay = false;
  parsed_purchase p = parse_purchase(latest.request);
  if (p.errors.empty()) auto_pay = p.request.extend_param.auto_pay();
  std::optional<reconcile_decision> read = co_await settle_reads(latest.chunk, auto_pay, first_read);
  if (!read) co_return;  // the deadline or a signal came first: the chunk stays unresolved
  reconcile_decision d = std::move(*read);
  ++stats_.reconciled;
  if (d.status == chunk_status::unknown && latest.status == chunk_status::unknown) {
    log(log_level::warn, "still unknown", {{"chunk", latest.chunk}, {"reason", d.reason}});
    co_return;
  }
  ledger_row row = latest;
  row.time = utc_now_rfc3339();
  row.run_id = settings_.run_id;
  row.status = d.status;
  row.http_status = 0;
  row.error_code.clear();
  row.error_msg = d.reason;
  row.request_id.clear();
  row.order_id = d.order_id;
  row.product_id = d.product_id;
  row.server_ids = d.server_ids;
  co_await record(row);
  log(d.status == chunk_status::unknown ? log_level::warn : log_level::info, "settled",
      {{"chunk", latest.chunk}, {"status", std::string(to_string(d.status))}, {"reason", d.reason}});
}

template class basic_scheduler<std::chrono::steady_clock>;
template class basic_scheduler<manual_clock>;

}  // namespace cphfleet

// The sending engine (README "Sending"): purchases chunks as fast as the limits allow, retries what
// provably bought nothing, reconciles what may have bought something, and records every step in the
// ledger before acting on it. One io_context, one thread, coroutines.
#pragma once
#include "base/backoff.hpp"
#include "base/net.hpp"
#include "input/config.hpp"
#include "ledger/index.hpp"
#include "ledger/writer.hpp"
#include "send/bss_api.hpp"
#include "send/cph_api.hpp"
#include "send/manual_clock.hpp"
#include "send/rate_limiter.hpp"
#include "send/reconcile.hpp"

#include <boost/asio/experimental/channel.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace cphfleet {

// One chunk to buy: from the planner (run) or from the ledger (replay).
struct chunk_work {
  std::string job;
  std::string fleet;
  std::string chunk;
  std::int64_t count = 0;
  std::string body;                     // the exact request body, as recorded
  bool auto_pay = false;                // extend_param.is_auto_pay == 1
  purchase_api api = purchase_api::v1;  // the call the body is for (purchase_api_of(body))
};

struct run_settings {
  limits_config limits;
  std::string run_id;
  std::string project_id;
  // No new sends after it, and no waiting to settle past it.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::uint64_t seed = std::random_device{}();
  // With a billing service: how long after a send its order shows there ([billing] settle_s). A chunk
  // whose answer was lost is read this long after its `sending` row; when neither witness shows
  // anything, it is re-sent then, without the server list's longer window and second read.
  std::int64_t billing_settle_s = 30;
};

// Why sending stopped early; the first reason wins.
enum class stop_reason { none, signal, deadline, auth, circuit, budget, fatal };
std::string_view to_string(stop_reason r);

struct run_stats {
  std::int64_t requests = 0;       // purchase calls whose request was attempted
  std::int64_t reads = 0;          // list calls
  std::int64_t billing_reads = 0;  // order lists and order details
  std::int64_t retries = 0;  // purchases re-sent (after a retryable answer or a reconcile that found nothing)
  std::int64_t throttled = 0;  // 429 answers, purchases and reads
  std::int64_t answered_ordered = 0;
  std::int64_t answered_retryable = 0;
  std::int64_t answered_permanent = 0;
  std::int64_t answered_ambiguous = 0;
  std::int64_t servers_ordered = 0;  // this run
  std::int64_t reconciled = 0;       // chunks settled by reading the service
  std::int64_t not_sent = 0;         // planned chunks left for a later run (stop before their turn)
};

// `Clock` is std::chrono::steady_clock in production (`scheduler`); tests run it on manual_clock, where
// settle windows of minutes pass at once (send/manual_clock.hpp).
template <typename Clock>
class basic_scheduler {
 public:
  using clock = Clock;
  using time_point = typename Clock::time_point;

  // `billing`: the second witness (README "Sending"); nullptr: the server list alone settles chunks.
  basic_scheduler(net::any_io_executor ex, cph_api& api, ledger_writer& ledger, ledger_index& index,
                  run_settings s, bss_api* billing = nullptr);

  // Settles every chunk whose latest row is `sending` or `unknown` (optionally only some fleets):
  // waits out the settle window since its last row, reads the service, records what it found.
  net::awaitable<void> settle_unresolved(const std::vector<std::string>& fleets = {});
  // Buys every chunk; returns when each is recorded in a final state for this run (or was left unsent
  // because sending stopped).
  net::awaitable<void> send(std::vector<chunk_work> work);

  // `reconcile --adopt-order`: a person names the order of a chunk left sending or unknown. Checked in
  // the billing service (it exists, and was not cancelled) and in the ledger (no other chunk holds it),
  // then recorded `ordered` with that order id. Throws std::runtime_error saying why it was refused.
  net::awaitable<void> adopt_order(std::string chunk, std::string order_id);
  bool has_billing() const { return billing_ != nullptr; }

  // First SIGINT/SIGTERM, deadline: send nothing new; what is in flight finishes and is recorded.
  void request_stop(stop_reason why);
  // Second signal: every call still in flight is recorded `unknown` now (synchronously).
  void abandon_in_flight();

  stop_reason stopped() const { return stop_; }
  bool aborted() const { return stop_ == stop_reason::auth || stop_ == stop_reason::circuit; }
  const run_stats& stats() const { return stats_; }
  std::int64_t in_flight() const { return static_cast<std::int64_t>(in_flight_.size()); }
  std::int64_t waiting() const { return waiting_; }  // chunks backing off or waiting to settle
  // When the next chunk waiting to settle reads the server list (none waiting: nullopt), and how many
  // wait: what a progress line counts down while a run seems to do nothing for minutes.
  std::optional<time_point> next_settle_read() const {
    if (settle_reads_.empty()) return std::nullopt;
    return *settle_reads_.begin();
  }
  std::int64_t settling() const { return static_cast<std::int64_t>(settle_reads_.size()); }
  // Ledger rows appended and not yet synced (a test on manual_clock waits for them in real time).
  std::int64_t rows_syncing() const { return rows_syncing_; }
  double purchase_rate() const { return purchase_limiter_.rate(); }

 private:
  using timer = net::basic_waitable_timer<Clock>;
  // What run_chunk does after an attempt: stop, send again now, or send again after a delay.
  struct next_step {
    enum kind_type { done, resend, back_off } kind = done;
    std::chrono::milliseconds delay{0};
  };
  net::awaitable<void> run_chunk(chunk_work w);
  // One attempt, holding a call slot and a token: records the intent, sends, records the answer.
  // Its own coroutine so that the chunks waiting for a slot hold only run_chunk's small frame.
  net::awaitable<next_step> attempt_purchase(const chunk_work& w, std::int64_t attempt);
  // Reads the server list for a chunk that may have been bought, first at `first_read`. Nothing found
  // with auto-pay is believed only from a second read a settle window after the first. With billing,
  // both witnesses are read first at `billing_read`; what they settle is final, and what they leave
  // open (candidate orders) is read again at `first_read`. nullopt: sending stopped (deadline, signal)
  // before the reads were done; the chunk stays as it is.
  net::awaitable<std::optional<reconcile_decision>> settle_reads(const std::string& chunk, bool auto_pay,
                                                                 time_point first_read,
                                                                 time_point billing_read);
  // The server list by the chunk's name, from its window's start (nullopt: it could not be read, and
  // `error` says why).
  net::awaitable<std::optional<std::vector<server_info>>> read_servers(const std::string& chunk,
                                                                       std::string& error);
  net::awaitable<reconcile_decision> read_and_decide(const std::string& chunk, bool auto_pay);
  // Both witnesses. nullopt: the billing service could not be read (the caller falls back to the list).
  net::awaitable<std::optional<reconcile_decision>> read_both_and_decide(const std::string& chunk);
  // The billing window's orders that no chunk of the ledger holds, with their details (nullopt: the
  // order list could not be read).
  net::awaitable<std::optional<std::vector<order_evidence>>> read_orders(const chunk_ask& chunk);
  // One read, retried as reads are (throttling, 5xx, transport), up to k_read_attempts. nullopt: no
  // answer worth reading; `error` says what the last attempt got.
  template <typename Result, typename Call>
  net::awaitable<std::optional<Result>> read_with_retries(Call call, basic_rate_limiter<Clock>* limiter,
                                                          std::int64_t& counter, std::string& error);
  // The Clock time `window` after a ledger time (now when that is past or does not parse).
  time_point after_ledger_time(std::optional<std::chrono::system_clock::time_point> at,
                               std::chrono::seconds window) const;
  net::awaitable<void> settle_one(ledger_row latest);
  net::awaitable<void> record(ledger_row row);
  net::awaitable<void> acquire_slot();
  void release_slot();
  // Sleeps until `until`; returns true when sending stopped meanwhile (or had already).
  net::awaitable<bool> sleep_unless_stopped(time_point until);
  // The same, for a settle read: logged with how long it waits, and counted in next_settle_read().
  net::awaitable<bool> wait_to_settle(const std::string& chunk, time_point read_at);
  net::awaitable<void> wait_all(std::int64_t& counter);
  // The wait before another attempt after a retryable answer: backoff, or Retry-After when longer,
  // never beyond backoff_max_ms.
  std::chrono::milliseconds retry_delay(const outcome& o, std::int64_t attempt);
  // Arms the deadline (once, for settle_unresolved and send alike): at it, sending stops.
  void watch_deadline();
  ledger_row make_row(const chunk_work& w, chunk_status status, std::int64_t attempt) const;
  bool take_retry();
  bool stopping() const { return stop_ != stop_reason::none; }

  net::any_io_executor ex_;
  cph_api& api_;
  bss_api* billing_;
  ledger_writer& ledger_;
  ledger_index& index_;
  run_settings settings_;
  backoff_policy backoff_;
  backoff_policy throttle_backoff_;
  basic_rate_limiter<Clock> purchase_limiter_;
  basic_rate_limiter<Clock> read_limiter_;
  net::experimental::channel<void(boost::system::error_code)> slots_;  // capacity = max_in_flight
  timer stop_timer_;  // expires at "never" until sending stops, then at once
  timer idle_timer_;  // cancelled whenever a task ends, for wait_all
  timer deadline_timer_;
  bool deadline_watched_ = false;
  std::mt19937_64 rng_;
  stop_reason stop_ = stop_reason::none;
  std::int64_t retry_budget_ = 0;
  std::int64_t consecutive_ambiguous_ = 0;
  std::int64_t waiting_ = 0;
  std::int64_t tasks_ = 0;
  std::int64_t rows_syncing_ = 0;
  std::multiset<time_point> settle_reads_;       // when each chunk waiting to settle reads the servers
  std::map<std::string, ledger_row> in_flight_;  // chunk -> its `sending` row
  std::exception_ptr fatal_;
  run_stats stats_;
};

extern template class basic_scheduler<std::chrono::steady_clock>;
extern template class basic_scheduler<manual_clock>;
using scheduler = basic_scheduler<std::chrono::steady_clock>;

}  // namespace cphfleet

// A client-side token bucket for one API that adapts to the gateway: on a 429 its rate drops (to just
// under the gateway's `limit:N` when the message says it, else by half) and then recovers gradually
// toward the configured rate, so a run neither hammers a throttled gateway nor stays slow forever.
// A template on its clock, as the scheduler is (send/manual_clock.hpp).
#pragma once
#include "base/net.hpp"
#include "base/token_bucket.hpp"
#include "send/manual_clock.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace cphfleet {

template <typename Clock>
class basic_rate_limiter {
 public:
  basic_rate_limiter(net::any_io_executor ex, double rate_per_s, double burst);

  // Waits for this caller's token. Tokens are handed out in call order.
  net::awaitable<void> acquire();
  // A 429 came back. `limit`/`window_s` from `limit:N,time:1 second` when present.
  void on_throttled(std::optional<std::int64_t> limit, std::optional<std::int64_t> window_s);

  double rate() const { return bucket_.rate(); }
  double configured_rate() const { return configured_; }

 private:
  double now_s() const;
  void recover(double now);

  net::any_io_executor ex_;
  double configured_;
  token_bucket bucket_;
  typename Clock::time_point epoch_ = Clock::now();
  double last_change_s_ = 0;
  double last_drop_s_ = -1e9;
};

extern template class basic_rate_limiter<std::chrono::steady_clock>;
extern template class basic_rate_limiter<manual_clock>;
using rate_limiter = basic_rate_limiter<std::chrono::steady_clock>;

}  // namespace cphfleet

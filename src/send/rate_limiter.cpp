#include "send/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace cphfleet {
namespace {
constexpr double k_recovery_per_s = 0.02;  // +2% of the current rate per second without a 429
constexpr double k_limit_margin = 0.95;    // stay 5% under the gateway's stated limit
constexpr double k_min_rate = 0.05;        // never stall completely
}  // namespace

template <typename Clock>
basic_rate_limiter<Clock>::basic_rate_limiter(net::any_io_executor ex, double rate_per_s, double burst)
    : ex_(std::move(ex)), configured_(rate_per_s), bucket_(rate_per_s, burst, 0.0) {}

template <typename Clock>
double basic_rate_limiter<Clock>::now_s() const {
  return std::chrono::duration<double>(Clock::now() - epoch_).count();
}

template <typename Clock>
void basic_rate_limiter<Clock>::recover(double now) {
  double rate = bucket_.rate();
  if (rate >= configured_ || now - last_change_s_ < 1.0) return;
  double grown = rate * std::pow(1.0 + k_recovery_per_s, std::floor(now - last_change_s_));
  bucket_.set_rate(std::min(configured_, grown), now);
  last_change_s_ = now;
}

template <typename Clock>
net::awaitable<void> basic_rate_limiter<Clock>::acquire() {
  double now = now_s();
  recover(now);
  double wait = bucket_.wait_s(now);
  bucket_.take(now);
  if (wait > 0) {
    net::basic_waitable_timer<Clock> timer(
        ex_, std::chrono::duration_cast<typename Clock::duration>(std::chrono::duration<double>(wait)));
    co_await timer.async_wait(net::use_awaitable);
  }
}

template <typename Clock>
void basic_rate_limiter<Clock>::on_throttled(std::optional<std::int64_t> limit,
                                             std::optional<std::int64_t> window_s) {
  double now = now_s();
  double rate = bucket_.rate();
  double target = rate;
  if (limit && *limit > 0) {
    double window = static_cast<double>(window_s && *window_s > 0 ? *window_s : 1);
    target = std::min(rate, static_cast<double>(*limit) / window * k_limit_margin);
  } else if (now - last_drop_s_ >= 1.0) {
    // Without a stated limit, halve; the answers of one burst come back throttled together, so once a second.
    target = rate / 2;
  }
  bucket_.set_rate(std::max(k_min_rate, target), now);
  bucket_.drain(now);
  last_change_s_ = now;
  last_drop_s_ = now;
}

template class basic_rate_limiter<std::chrono::steady_clock>;
template class basic_rate_limiter<manual_clock>;

}  // namespace cphfleet

// The clock the scheduler runs on in tests: its now() moves only when a test moves it, so backoffs,
// settle windows of minutes and deadlines pass in microseconds of real time. The scheduler and the rate
// limiter are templates on their clock; production uses std::chrono::steady_clock and pays nothing.
//
// To jump to the next timer, a driver must know when it is due. Asio asks a clock's wait_traits how long
// to wait for the earliest timer of that clock each time it re-arms its timerfd (after it fires, and when
// a new timer becomes the earliest); the specialization below writes that down (`next_timer`). A timer
// cancelled since may leave a stale, earlier value: jumping to it fires nothing, and the re-arm that
// follows reports the true one. The protocol is in tests/support/virtual_time.hpp.
#pragma once
#include "base/net.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace cphfleet {

struct manual_clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<manual_clock>;
  static constexpr bool is_steady = true;

  static time_point now() noexcept { return now_; }
  // Moves the clock forward (never back: timers already due stay due).
  static void advance_to(time_point t) noexcept {
    if (t > now_) now_ = t;
  }
  static void advance(duration d) noexcept { advance_to(now_ + d); }
  // The earliest timer asio reported since forget_timers(), if any is later than now.
  static std::optional<time_point> next_timer() noexcept { return next_; }
  static void forget_timers() noexcept { next_.reset(); }
  // A fresh start for a test (the state is per process: one io thread runs it).
  static void reset() noexcept {
    now_ = time_point(std::chrono::hours(24));
    next_.reset();
  }

  // Called by asio through wait_traits with the time left until the clock's earliest timer.
  static void saw_timer(duration left) noexcept {
    if (left <= duration::zero()) return;  // due now: fires in the same pass, nothing to jump to
    time_point at = left >= time_point::max() - now_ ? time_point::max() : now_ + left;
    if (!next_ || at < *next_) next_ = at;
  }

  inline static time_point now_ = time_point(std::chrono::hours(24));
  inline static std::optional<time_point> next_;
};

}  // namespace cphfleet

template <>
struct boost::asio::wait_traits<cphfleet::manual_clock> {
  static cphfleet::manual_clock::duration to_wait_duration(const cphfleet::manual_clock::duration& d) {
    cphfleet::manual_clock::saw_timer(d);
    // The real wait asio may block for: only while a driver waits for an fdatasync, which ends sooner.
    return d;
  }
  static cphfleet::manual_clock::duration to_wait_duration(const cphfleet::manual_clock::time_point& t) {
    auto now = cphfleet::manual_clock::now();
    return to_wait_duration(t <= now ? cphfleet::manual_clock::duration::zero() : t - now);
  }
};

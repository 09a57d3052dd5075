// Runs an io_context on manual_clock's virtual time: whenever nothing can run now, the clock jumps to
// the next timer, so a test of minutes of backoff and settle windows takes milliseconds. How the next
// timer is known is in src/send/manual_clock.hpp.
#pragma once
#include "base/net.hpp"
#include "send/manual_clock.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>

namespace cphfleet::testing {

// Runs `ioc` until `done()`. `busy()` says something is under way off the io thread (a ledger
// fdatasync): then the run waits for it in real time instead of moving the clock, so virtual time never
// passes while a row is on its way to disk. Throws when nothing could ever run again (a hang).
inline void run_on_virtual_time(net::io_context& ioc, const std::function<bool()>& done,
                                const std::function<bool()>& busy) {
  auto run_ready = [&] {
    std::size_t ran = 0;
    while (std::size_t n = ioc.poll()) ran += n;
    return ran;
  };
  // Asio looks at a clock's timers only when its timerfd fires, and it armed that in real time for a
  // virtual wait. A timer due before all others re-arms it to fire at once; that pass hands out every
  // timer due by now and reports the next one (manual_clock::next_timer).
  auto check_timers = [&] {
    manual_clock::forget_timers();
    net::basic_waitable_timer<manual_clock> nudge(ioc, manual_clock::time_point::min());
    bool fired = false;
    nudge.async_wait([&](boost::system::error_code) { fired = true; });
    std::size_t ran = 0;
    while (!fired) {
      std::size_t n = ioc.run_one();
      if (n == 0) throw std::logic_error("the io_context stopped before the work was done");
      ran += n;
    }
    return ran - 1;  // what ran besides the nudge
  };
  for (;;) {
    run_ready();
    if (done()) return;
    if (busy()) {
      if (ioc.run_one() == 0) throw std::logic_error("the io_context stopped before the work was done");
      continue;
    }
    if (check_timers() + run_ready() > 0) continue;
    if (done()) return;
    if (busy()) continue;
    auto next = manual_clock::next_timer();
    if (!next || *next - manual_clock::now() > std::chrono::hours(24 * 365)) {
      throw std::logic_error("nothing left to run, and the work is not done: it would hang");
    }
    manual_clock::advance_to(*next);
  }
}

}  // namespace cphfleet::testing

// What the live progress line of a sending command says (README "Output"), as segments in the order they
// matter: when the terminal is narrow, the last ones are left out (base/terminal.hpp join_fitting).
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

// Rates over the last `window_s` seconds, not the run's average: a run that was throttled a minute ago
// and flows now shows the rate of now.
class progress_meter {
 public:
  explicit progress_meter(double window_s = 10) : window_s_(window_s) {}
  // Totals at `t_s` seconds since the start; calls come in time order.
  void add(double t_s, std::int64_t requests, std::int64_t servers_ordered);
  double requests_per_s() const;
  double servers_per_s() const;

 private:
  struct sample {
    double t_s;
    std::int64_t requests;
    std::int64_t servers;
  };
  double rate(std::int64_t sample::*field) const;
  double window_s_;
  std::deque<sample> samples_;
};

struct progress_figures {
  std::string_view command;  // run, replay, reconcile
  std::int64_t ordered = 0;  // servers
  std::int64_t target = 0;   // servers; 0: no target (replay, reconcile)
  std::int64_t unknown = 0;  // servers in chunks that are sending or unknown
  double requests_per_s = 0;
  double servers_per_s = 0;
  double rate_cap = 0;         // the purchase rate the client holds now
  double configured_rate = 0;  // [limits] requests_per_second
  std::int64_t throttled = 0;
  std::int64_t in_flight = 0;
  std::int64_t waiting = 0;
  std::int64_t settling = 0;                  // chunks waiting to read the service
  std::optional<std::int64_t> next_settle_s;  // when the first of them reads
  std::int64_t requests = 0;
  std::int64_t retries = 0;
};

std::vector<std::string> progress_segments(const progress_figures& f);

}  // namespace cphfleet

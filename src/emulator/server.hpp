// The local CPH service (DESIGN.md "Emulator", spec/cph-api.md §1-§5): HTTP or HTTPS on one
// io_context, the same validation and error codes as the service, AK/SK or token checks, per-API
// throttling and faults on demand. `cphfleet emulator` runs it alone; `endpoint = "embedded"` runs it
// inside the runner, on the runner's own io_context.
#pragma once
#include "emulator/options.hpp"
#include "base/net.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace cphfleet {


struct emulator_stats {
  std::uint64_t requests = 0;   // every request read, admin included
  std::uint64_t purchases = 0;  // purchase requests that got past auth and the rate limit (the
                                // numbers --script counts)
  std::uint64_t orders = 0;     // orders taken
  std::uint64_t servers = 0;    // servers created
  std::uint64_t throttled = 0;  // 429 answers (rate limit or fault)
  std::uint64_t rejected = 0;   // other 4xx answers
  std::uint64_t faults = 0;     // faults injected (throttle faults included)
  std::uint64_t auth_failures = 0;
  std::uint64_t connections = 0;  // accepted so far
};

class emulator {
 public:
  // Checks the options (faults, script, catalog file, TLS files) and throws std::invalid_argument
  // with a message naming the bad option.
  emulator(net::io_context& ioc, emulator_options options);
  ~emulator();
  emulator(const emulator&) = delete;
  emulator& operator=(const emulator&) = delete;

  // Binds and begins accepting on the io_context; returns the bound endpoint.
  tcp::endpoint start();
  // Stops accepting and closes every connection; pending answers are dropped. Safe from any thread
  // (it runs on the io_context), and more than once.
  void stop();

  // `http://127.0.0.1:PORT` or `https://...`, once started.
  std::string url() const;
  // Read on the io_context's thread (the embedded runner); other threads use GET /_emulator/stats.
  emulator_stats stats() const;

  class impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace cphfleet

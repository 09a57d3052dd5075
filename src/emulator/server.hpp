// The local CPH service (README "The emulator", docs/service.md): HTTP or HTTPS on one
// io_context, the same validation and error codes as the service, AK/SK or token checks, per-API
// throttling and faults on demand. `cphfleet emulator` runs it alone; `endpoint = "embedded"` runs it
// inside the runner, on the runner's own io_context.
#pragma once
#include "base/net.hpp"
#include "emulator/options.hpp"
#include "emulator/stats.hpp"

#include <memory>
#include <string>

namespace cphfleet {

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

// What the emulator counts, for GET /_emulator/stats, the tests and the benchmarks.
#pragma once
#include <cstdint>
#include <map>
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
  std::uint64_t metadata_requests = 0;    // to the ECS metadata paths (emulator/metadata.hpp)
  std::uint64_t connections = 0;          // accepted so far
  std::uint64_t refused_connections = 0;  // of those, closed at once: max_connections were open
  std::uint64_t open_connections = 0;     // open now (not a count: reset keeps it)
  // Requests routed to each API (by the SDK's name, e.g. ListCloudPhones), whatever the answer: what a
  // test counts to check a client's read budget.
  std::map<std::string, std::uint64_t, std::less<>> api_calls;
};

}  // namespace cphfleet

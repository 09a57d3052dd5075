// Full-jitter exponential backoff: the wait before attempt n+1 is uniform in [0, min(cap, base * 2^(n-1))].
// Spreads retries of many chunks so they do not hit the service in waves.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace cphfleet {

struct backoff_policy {
  std::int64_t base_ms = 500;
  std::int64_t max_ms = 30000;

  // The upper bound for the wait after `failed_attempts` (1 after the first failure).
  std::int64_t ceiling_ms(std::int64_t failed_attempts) const {
    std::int64_t ceiling = base_ms;
    for (std::int64_t i = 1; i < failed_attempts && ceiling < max_ms; ++i) ceiling *= 2;
    return std::min(ceiling, max_ms);
  }
  template <typename Rng>
  std::chrono::milliseconds delay(std::int64_t failed_attempts, Rng& rng) const {
    std::uniform_int_distribution<std::int64_t> dist(0, ceiling_ms(failed_attempts));
    return std::chrono::milliseconds(dist(rng));
  }
};

}  // namespace cphfleet

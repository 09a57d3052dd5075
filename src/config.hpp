// The config file (DESIGN.md "Config file"): where to send, how to authenticate, limits, ledger.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace cphfleet {

struct limits_config {
  double requests_per_second = 5.0;
  std::int64_t burst = 5;
  std::int64_t max_in_flight = 4;
  std::int64_t max_attempts = 6;
  std::int64_t backoff_base_ms = 500;
  std::int64_t backoff_max_ms = 30000;
  std::int64_t throttle_backoff_base_ms = 2000;  // base after a 429 (spec §3: 2-5 s is typical)
  std::int64_t retry_budget = 0;                 // run-wide retries; 0 = 10 x the planned calls
  std::int64_t circuit_ambiguous = 5;            // consecutive ambiguous outcomes that open the circuit
  std::int64_t connect_timeout_s = 10;
  std::int64_t request_timeout_s = 30;
  std::int64_t settle_s = 180;
  std::int64_t max_servers_per_run = 100;
};

// The in-process emulator's options, when `endpoint = "embedded"`.
struct emulator_config {
  std::int64_t latency_ms = 0;
  std::int64_t settle_ms = 0;
  double rate_limit = 0;   // per API, per second; 0 = none
  std::uint64_t seed = 1;
  std::map<std::string, double> faults;  // kind -> probability per purchase
  std::string script;                    // "3:commit_then_drop,7:busy"
};

enum class auth_method { aksk, token };

struct config {
  std::filesystem::path path;    // the file it came from
  std::string endpoint;          // "https://cph.cn-north-4.myhuaweicloud.com" or "embedded"
  std::string project_id;        // from the file, else env HUAWEICLOUD_SDK_PROJECT_ID; may be empty
  std::optional<std::filesystem::path> ca_file;  // resolved against the config's folder
  auth_method auth = auth_method::aksk;
  limits_config limits;
  std::filesystem::path ledger_path;  // resolved against the config's folder
  emulator_config emulator;

  bool embedded() const { return endpoint == "embedded"; }
};

// Reads and checks a config file; throws input_error with every problem found.
// `env` looks up environment variables (tests pass their own).
config load_config(const std::filesystem::path& path);

}  // namespace cphfleet

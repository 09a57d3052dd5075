// The job file (README "Job files"): what to buy, one [[fleet]] per server_name.
#pragma once
#include "api/purchase_body.hpp"
#include "base/diagnostic.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet {

struct fleet_spec {
  std::string server_name;   // the fleet's identity; chunks are <server_name>-NNN
  std::int64_t target = 0;   // `count` in the file: the fleet's total in this ledger
  purchase_request request;  // every field but server_name and count, defaults applied
  int line = 0;              // where the [[fleet]] table starts, for later messages
  int column = 0;
};

struct job_spec {
  std::filesystem::path path;
  std::string name;                                  // 1..32 of [a-z0-9_-]
  purchase_api api = purchase_api::v1;               // `[job] api`: the call every fleet buys with
  std::optional<std::filesystem::path> config_path;  // resolved against the job file's folder
  int config_line = 0;  // where `[job] config` is written, for "not found" messages
  int config_column = 0;
  std::vector<fleet_spec> fleets;
};

// The largest fleet target accepted. Chunks are zero-padded to at least 3 digits; the name must fit
// 60 characters with the widest chunk part its target needs.
inline constexpr std::int64_t max_fleet_target = 1'000'000;

// Reads and checks a job file against every rule; throws input_error listing every problem.
job_spec load_job(const std::filesystem::path& path);
// The same, appending every problem to `errors` (in file order) instead of throwing, for callers that
// report several files together. What it returns is only meaningful when it added no error.
job_spec read_job(const std::filesystem::path& path, diagnostics& errors);

// `<server_name>-NNN`, 1-based, at least 3 digits.
std::string chunk_name(std::string_view server_name, std::int64_t index);
// Digits the chunk part needs for a fleet of `target` servers (3 at least).
int chunk_digits(std::int64_t target);

// The same from text already read, as the file at `path` (messages name it, and `[job] config` is
// resolved against its folder); nothing is read from disk.
job_spec read_job(std::string_view text, const std::filesystem::path& path, diagnostics& errors);

}  // namespace cphfleet

// `plan --out FILE` and `run --plan FILE` (README "Plans to review"): a plan saved with what it was made
// from, so that a run sends exactly the plan a person reviewed, or nothing.
#pragma once
#include "plan/planner.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cphfleet {

// What a ledger held when a plan was made: a ledger only grows, so any row added since (or a torn end
// cut) changes it.
struct ledger_fingerprint {
  std::uint64_t bytes = 0;
  std::string sha256;  // of the whole file; of nothing when there is no file yet
  bool operator==(const ledger_fingerprint&) const = default;
};
ledger_fingerprint fingerprint_ledger(const std::filesystem::path& ledger);

struct saved_chunk {
  std::string fleet;
  std::string chunk;
  std::int64_t count = 0;
  std::string body;  // the exact request body a run would record and send
};

struct saved_plan {
  std::string job;         // [job] name
  std::string job_file;    // absolute path of the job file
  std::string job_sha256;  // of the job file's bytes
  std::string ledger;      // absolute path of the ledger
  ledger_fingerprint ledger_state;
  std::string created;  // UTC, RFC 3339
  std::vector<saved_chunk> chunks;
  std::int64_t servers() const;
};

// The plan file's text: one JSON object {"cphfleet_plan": 1, job, job_file, job_sha256, ledger,
// ledger_bytes, ledger_sha256, created, calls, servers, chunks:[{fleet, chunk, count, body}]}.
std::string saved_plan_json(const saved_plan& p);
saved_plan save_plan(const plan& p, const std::filesystem::path& job_file, std::string_view job_bytes,
                     const std::filesystem::path& ledger);
// Written to a temporary file next to it and renamed.
void write_saved_plan(const std::filesystem::path& path, const saved_plan& p);
// Throws input_error naming the file (and the field) when it is not a plan file of this version.
saved_plan read_saved_plan(const std::filesystem::path& path);

// How the plan made now differs from the saved one (the first few differences, for the message);
// empty when a run would send exactly the saved chunks.
std::vector<std::string> plan_differences(const saved_plan& saved, const plan& now);

}  // namespace cphfleet

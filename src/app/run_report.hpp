// What a run (or replay) tells its caller: the per-fleet summary on stdout, its JSON form and the exit
// code (README "Output"); the metrics file is app/metrics.hpp.
#pragma once
#include "base/diagnostic.hpp"
#include "ledger/index.hpp"

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>
#include "send/scheduler.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet {

struct fleet_summary {
  std::string fleet;
  std::int64_t target = 0;   // -1: no target (replay works from the ledger alone)
  std::int64_t ordered = 0;  // servers in chunks whose latest status is ordered
  std::int64_t failed = 0;   // servers in chunks whose latest status is failed (or retrying: not bought)
  std::int64_t unknown = 0;  // servers in chunks whose latest status is sending or unknown
};

// Servers per state from the ledger's latest rows.
fleet_summary summarize_fleet(const ledger_index& index, std::string_view fleet, std::int64_t target);
// The same for each fleet, with no target (replay and reconcile work from the ledger alone).
std::vector<fleet_summary> summarize_fleets(const ledger_index& index,
                                            const std::vector<std::string>& fleets);

// What stopped a command, for machine output (README "Output"): `input` (exit 2: the diagnostics),
// `locked` (75: who holds the ledger), or `error` (anything else).
struct command_failure {
  std::string kind;
  std::string message;  // the text the summary's `error:` line shows
  diagnostics details;  // input: every diagnostic
  std::string holder;   // locked
};

// The `error` member of every JSON answer: null without a failure, else {kind, message, diagnostics:
// [{file, line, column, field, message}], holder (locked only)}.
boost::json::value failure_json(const command_failure& f);
// `{exit_code, error}`: what a --json command prints when it stops before its own answer.
std::string failure_answer_json(int exit_code, const command_failure& f);

struct run_summary {
  std::string command = "run";  // run, replay, reconcile
  std::string run_id;
  std::string job;     // the job's name ("" for commands that work from the ledger alone)
  std::string ledger;  // the ledger's absolute path, when known
  int exit_code = 0;
  std::vector<fleet_summary> fleets;
  run_stats stats;
  stop_reason stopped = stop_reason::none;
  double duration_s = 0;
  std::string error;        // what stopped the command early, when something did ("" otherwise)
  command_failure failure;  // the same, with its kind and details (kind "" when only `error` is set)
  // `run --wait`: the servers' state as `status --json` answers it (null: the run stopped before the
  // wait); unset for every other command, and then the JSON answer has no `status` member.
  std::optional<boost::json::value> status;
};

// 4 aborted (auth, circuit) > 3 unknown left > 1 failed or short of target > 0.
int exit_code_for(const std::vector<fleet_summary>& fleets, stop_reason stopped);

std::string summary_text(const run_summary& s);
std::string summary_json(const run_summary& s);

}  // namespace cphfleet

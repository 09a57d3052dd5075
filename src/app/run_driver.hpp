// What run, replay and reconcile share: the ledger locked, the service connected, a scheduler on one
// io_context, SIGINT/SIGTERM handled as README "Sending" says, a live progress line, and the summary at the
// end.
#pragma once
#include "app/run_report.hpp"
#include "input/config.hpp"
#include "send/scheduler.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cphfleet {

class cph_client;
class bss_client;
// Who a command's summary and metrics speak for: the job's name and the ledger's absolute path, filled
// in by the command as it learns them (a job file that cannot be read leaves `job` empty).
struct run_identity {
  std::string job;
  std::string ledger;
  void set_ledger(const std::filesystem::path& path);
};

struct driver_flags {
  run_identity id;
  bool json = false;
  std::string metrics_file;
  std::optional<std::chrono::seconds> deadline;
  // The exit code from the summary; run's rule (exit_code_for) unless a command has its own.
  std::function<int(const std::vector<fleet_summary>&, stop_reason)> exit_rule = exit_code_for;
  // Called on the summary once the work ended, before it is printed: what a command adds to its answer.
  std::function<void(run_summary&)> complete_summary;
};

struct driver_context {
  scheduler& sched;
  ledger_index& index;
  const config& cfg;
  cph_api& api;                // for reads outside the scheduler (the account check before buying)
  cph_client& client;          // the same service, for the reads cph_api lacks (run --wait's phones)
  bss_api* billing = nullptr;  // the config's [billing], when it has one
  bss_client* bss = nullptr;   // the same, for the calls bss_api lacks (the price inquiry before buying)
  std::string project_id;
  bool progress_paused = false;  // true: the run's progress line stays off (run --wait draws its own)
};

// `work` does the command's sending; `summarize` turns the ledger's state at the end into the
// per-fleet summary. `check`, when given, sees the ledger once it is held and read (a torn last record
// cut), before the service is contacted: it throws input_error to refuse (exit 2, nothing sent).
// Returns the exit code (75 when the ledger is held, 130/143 after signals). It reports its own errors
// and does not throw: whatever the exit, the metrics file (its folder checked before the ledger is
// opened) is written and the summary printed, with the error in it; an error after a purchase left is
// never exit 2 (a ledger replaced mid-run, a failed sync: exit 1 or graver).
int drive(const config& cfg, std::string_view command, const driver_flags& flags,
          std::function<net::awaitable<void>(driver_context&)> work,
          std::function<std::vector<fleet_summary>(const ledger_index&)> summarize,
          std::function<void(const ledger_index&)> check = {});

// A sending command (run, replay, reconcile) runs its own checks (job file, filters, spend guard) and
// then `drive` inside `body`. When `body` throws, that was before `drive`, so nothing was sent: the
// error goes to stderr, the summary (no fleets, exit 2, the error) to stdout, and the metrics file is
// written when its folder is usable. Returns the exit code.
int run_sending_command(std::string_view command, bool json, const std::string& metrics_file,
                        const run_identity& id, const std::function<int()>& body);

// The exit code once an error stopped a command whose summary says `code` (README "Exit codes"). Exit
// 2 promises that nothing was sent, so it is kept for errors before the first purchase left; after it,
// an error is a failure of the run (1) unless the summary already says something graver (3, 4, 130,
// 143).
int exit_code_after_error(int code, bool sent);

// The options of every command that sends (run, replay): --json, --metrics-file, --deadline,
// --max-servers.
struct send_options {
  bool json = false;
  std::string metrics_file;
  std::string deadline;
  std::int64_t max_servers = 0;
  CLI::Option* max_servers_option = nullptr;

  void add_to(CLI::App& cmd);
  driver_flags flags() const;  // throws input_error for a bad --deadline
  // The spend guard's limit and where it comes from (the config file, or "" for the flag).
  std::int64_t spend_limit(const config& cfg) const;
  std::string spend_limit_source(const config& cfg) const;
};

// `--deadline`: 90s, 45m, 2h (a cron run must end before the next one starts).
std::chrono::seconds parse_duration(std::string_view text, std::string_view option);

std::string new_run_id();

// What stopped a command: printed on stderr as cli_main prints errors (each diagnostic on its line, or
// `cphfleet: ...`), and returned with its kind for the summary and --json answers.
command_failure describe_failure(std::exception_ptr e);

}  // namespace cphfleet

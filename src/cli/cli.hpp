// The command line: common options, subcommands, exit codes (DESIGN.md "Commands", "Exit codes").
#pragma once
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace cphfleet {

struct plan;

namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int failed = 1;       // some chunks failed (audit: disagreement)
inline constexpr int invalid = 2;      // invalid input or config, nothing sent
inline constexpr int unresolved = 3;   // unknown chunks remain
inline constexpr int aborted = 4;      // auth failure, open circuit
inline constexpr int locked = 75;      // another process holds the ledger
inline constexpr int sigint = 130;
inline constexpr int sigterm = 143;
}  // namespace exit_code

struct common_options {
  std::string config;      // --config: overrides the job's config
  std::string ledger;      // --ledger: overrides [ledger] path
  std::string log_format = "text";
  bool quiet = false;
  bool verbose = false;
};

// Each command adds its subcommand to `app`; its callback stores the exit code in `result`.
// Declared here, defined in cmd_<name>.cpp. Register a command only once it works.
void add_validate_command(CLI::App& app, const common_options& common, int& result);
void add_plan_command(CLI::App& app, const common_options& common, int& result);
void add_ledger_command(CLI::App& app, const common_options& common, int& result);

void add_run_command(CLI::App& app, const common_options& common, int& result);
void add_replay_command(CLI::App& app, const common_options& common, int& result);
void add_reconcile_command(CLI::App& app, const common_options& common, int& result);
void add_audit_command(CLI::App& app, const common_options& common, int& result);
void add_adopt_command(CLI::App& app, const common_options& common, int& result);
void add_emulator_command(CLI::App& app, const common_options& common, int& result);
void add_catalog_command(CLI::App& app, const common_options& common, int& result);

// The plan as a table on stdout (plan, run --dry-run).
void print_plan_table(const plan& p);

int cli_main(int argc, char** argv);

}  // namespace cphfleet

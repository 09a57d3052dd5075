// The command line: common options and subcommands (README "Commands"); exit codes in app/exit_codes.hpp.
#pragma once
#include "app/exit_codes.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace cphfleet {

struct plan;

struct common_options {
  std::string config;  // --config: overrides the job's config
  std::string ledger;  // --ledger: overrides [ledger] path
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
void add_orders_command(CLI::App& app, const common_options& common, int& result);
void add_cancel_command(CLI::App& app, const common_options& common, int& result);

// The plan as a table on stdout (plan, run --dry-run).
void print_plan_table(const plan& p);

int cli_main(int argc, char** argv);

}  // namespace cphfleet

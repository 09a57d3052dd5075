// The command line: common options and subcommands (README "Commands"); exit codes in app/exit_codes.hpp.
#pragma once
#include "app/exit_codes.hpp"
#include "base/net.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace cphfleet {

struct plan;
struct ledger_row;
struct config;
class ledger_index;
class ledger_writer;

struct common_options {
  std::string config;  // --config: overrides the job's config
  std::string ledger;  // --ledger: overrides [ledger] path
  std::string log_format = "text";
  bool quiet = false;
  bool verbose = false;
  std::string lock_timeout;  // --lock-timeout: wait this long for a held ledger instead of exiting 75
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
void add_report_command(CLI::App& app, const common_options& common, int& result);
void add_status_command(CLI::App& app, const common_options& common, int& result);
void add_help_command(CLI::App& app, const common_options& common, int& result);
void add_completion_command(CLI::App& app, const common_options& common, int& result);
void add_man_command(CLI::App& app, const common_options& common, int& result);
void add_orders_command(CLI::App& app, const common_options& common, int& result);
void add_cancel_command(CLI::App& app, const common_options& common, int& result);
void add_pay_command(CLI::App& app, const common_options& common, int& result);
void add_billing_command(CLI::App& app, const common_options& common, int& result);

// cancel and pay: the config's ledger held for writing (`writer` is null when another process holds it:
// the message is printed, the command exits 75), and the latest rows of the chunks named (every chunk
// when both lists are empty) that hold an order. A named chunk in another state is printed as left alone
// and counted. Throws input_error for a fleet or chunk the ledger does not hold.
struct order_chunks {
  std::unique_ptr<ledger_index> index;
  std::unique_ptr<ledger_writer> writer;
  std::vector<ledger_row> rows;
  std::int64_t left_alone = 0;
  order_chunks();
  order_chunks(order_chunks&&) noexcept;
  ~order_chunks();
};
order_chunks open_order_chunks(net::any_io_executor ex, const config& cfg, std::string_view who,
                               const std::vector<std::string>& fleets,
                               const std::vector<std::string>& chunks);

// The plan as a table on stdout (plan, run --dry-run), then the chunks it would send, fleet by fleet.
void print_plan_table(const plan& p);
void print_plan_chunks(const plan& p);
// "spend guard: 47 servers of at most 100 ([limits] max_servers_per_run in F): allowed" (or refused).
// `source` is the config file the limit comes from, "" for --max-servers.
std::string spend_guard_verdict(const plan& p, std::int64_t max_servers, const std::string& source);
// The job file's bytes as they are now (what `plan --out` fingerprints); "" when it cannot be read
// (load_inputs then says why).
std::string read_job_bytes(const std::string& job_path);

// The whole command line: the common options and every command, ready to parse. `common` and `result`
// must outlive it. Tests read the commands and options from it.
std::unique_ptr<CLI::App> make_cli(common_options& common, int& result);

int cli_main(int argc, char** argv);

}  // namespace cphfleet

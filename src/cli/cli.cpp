#include "cli/cli.hpp"

#include "base/diagnostic.hpp"
#include "base/log.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

namespace cphfleet {

int cli_main(int argc, char** argv) {
  CLI::App app{"cphfleet: batch provisioning of Huawei Cloud Cloud Phone (CPH) servers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cphfleet ") + CPHFLEET_VERSION);
  common_options common;
  app.add_option("--config", common.config, "Config file (overrides the job's [job] config)");
  app.add_option("--ledger", common.ledger, "Ledger file (overrides the config's [ledger] path)");
  app.add_option("--log-format", common.log_format, "Log lines on stderr")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-q,--quiet", common.quiet, "Only warnings and errors on stderr");
  app.add_flag("-v,--verbose", common.verbose, "Debug log lines on stderr");
  // Common options are accepted after the subcommand too.
  app.fallthrough();

  int result = exit_code::ok;
  add_validate_command(app, common, result);
  add_plan_command(app, common, result);
  add_run_command(app, common, result);
  add_replay_command(app, common, result);
  add_reconcile_command(app, common, result);
  add_ledger_command(app, common, result);
  add_audit_command(app, common, result);
  add_adopt_command(app, common, result);
  add_catalog_command(app, common, result);
  add_orders_command(app, common, result);
  add_cancel_command(app, common, result);
  add_emulator_command(app, common, result);

  app.parse_complete_callback([&] {
    log_settings s;
    s.format = common.log_format == "json" ? log_format::json : log_format::text;
    s.min_level = common.verbose ? log_level::debug : common.quiet ? log_level::warn : log_level::info;
    configure_log(s);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // CLI11 returns 0 for --help/--version; any other usage error is invalid input.
    return code == 0 ? 0 : exit_code::invalid;
  } catch (const input_error& e) {
    for (const auto& d : e.errors) fmt::print(stderr, "{}\n", d.to_string());
    return exit_code::invalid;
  } catch (const std::exception& e) {
    // Only commands that never send get here: run, replay and reconcile report their own errors with
    // the exit code of what happened (run_sending_command, drive).
    fmt::print(stderr, "cphfleet: {}\n", e.what());
    return exit_code::invalid;
  }
  return result;
}

}  // namespace cphfleet

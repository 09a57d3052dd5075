#include "cli/cli.hpp"

#include "app/run_driver.hpp"
#include "app/run_report.hpp"
#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "ledger/lock.hpp"

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
  app.add_option(
      "--lock-timeout", common.lock_timeout,
      "Wait up to this long (90s, 45m, 2h) for a ledger another process holds, instead of exit 75");
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
  add_status_command(app, common, result);
  add_adopt_command(app, common, result);
  add_catalog_command(app, common, result);
  add_report_command(app, common, result);
  add_emulator_command(app, common, result);

  app.parse_complete_callback([&] {
    log_settings s;
    s.format = common.log_format == "json" ? log_format::json : log_format::text;
    s.min_level = common.verbose ? log_level::debug : common.quiet ? log_level::warn : log_level::info;
    configure_log(s);
    if (!common.lock_timeout.empty())
      set_ledger_lock_wait(parse_duration(common.lock_timeout, "--lock-timeout"));
  });

  // A command asked for --json answers one JSON object on stdout whatever happens (README "Output").
  auto wants_json = [&] {
    for (CLI::App* sub : app.get_subcommands()) {
      CLI::Option* o = sub->get_option_no_throw("--json");
      if (o && o->count() > 0) return true;
    }
    return false;
  };
  auto answer = [&](int code, command_failure f) {
    if (wants_json()) {
      fmt::print("{}", failure_answer_json(code, f));
      std::fflush(stdout);
    }
    return code;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // CLI11 returns 0 for --help/--version; any other usage error is invalid input.
    if (code == 0) return 0;
    return answer(exit_code::invalid, command_failure{"input", e.what(), {}, {}});
  } catch (...) {
    // Only commands that never send get here: run, replay and reconcile report their own errors with
    // the exit code of what happened (run_sending_command, drive).
    command_failure f = describe_failure(std::current_exception());
    return answer(f.kind == "locked" ? exit_code::locked : exit_code::invalid, std::move(f));
  }
  return result;
}

}  // namespace cphfleet

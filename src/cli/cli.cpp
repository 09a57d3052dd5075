#include "cli/cli.hpp"

#include "app/run_driver.hpp"
#include "app/run_report.hpp"
#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "cli/app_tree.hpp"
#include "ledger/lock.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>

namespace cphfleet {

namespace {

using add_command = void (*)(CLI::App&, const common_options&, int&);

// Every command, in the order `help` lists them. A new command is one line here (and its declaration in
// cli.hpp): its --help, `help`, the man page and the completion scripts pick it up from the app tree.
constexpr add_command commands[] = {
    add_validate_command,    //
    add_plan_command,        //
    add_run_command,         //
    add_replay_command,      //
    add_reconcile_command,   //
    add_ledger_command,      //
    add_audit_command,       //
    add_status_command,      //
    add_adopt_command,       //
    add_catalog_command,     //
    add_orders_command,      //
    add_cancel_command,      //
    add_pay_command,         //
    add_billing_command,     //
    add_report_command,      //
    add_emulator_command,    //
    add_help_command,        //
    add_completion_command,  //
    add_man_command,         //
};

}  // namespace

std::unique_ptr<CLI::App> make_cli(common_options& common, int& result) {
  auto root = std::make_unique<CLI::App>(
      "cphfleet: batch provisioning of Huawei Cloud Cloud Phone (CPH) servers", "cphfleet");
  CLI::App& app = *root;
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cphfleet ") + CPHFLEET_VERSION);
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
  app.footer(exit_codes_footer());
  for (add_command add : commands) add(app, common, result);
  show_common_options(app);
  return root;
}

int cli_main(int argc, char** argv) {
  common_options common;
  int result = exit_code::ok;
  std::unique_ptr<CLI::App> root = make_cli(common, result);
  CLI::App& app = *root;

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
    // CLI11 "fails" with code 0 for --help and --version; any other usage error is invalid input.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::vector<CLI::App*> parsed = app.get_subcommands();
    std::string message = e.what();
    if (auto d = unknown_word(app, parsed.empty() ? nullptr : parsed.front(), app.remaining(true))) {
      message = d->to_string();
      fmt::print(stderr, "{}\n", message);
    } else {
      app.exit(e);
    }
    return answer(exit_code::invalid, command_failure{"input", message, {}, {}});
  } catch (...) {
    // Only commands that never send get here: run, replay and reconcile report their own errors with
    // the exit code of what happened (run_sending_command, drive).
    command_failure f = describe_failure(std::current_exception());
    return answer(f.kind == "locked" ? exit_code::locked : exit_code::invalid, std::move(f));
  }
  return result;
}

}  // namespace cphfleet

#include "cli/cli.hpp"

#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "cli/app_tree.hpp"

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
    add_adopt_command,       //
    add_catalog_command,     //
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
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 "fails" with code 0 for --help and --version; any other usage error is invalid input.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::vector<CLI::App*> parsed = app.get_subcommands();
    if (auto d = unknown_word(app, parsed.empty() ? nullptr : parsed.front(), app.remaining(true))) {
      fmt::print(stderr, "{}\n", d->to_string());
    } else {
      app.exit(e);
    }
    return exit_code::invalid;
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

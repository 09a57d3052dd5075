// `cphfleet help [COMMAND]`, every command's --help with the common options, and the "did you mean" for
// a mistyped command or option: the built binary, as an operator types it.
#include "cli/app_tree.hpp"
#include "cli/cli.hpp"
#include "support/test_process.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace cphfleet {
namespace {

using test::run_cphfleet;

// The commands the tree holds, read from the same make_cli the binary runs.
std::vector<command_doc> registered_commands() {
  common_options common;
  int result = 0;
  auto app = make_cli(common, result);
  return command_docs(*app);
}

TEST(cmd_help_test, help_lists_every_registered_command_with_its_description) {
  auto commands = registered_commands();
  // The commands README "Commands" names, at least: a command dropped from the table fails here.
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.name);
  for (std::string expected : {"validate", "plan", "run", "replay", "reconcile", "ledger", "audit", "adopt",
                               "catalog", "emulator", "help", "completion"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  // `man` is a build step, hidden from the lists.
  EXPECT_EQ(std::find(names.begin(), names.end(), "man"), names.end());

  auto r = run_cphfleet({"help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const auto& c : commands) {
    EXPECT_NE(r.out.find("  " + c.name + " "), std::string::npos) << c.name;
    EXPECT_NE(r.out.find(c.description), std::string::npos) << c.name;
  }
  EXPECT_EQ(r.out, run_cphfleet({"--help"}).out);
  EXPECT_NE(r.out.find("Exit codes:\n  0    every fleet at its target\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  75   another process holds the ledger (the message names it)\n"),
            std::string::npos);
}

TEST(cmd_help_test, help_of_a_command_is_its_own_help_with_the_common_options) {
  for (const auto& c : registered_commands()) {
    SCOPED_TRACE(c.name);
    auto by_help = run_cphfleet({"help", c.name});
    EXPECT_EQ(by_help.exit_code, 0) << by_help.err;
    auto by_flag = run_cphfleet({c.name, "--help"});
    EXPECT_EQ(by_flag.exit_code, 0) << by_flag.err;
    EXPECT_EQ(by_help.out, by_flag.out);
    EXPECT_NE(by_flag.out.find("Usage: cphfleet " + c.name), std::string::npos) << by_flag.out;
    for (const auto& o : c.options) {
      if (o.positional) continue;
      EXPECT_NE(by_flag.out.find(o.names.back()), std::string::npos) << o.names.back();
    }
    // The options defined on the root, which the command accepts after its name too.
    auto common_at = by_flag.out.find("Common options (before or after the command):\n");
    ASSERT_NE(common_at, std::string::npos) << by_flag.out;
    for (std::string flag : {"--config TEXT", "--ledger TEXT", "--log-format TEXT:{text,json}", "-q,--quiet",
                             "-v,--verbose", "--version"})
      EXPECT_NE(by_flag.out.find(flag, common_at), std::string::npos) << flag;
  }
}

TEST(cmd_help_test, a_common_option_after_the_command_is_taken) {
  auto r = run_cphfleet({"ledger", "--ledger", "/nonexistent/cphfleet-help-test.csv", "--quiet", "--json"});
  // It got as far as reading the ledger: the options were accepted where the help says they are.
  EXPECT_EQ(r.out.find("was not expected"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("was not expected"), std::string::npos) << r.err;
}

TEST(cmd_help_test, a_mistyped_command_gets_the_closest_and_exit_2) {
  auto r = run_cphfleet({"valdate", "jobs/demo.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "valdate: is not a command (did you mean validate?)\n");

  auto far = run_cphfleet({"frobnicate"});
  EXPECT_EQ(far.exit_code, 2);
  std::string allowed;
  for (const auto& c : registered_commands()) allowed += (allowed.empty() ? "" : ", ") + c.name;
  EXPECT_EQ(far.err, "frobnicate: is not a command (allowed: " + allowed + ")\n");

  auto by_help = run_cphfleet({"help", "replya"});
  EXPECT_EQ(by_help.exit_code, 2);
  EXPECT_EQ(by_help.err, "replya: is not a command (did you mean replay?)\n");
}

TEST(cmd_help_test, a_mistyped_option_gets_the_closest_of_that_command_and_exit_2) {
  auto r = run_cphfleet({"validate", "--onlin", "jobs/demo.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "--onlin: is not an option of cphfleet validate (did you mean --online?)\n");

  // A common option, mistyped after the command, and with its value attached.
  auto common = run_cphfleet({"ledger", "--confg=x.toml"});
  EXPECT_EQ(common.exit_code, 2);
  EXPECT_EQ(common.err, "--confg: is not an option of cphfleet ledger (did you mean --config?)\n");

  // Before any command.
  auto root = run_cphfleet({"--verbse", "help"});
  EXPECT_EQ(root.exit_code, 2);
  EXPECT_EQ(root.err, "--verbse: is not an option of cphfleet help (did you mean --verbose?)\n");

  auto far = run_cphfleet({"run", "--no-such-thing", "jobs/demo.toml"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.err, "--no-such-thing: is not an option of cphfleet run (see cphfleet run --help)\n");
}

TEST(cmd_help_test, an_extra_argument_keeps_cli11s_message) {
  auto r = run_cphfleet({"help", "run", "plan"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("The following argument was not expected: plan"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cphfleet

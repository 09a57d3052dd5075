// `cphfleet completion bash|zsh`: scripts that name every command and its options, and that bash
// really completes with.
#include "cli/app_tree.hpp"
#include "cli/cli.hpp"
#include "support/test_process.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace cphfleet {
namespace {

using test::find_program;
using test::run_cphfleet;
using test::run_program;
using test::temp_dir;

struct tree {
  common_options common;
  int result = 0;
  std::unique_ptr<CLI::App> app = make_cli(common, result);
};

// What bash offers for the words typed so far (the last one being completed), through the script.
std::string complete_with_bash(const std::string& bash, const std::filesystem::path& script,
                               const std::string& words) {
  std::string program = "source '" + script.string() + "'; COMP_WORDS=(" + words +
                        "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                        "[[ \"" +
                        words +
                        "\" == *' ' ]] && COMP_WORDS+=('') && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                        "_cphfleet; for word in \"${COMPREPLY[@]}\"; do echo \"$word\"; done";
  auto r = run_program({bash, "-c", program});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// The words of a piece of shell script: what lies between spaces, quotes, `|` and `=`.
std::set<std::string> words_of(const std::string& script) {
  std::set<std::string> out;
  std::string word;
  for (char c : script + " ") {
    if (std::string_view(" \t\n\"'|=()").find(c) != std::string_view::npos) {
      if (!word.empty()) out.insert(word);
      word.clear();
    } else {
      word += c;
    }
  }
  return out;
}

TEST(cmd_completion_test, the_bash_script_parses_and_names_every_command_and_option) {
  tree t;
  auto r = run_cphfleet({"completion", "bash"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& c : command_docs(*t.app)) {
    SCOPED_TRACE(c.name);
    auto arm = r.out.find("\n    " + c.name + ")\n");
    ASSERT_NE(arm, std::string::npos);
    auto words = words_of(r.out.substr(arm, r.out.find(" fi ;;", arm) - arm));
    for (const auto& o : c.options)
      for (const auto& n : o.names) EXPECT_TRUE(words.count(n)) << n;
  }
  auto common_line = r.out.find("  local common=");
  ASSERT_NE(common_line, std::string::npos);
  auto common = words_of(r.out.substr(common_line, r.out.find('\n', common_line) - common_line));
  for (const auto& o : common_option_docs(*t.app))
    for (const auto& n : o.names) EXPECT_TRUE(common.count(n)) << n;

  std::string bash = find_program("bash");
  if (bash.empty()) GTEST_SKIP() << "bash is not installed";
  temp_dir dir("completion");
  auto script = dir.path() / "cphfleet.bash";
  std::ofstream(script) << r.out;
  auto check = run_program({bash, "-n", script.string()});
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST(cmd_completion_test, bash_completes_commands_options_and_their_values) {
  std::string bash = find_program("bash");
  if (bash.empty()) GTEST_SKIP() << "bash is not installed";
  temp_dir dir("completion");
  auto script = dir.path() / "cphfleet.bash";
  std::ofstream(script) << run_cphfleet({"completion", "bash"}).out;
  EXPECT_EQ(complete_with_bash(bash, script, "cphfleet val"), "validate\n");
  EXPECT_EQ(complete_with_bash(bash, script, "cphfleet re"), "replay\nreconcile\nreport\n");
  EXPECT_EQ(complete_with_bash(bash, script, "cphfleet validate --onl"), "--online\n");
  // The common options complete after a command too, and their values from their checks.
  EXPECT_EQ(complete_with_bash(bash, script, "cphfleet ledger --verb"), "--verbose\n");
  EXPECT_EQ(complete_with_bash(bash, script, "cphfleet plan --log-format j"), "json\n");
  EXPECT_EQ(complete_with_bash(bash, script, "cphfleet catalog ph"), "phone-models\n");
  EXPECT_EQ(complete_with_bash(bash, script, "cphfleet completion "), "bash\nzsh\n");
  // Another command's options are not offered.
  EXPECT_EQ(complete_with_bash(bash, script, "cphfleet run --onl"), "");
}

TEST(cmd_completion_test, the_zsh_script_names_every_command_and_option) {
  tree t;
  auto r = run_cphfleet({"completion", "zsh"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("#compdef cphfleet\n")) << r.out;
  for (const auto& c : command_docs(*t.app)) {
    SCOPED_TRACE(c.name);
    EXPECT_NE(r.out.find("\n    '" + c.name + ":"), std::string::npos);
    auto arm = r.out.find("\n        " + c.name + ") _arguments $common");
    ASSERT_NE(arm, std::string::npos);
    auto end = r.out.find(";;", arm);
    for (const auto& o : c.options)
      for (const auto& n : o.names) EXPECT_NE(r.out.substr(arm, end - arm).find(n), std::string::npos) << n;
  }
  // Brackets and colons in a description would end its field early: they are escaped.
  EXPECT_NE(r.out.find("'--config[Config file (overrides the job'\\''s \\[job\\] config)]:TEXT:_files'"),
            std::string::npos)
      << r.out;
}

TEST(cmd_completion_test, the_zsh_script_parses) {
  std::string zsh = find_program("zsh");
  if (zsh.empty()) GTEST_SKIP() << "zsh is not installed (scripts/setup.sh installs it)";
  temp_dir dir("completion");
  std::ofstream(dir.path() / "_cphfleet") << run_cphfleet({"completion", "zsh"}).out;
  auto check = run_program({zsh, "-n", (dir.path() / "_cphfleet").string()});
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST(cmd_completion_test, an_unknown_shell_is_an_input_error) {
  auto r = run_cphfleet({"completion", "fish"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace cphfleet

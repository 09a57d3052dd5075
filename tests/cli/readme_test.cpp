// README's command line examples against the binary: the validation example prints what validate
// really prints, and the commands and exit codes it lists are the ones --help lists.
#include "cli/app_tree.hpp"
#include "cli/cli.hpp"
#include "support/test_process.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <string>

namespace cphfleet {
namespace {

using test::run_program;
using test::slurp;

const std::filesystem::path source = CPHFLEET_SOURCE_DIR;

// The README text from `heading` to the next heading of the same level.
std::string section(const std::string& readme, const std::string& heading) {
  auto at = readme.find("\n" + heading + "\n");
  if (at == std::string::npos) return {};
  std::string level = heading.substr(0, heading.find(' ') + 1);
  auto end = readme.find("\n" + level, at + heading.size() + 1);
  return readme.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST(readme_test, the_validation_example_is_what_validate_prints_for_jobs_bad_toml) {
  std::string readme = slurp(source / "README.md");
  const std::string prompt = "$ cphfleet validate jobs/bad.toml\n";
  auto at = readme.find(prompt);
  ASSERT_NE(at, std::string::npos);
  at += prompt.size();
  std::string shown = readme.substr(at, readme.find("```", at) - at);
  ASSERT_FALSE(shown.empty());

  // Run from the repository's root, as the README's prompt is.
  auto previous = std::filesystem::current_path();
  std::filesystem::current_path(source);
  auto r = run_program({CPHFLEET_BINARY, "validate", "jobs/bad.toml"});
  std::filesystem::current_path(previous);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, shown);
}

TEST(readme_test, the_commands_section_lists_every_command_and_its_options) {
  std::string readme = slurp(source / "README.md");
  std::string commands = section(readme, "## Commands");
  ASSERT_FALSE(commands.empty());
  std::string emulator = section(readme, "## The emulator");
  common_options common;
  int result = 0;
  auto app = make_cli(common, result);
  for (const auto& c : command_docs(*app)) {
    SCOPED_TRACE(c.name);
    EXPECT_NE(commands.find("\ncphfleet " + c.name + " "), std::string::npos);
    // The emulator's many options are in its own section.
    const std::string& where = c.name == "emulator" ? emulator : commands;
    for (const auto& o : c.options)
      if (!o.positional) {
        EXPECT_NE(where.find(o.names.back()), std::string::npos) << o.names.back();
      }
  }
  for (const auto& o : common_option_docs(*app))
    for (const auto& n : o.names) EXPECT_NE(commands.find(n), std::string::npos) << n;
}

TEST(readme_test, the_exit_codes_table_has_every_code_help_and_the_man_page_list) {
  std::string codes = section(slurp(source / "README.md"), "### Exit codes");
  ASSERT_FALSE(codes.empty());
  for (const auto& e : exit_code_docs) {
    std::string code = std::to_string(e.code);
    bool found = codes.find("\n| " + code + " |") != std::string::npos ||
                 codes.find("\n| " + code + " / ") != std::string::npos ||
                 codes.find(" / " + code + " |") != std::string::npos;
    EXPECT_TRUE(found) << code;
  }
}

}  // namespace
}  // namespace cphfleet

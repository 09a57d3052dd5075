// The man page cphfleet(1): written by `cphfleet man` from the command table, installed by the build,
// rendered by man(1) without a warning.
#include "cli/app_tree.hpp"
#include "cli/cli.hpp"
#include "support/test_process.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace cphfleet {
namespace {

using test::find_program;
using test::run_cphfleet;
using test::run_program;
using test::slurp;
using test::temp_dir;

// roff writes every - as \-.
std::string in_roff(std::string s) {
  std::string out;
  for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

TEST(cmd_man_test, the_page_has_every_command_option_and_exit_code) {
  common_options common;
  int result = 0;
  auto app = make_cli(common, result);
  auto r = run_cphfleet({"man"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& page = r.out;
  EXPECT_TRUE(page.starts_with(".TH CPHFLEET 1 ")) << page;
  for (std::string section : {".SH NAME\n", ".SH SYNOPSIS\n", ".SH DESCRIPTION\n", ".SH COMMON OPTIONS\n",
                              ".SH COMMANDS\n", ".SH EXIT STATUS\n", ".SH ENVIRONMENT\n", ".SH SEE ALSO\n"})
    EXPECT_NE(page.find(section), std::string::npos) << section;
  for (const auto& c : command_docs(*app)) {
    SCOPED_TRACE(c.name);
    auto at = page.find(".SS \"cphfleet " + in_roff(c.name));
    ASSERT_NE(at, std::string::npos);
    auto end = page.find(".SS ", at + 1);
    std::string section = page.substr(at, end == std::string::npos ? std::string::npos : end - at);
    for (const auto& o : c.options)
      for (const auto& n : o.names)
        EXPECT_NE(section.find("\\fB" + in_roff(n) + "\\fR"), std::string::npos) << n;
  }
  for (const auto& o : common_option_docs(*app))
    for (const auto& n : o.names) EXPECT_NE(page.find("\\fB" + in_roff(n) + "\\fR"), std::string::npos) << n;
  for (const auto& e : exit_code_docs)
    EXPECT_NE(page.find(".B " + std::to_string(e.code) + "\n"), std::string::npos);
  // No line of text that roff would take for a request.
  std::stringstream lines(page);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("'")) ADD_FAILURE() << line;
}

TEST(cmd_man_test, the_build_writes_the_same_page_and_man_renders_it_cleanly) {
  auto built = std::filesystem::path(CPHFLEET_BUILD_DIR) / "share" / "cphfleet.1";
  ASSERT_TRUE(std::filesystem::exists(built));
  EXPECT_EQ(slurp(built), run_cphfleet({"man"}).out);

  std::string man = find_program("man");
  if (man.empty()) GTEST_SKIP() << "man is not installed: the roff structure is checked above";
  auto r =
      run_program({man, "--warnings", "-l", "-P", "cat", built.string()}, {"MANWIDTH=100", "LC_ALL=C.UTF-8"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("cphfleet - batch provisioning of Huawei Cloud Cloud Phone (CPH) servers"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cphfleet validate job [--online]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("EXIT STATUS"), std::string::npos);
}

}  // namespace
}  // namespace cphfleet

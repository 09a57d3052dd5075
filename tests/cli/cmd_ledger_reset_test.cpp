// `cphfleet ledger --reset-demo`: the demo's ledger goes, so the demo buys again; any ledger that could
// hold a real order stays, with a message that says why.
#include "input/config.hpp"
#include "ledger/lock.hpp"
#include "ledger/row.hpp"
#include "support/ledger_rows.hpp"
#include "support/test_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace cphfleet {
namespace {

using test::make_row;
using test::run_cphfleet;
using test::temp_dir;

const std::string source = CPHFLEET_SOURCE_DIR;

void write_ledger(const std::filesystem::path& path, const std::vector<ledger_row>& rows) {
  std::ofstream out(path, std::ios::binary);
  out << ledger_header();
  for (const auto& r : rows) out << format_row(r);
}

ledger_row demo_row(std::string job = "demo", std::string project = std::string(embedded_project_id)) {
  ledger_row r = make_row("demo-game", "demo-game-001", 10, chunk_status::ordered);
  r.job = std::move(job);
  r.project_id = std::move(project);
  return r;
}

TEST(cmd_ledger_reset_test, the_demo_buys_again_after_its_ledger_is_reset) {
  temp_dir dir("reset-demo");
  std::string ledger = (dir.path() / "demo-orders.csv").string();
  auto first = run_cphfleet({"run", source + "/jobs/demo.toml", "--ledger", ledger, "-q"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto again = run_cphfleet({"plan", source + "/jobs/demo.toml", "--ledger", ledger});
  EXPECT_NE(again.out.find("nothing to send"), std::string::npos) << again.out;

  auto reset = run_cphfleet(
      {"ledger", "--reset-demo", "--config", source + "/config/embedded.toml", "--ledger", ledger});
  EXPECT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_TRUE(reset.out.starts_with(ledger + ": removed (")) << reset.out;
  EXPECT_TRUE(reset.out.ends_with(" rows of the demo); the next run of the demo buys it again\n"))
      << reset.out;
  EXPECT_FALSE(std::filesystem::exists(ledger));

  auto bought = run_cphfleet({"run", source + "/jobs/demo.toml", "--ledger", ledger, "--json", "-q"});
  EXPECT_EQ(bought.exit_code, 0) << bought.err;
  EXPECT_NE(bought.out.find("\"ordered\":47"), std::string::npos) << bought.out;

  auto none = run_cphfleet({"ledger", "--reset-demo", "--config", source + "/config/embedded.toml",
                            "--ledger", (dir.path() / "none.csv").string()});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.out, (dir.path() / "none.csv").string() + ": no ledger, nothing to reset\n");
}

TEST(cmd_ledger_reset_test, a_standalone_emulators_ledger_resets_too) {
  temp_dir dir("reset-demo");
  auto ledger = dir.path() / "local-orders.csv";
  write_ledger(ledger, {demo_row(), demo_row()});
  auto r = run_cphfleet(
      {"ledger", "--reset-demo", "--config", source + "/config/local.toml", "--ledger", ledger.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            ledger.string() + ": removed (2 rows of the demo); the next run of the demo buys it again\n");
  EXPECT_FALSE(std::filesystem::exists(ledger));
}

TEST(cmd_ledger_reset_test, a_ledger_with_another_jobs_rows_is_kept) {
  temp_dir dir("reset-demo");
  auto ledger = dir.path() / "orders.csv";
  ledger_row other = demo_row("prod");
  other.chunk = "game-002";
  write_ledger(ledger, {demo_row(), other});
  auto r = run_cphfleet(
      {"ledger", "--reset-demo", "--config", source + "/config/embedded.toml", "--ledger", ledger.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "--reset-demo: " + ledger.string() +
                ": row 2 (game-002) belongs to job 'prod', not to the demo; nothing removed (allowed: the "
                "ledger of the demo job against an emulator; remove any other ledger yourself)\n");
  EXPECT_TRUE(std::filesystem::exists(ledger));

  write_ledger(ledger, {demo_row("demo", "a1b2c3d4e5f60718293a4b5c6d7e8f90")});
  auto project = run_cphfleet(
      {"ledger", "--reset-demo", "--config", source + "/config/embedded.toml", "--ledger", ledger.string()});
  EXPECT_EQ(project.exit_code, 2);
  EXPECT_NE(
      project.err.find(": row 1 (demo-game-001) is in project a1b2c3d4e5f60718293a4b5c6d7e8f90, not the "
                       "emulator's; nothing removed"),
      std::string::npos)
      << project.err;
  EXPECT_TRUE(std::filesystem::exists(ledger));
}

TEST(cmd_ledger_reset_test, a_config_for_the_real_cloud_is_refused_before_the_ledger_is_read) {
  temp_dir dir("reset-demo");
  auto ledger = dir.path() / "orders.csv";
  write_ledger(ledger, {demo_row()});
  auto config = dir.path() / "cloud.toml";
  std::ofstream(config) << "[cloud]\nregion = \"cn-north-4\"\nproject_id = \"" << embedded_project_id
                        << "\"\n[ledger]\npath = \"orders.csv\"\n";
  auto r = run_cphfleet({"ledger", "--reset-demo", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "--reset-demo: " + ledger.string() +
                       ": the config sends to https://cph.cn-north-4.myhuaweicloud.com, not to an emulator; "
                       "nothing removed (allowed: the ledger of the demo job against an emulator; remove any "
                       "other ledger yourself)\n");
  EXPECT_TRUE(std::filesystem::exists(ledger));
}

TEST(cmd_ledger_reset_test, a_ledger_in_use_is_kept_and_exits_75) {
  temp_dir dir("reset-demo");
  auto ledger = dir.path() / "orders.csv";
  write_ledger(ledger, {demo_row()});
  int fd = ::open(ledger.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  {
    ledger_lock held(fd, ledger, "run");
    auto r = run_cphfleet({"ledger", "--reset-demo", "--config", source + "/config/embedded.toml", "--ledger",
                           ledger.string()});
    EXPECT_EQ(r.exit_code, 75);
    EXPECT_TRUE(std::filesystem::exists(ledger));
  }
  ::close(fd);
}

TEST(cmd_ledger_reset_test, reset_takes_no_filter) {
  auto r = run_cphfleet({"ledger", "--reset-demo", "--json", "--config", source + "/config/embedded.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "--reset-demo: takes no --json, --fleet, --status, --since or --latest (allowed: --config and "
            "--ledger)\n");
}

}  // namespace
}  // namespace cphfleet

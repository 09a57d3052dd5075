#include "app/metrics.hpp"

#include "base/diagnostic.hpp"
#include "support/test_process.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace cphfleet {
namespace {

std::string refusal(const std::filesystem::path& p) {
  try {
    check_metrics_path(p);
  } catch (const input_error& e) {
    return e.errors.at(0).to_string();
  }
  return "";
}

TEST(metrics_test, a_file_in_an_existing_folder_is_accepted_and_nothing_is_created) {
  test::temp_dir dir("metrics");
  EXPECT_EQ(refusal(dir.path() / "cphfleet.prom"), "");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(metrics_test, a_missing_folder_is_refused_naming_it) {
  test::temp_dir dir("metrics");
  auto p = dir.path() / "missing" / "cphfleet.prom";
  EXPECT_EQ(refusal(p), "--metrics-file: " + p.string() + ": the folder " +
                            (dir.path() / "missing").string() +
                            " does not exist (allowed: a file in an existing folder this user may write to)");
}

TEST(metrics_test, a_folder_in_place_of_the_file_or_of_its_folder_is_refused) {
  test::temp_dir dir("metrics");
  std::filesystem::create_directories(dir.path() / "taken");
  std::ofstream(dir.path() / "plain") << "";
  EXPECT_NE(refusal(dir.path() / "taken").find(": is a folder"), std::string::npos);
  EXPECT_NE(refusal(dir.path() / "plain" / "cphfleet.prom").find("plain is not a folder"), std::string::npos);
}

TEST(metrics_test, the_text_holds_the_run_s_counters_fleets_and_exit_code) {
  run_summary s;
  s.command = "replay";
  s.exit_code = 3;
  s.stats.answered_ordered = 4;
  s.stats.servers_ordered = 37;
  s.fleets = {{"eu", -1, 37, 0, 10}};
  std::string m = metrics_text(s, "replay");
  EXPECT_NE(m.find("cphfleet_requests_total{command=\"replay\",outcome=\"ordered\"} 4\n"), std::string::npos)
      << m;
  EXPECT_NE(m.find("cphfleet_servers_ordered_total{command=\"replay\"} 37\n"), std::string::npos) << m;
  EXPECT_NE(m.find("cphfleet_fleet_servers{fleet=\"eu\",state=\"unknown\"} 10\n"), std::string::npos) << m;
  EXPECT_EQ(m.find("state=\"target\""), std::string::npos) << "a replay has no target";
  EXPECT_NE(m.find("cphfleet_last_run_exit_code{command=\"replay\"} 3\n"), std::string::npos) << m;
}

TEST(metrics_test, the_file_is_written_whole_and_no_temporary_file_is_left) {
  test::temp_dir dir("metrics");
  run_summary s;
  write_metrics(dir.path() / "cphfleet.prom", s, "run");
  std::string text = test::slurp(dir.path() / "cphfleet.prom");
  EXPECT_TRUE(text.starts_with("# HELP cphfleet_requests_total ")) << text;
  EXPECT_TRUE(text.ends_with("cphfleet_last_run_duration_seconds{command=\"run\"} 0.000\n")) << text;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "cphfleet.prom.tmp"));
}

}  // namespace
}  // namespace cphfleet

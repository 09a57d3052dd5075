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

TEST(metrics_test, the_text_holds_the_last_run_s_gauges_fleets_and_exit_code_labelled_with_job_and_ledger) {
  run_summary s;
  s.command = "replay";
  s.ledger = "/var/lib/cphfleet/orders.csv";
  s.exit_code = 3;
  s.stats.answered_ordered = 4;
  s.stats.servers_ordered = 37;
  s.stats.reads = 2;
  s.fleets = {{"eu", -1, 37, 0, 10}};
  std::string m = metrics_text(s, "replay");
  std::string who = "job=\"\",ledger=\"/var/lib/cphfleet/orders.csv\",command=\"replay\"";
  EXPECT_NE(m.find("# TYPE cphfleet_last_run_requests gauge\ncphfleet_last_run_requests{" + who +
                   ",outcome=\"ordered\"} 4\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("cphfleet_last_run_servers_ordered{" + who + "} 37\n"), std::string::npos) << m;
  EXPECT_NE(m.find("cphfleet_last_run_reads{" + who + "} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("cphfleet_fleet_servers{" + who + ",fleet=\"eu\",state=\"unknown\"} 10\n"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("state=\"target\""), std::string::npos) << "a replay has no target";
  EXPECT_NE(m.find("cphfleet_last_run_exit_code{" + who + "} 3\n"), std::string::npos) << m;
  EXPECT_EQ(m.find("counter"), std::string::npos) << m;
  // Every sample line carries the three labels.
  std::size_t at = 0, samples = 0;
  while ((at = m.find("\ncphfleet_", at)) != std::string::npos) {
    ++at;
    ++samples;
    EXPECT_EQ(m.compare(m.find('{', at) + 1, who.size(), who), 0) << m.substr(at, 80);
  }
  EXPECT_EQ(samples, 4u + 6u + 3u + 3u);
}

TEST(metrics_test, label_values_are_escaped_as_the_text_format_says) {
  EXPECT_EQ(metric_label_value("C:\\jobs\\\"a\"\nb"), "C:\\\\jobs\\\\\\\"a\\\"\\nb");
  run_summary s;
  s.ledger = "/tmp/a \"quoted\" ledger.csv";
  EXPECT_NE(metrics_text(s, "run").find("ledger=\"/tmp/a \\\"quoted\\\" ledger.csv\""), std::string::npos);
}

TEST(metrics_test, the_file_is_written_whole_and_no_temporary_file_is_left) {
  test::temp_dir dir("metrics");
  run_summary s;
  write_metrics(dir.path() / "cphfleet.prom", s, "run");
  std::string text = test::slurp(dir.path() / "cphfleet.prom");
  EXPECT_TRUE(text.starts_with("# HELP cphfleet_last_run_requests ")) << text;
  EXPECT_TRUE(
      text.ends_with("cphfleet_last_run_duration_seconds{job=\"\",ledger=\"\",command=\"run\"} 0.000\n"))
      << text;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "cphfleet.prom.tmp"));
}

}  // namespace
}  // namespace cphfleet

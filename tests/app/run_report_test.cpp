#include "app/run_report.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace cphfleet {
namespace {

run_summary stopped_by(std::string error) {
  run_summary s;
  s.run_id = "20261126T034743Z-88befc";
  s.exit_code = 3;
  s.fleets = {{"eu", 30, 20, 0, 10}};
  s.stats.requests = 3;
  s.stopped = stop_reason::fatal;
  s.error = std::move(error);
  return s;
}

TEST(run_report_test, the_json_summary_carries_the_error_and_the_exit_code) {
  auto o =
      boost::json::parse(summary_json(stopped_by("orders.csv: write: No space left on device"))).as_object();
  EXPECT_EQ(o.at("exit_code").to_number<int>(), 3);
  EXPECT_EQ(o.at("error").at("message").as_string(), "orders.csv: write: No space left on device");
  EXPECT_EQ(o.at("error").at("kind").as_string(), "error");
  EXPECT_TRUE(o.at("error").at("diagnostics").as_array().empty());
  EXPECT_EQ(o.at("stopped").as_string(), "fatal");
  EXPECT_EQ(o.at("fleets").as_array().at(0).at("unknown").to_number<std::int64_t>(), 10);
}

TEST(run_report_test, an_input_failure_carries_every_diagnostic_and_a_locked_one_its_holder) {
  command_failure input{"input",
                        "j.toml:3:1: fleet[0].count: must be 1..100000 (got 0)",
                        {{"j.toml", 3, 1, "fleet[0].count", "must be 1..100000 (got 0)"}},
                        ""};
  EXPECT_EQ(
      boost::json::serialize(failure_json(input)),
      R"x({"kind":"input","message":"j.toml:3:1: fleet[0].count: must be 1..100000 (got 0)","diagnostics":)x"
      R"x([{"file":"j.toml","line":3,"column":1,"field":"fleet[0].count","message":"must be 1..100000 (got 0)"}]})x");
  command_failure locked{
      "locked", "ledger orders.csv is in use by pid 42 (cphfleet run)", {}, "pid 42 (cphfleet run)"};
  auto answer = boost::json::parse(failure_answer_json(75, locked));
  EXPECT_EQ(answer.at("exit_code").as_int64(), 75);
  EXPECT_EQ(answer.at("error").at("holder").as_string(), "pid 42 (cphfleet run)");
}

TEST(run_report_test, the_json_summary_of_a_clean_run_has_a_null_error) {
  auto o = boost::json::parse(summary_json(stopped_by(""))).as_object();
  ASSERT_TRUE(o.contains("error"));
  EXPECT_TRUE(o.at("error").is_null());
}

TEST(run_report_test, the_text_summary_ends_with_the_exit_code_and_the_error) {
  std::string text = summary_text(stopped_by("orders.csv: write: No space left on device"));
  EXPECT_TRUE(
      text.ends_with(", stopped early (fatal), exit 3\nerror: orders.csv: write: No space left on device\n"))
      << text;
  EXPECT_EQ(summary_text(stopped_by("")).find("error:"), std::string::npos);
}

}  // namespace
}  // namespace cphfleet

// `--json` answers one JSON object on stdout on every exit, errors included (README "Output"), and
// `validate` refuses what `run` would refuse before sending.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "support/temp_files.hpp"
#include "support/test_process.hpp"

namespace cphfleet {
namespace {

using cphfleet::test::run_cphfleet;
using cphfleet::testing::temp_files;

constexpr std::string_view config =
    "[cloud]\nendpoint = \"embedded\"\n"
    "[limits]\nmax_servers_per_run = 20\n"
    "[ledger]\npath = \"orders.csv\"\n";

std::string job(std::int64_t count, std::string_view name = "web") {
  return "[job]\nname = \"t\"\nconfig = \"c.toml\"\n"
         "[defaults]\n"
         "server_model_name = \"physical.rx1.xlarge\"\n"
         "phone_model_name = \"aphs1.medium.4.aosp\"\n"
         "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
         "band_width = { band_width_share_type = 0 }\n"
         "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = 1 }\n"
         "[[fleet]]\nserver_name = \"" +
         std::string(name) + "\"\ncount = " + std::to_string(count) + "\n";
}

boost::json::object one_object(const test::run_result& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.out, ec);
  EXPECT_FALSE(ec) << "stdout is not one JSON object: " << r.out;
  return ec || !v.is_object() ? boost::json::object{} : v.as_object();
}

TEST(json_answers_test, validate_json_answers_what_it_checked) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(12));
  auto r = run_cphfleet({"validate", "j.toml", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto o = one_object(r);
  EXPECT_EQ(o.at("exit_code").as_int64(), 0);
  EXPECT_EQ(o.at("job").as_string(), "t");
  EXPECT_EQ(o.at("servers").as_int64(), 12);
  EXPECT_EQ(o.at("to_buy").as_int64(), 12);
  EXPECT_EQ(o.at("spend_limit").as_int64(), 20);
  EXPECT_EQ(o.at("endpoint").as_string(), "embedded");
  EXPECT_TRUE(o.at("error").is_null());
}

TEST(json_answers_test, an_input_error_is_one_object_with_every_diagnostic) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(2000000, "Bad Name"));
  for (const char* command : {"validate", "plan"}) {
    auto r = run_cphfleet({command, "j.toml", "--json"});
    EXPECT_EQ(r.exit_code, 2) << command;
    auto o = one_object(r);
    EXPECT_EQ(o.at("exit_code").as_int64(), 2) << command;
    const auto& error = o.at("error").as_object();
    EXPECT_EQ(error.at("kind").as_string(), "input");
    const auto& d = error.at("diagnostics").as_array();
    ASSERT_EQ(d.size(), 2u) << r.out;
    EXPECT_EQ(d[0].at("file").as_string(), "j.toml");
    EXPECT_EQ(d[0].at("field").as_string(), "fleet[0].server_name");
    EXPECT_EQ(d[1].at("field").as_string(), "fleet[0].count");
    EXPECT_GT(d[0].at("line").as_int64(), 0);
    // stderr still has the lines a person reads.
    EXPECT_NE(r.err.find("j.toml:"), std::string::npos) << r.err;
  }
  auto missing = run_cphfleet({"plan", "nope.toml", "--json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(one_object(missing).at("error").at("kind").as_string(), "input") << missing.out;
}

TEST(json_answers_test, validate_refuses_what_run_would_refuse_before_sending) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(25));
  auto guard = run_cphfleet({"validate", "j.toml"});
  EXPECT_EQ(guard.exit_code, 2);
  EXPECT_EQ(guard.err,
            "c.toml: max_servers_per_run: this run would buy 25 servers, more than the limit of 20 (give "
            "--max-servers 25 to allow it)\n");
  auto lifted = run_cphfleet({"validate", "j.toml", "--max-servers", "25"});
  EXPECT_EQ(lifted.exit_code, 0) << lifted.err;
  EXPECT_EQ(lifted.out,
            "j.toml: ok (1 fleet, 25 servers)\n"
            "spend guard: 25 servers of at most 25 (--max-servers): allowed\n");
  auto metrics =
      run_cphfleet({"validate", "j.toml", "--max-servers", "25", "--metrics-file", "no/such/m.prom"});
  EXPECT_EQ(metrics.exit_code, 2);
  EXPECT_NE(metrics.err.find("--metrics-file: no/such/m.prom: the folder no/such does not exist"),
            std::string::npos)
      << metrics.err;
}

TEST(json_answers_test, ledger_json_gives_the_request_as_an_object) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(12));
  ASSERT_EQ(run_cphfleet({"run", "j.toml"}).exit_code, 0);
  auto r = run_cphfleet({"ledger", "--config", "c.toml", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto o = one_object(r);
  const auto& rows = o.at("rows").as_array();
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("request").at("server_name"), row.at("chunk")) << boost::json::serialize(row);
    EXPECT_TRUE(row.at("request").at("count").is_int64());
  }
}

}  // namespace
}  // namespace cphfleet

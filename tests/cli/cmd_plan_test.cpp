// `cphfleet plan`, run as users run it: the built binary against a job, a config and a ledger on disk.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <string>

#include "ledger/index.hpp"
#include "ledger/reader.hpp"
#include "ledger/row.hpp"
#include "support/temp_files.hpp"
#include "support/test_process.hpp"

namespace cphfleet {
namespace {

using cphfleet::test::run_cphfleet;
using cphfleet::testing::temp_files;

constexpr std::string_view config =
    "[cloud]\nendpoint = \"embedded\"\n"
    "[limits]\nmax_servers_per_run = 100\n"
    "[ledger]\npath = \"orders.csv\"\n";

std::string job(std::int64_t web, std::int64_t game) {
  return "[job]\nname = \"t\"\nconfig = \"c.toml\"\n"
         "[defaults]\n"
         "server_model_name = \"physical.rx1.xlarge\"\n"
         "phone_model_name = \"aphs1.medium.4.aosp\"\n"
         "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
         "band_width = { band_width_share_type = 0 }\n"
         "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = 1 }\n"
         "[[fleet]]\nserver_name = \"web\"\ncount = " +
         std::to_string(web) +
         "\n"
         "[[fleet]]\nserver_name = \"游戏\"\ncount = " +
         std::to_string(game) + "\n";
}

ledger_row row(std::string fleet, std::string chunk, std::int64_t count, chunk_status status) {
  ledger_row r;
  r.time = "2026-11-26T10:00:00.000Z";
  r.run_id = "r1";
  r.job = "t";
  r.fleet = std::move(fleet);
  r.chunk = std::move(chunk);
  r.count = count;
  r.status = status;
  r.attempt = 1;
  r.request = "{}";
  return r;
}

TEST(cmd_plan_test, a_fresh_job_prints_every_fleet_and_the_totals_and_writes_nothing) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(47, 12));
  auto r = run_cphfleet({"plan", "j.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "job t: what a run would send now (nothing is sent)\n"
            "fleet    target   ordered  unresolved   calls   servers\n"
            "web          47         0           0       5        47\n"
            "游戏         12         0           0       2        12\n"
            "total        59         0           0       7        59\n"
            "web would send:\n"
            "  web-001 \u2026 web-004: 10 servers each\n"
            "  web-005: 7 servers\n"
            "游戏 would send:\n"
            "  游戏-001: 10 servers\n"
            "  游戏-002: 2 servers\n"
            "spend guard: 59 servers of at most 100 ([limits] max_servers_per_run in c.toml): allowed\n");
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(std::filesystem::exists(dir.root() / "orders.csv"));
}

TEST(cmd_plan_test, json_plans_only_what_the_ledger_lacks_and_lists_unresolved_chunks) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(30, 12));
  dir.write("orders.csv", ledger_header() + format_row(row("web", "web-001", 10, chunk_status::ordered)) +
                              format_row(row("web", "web-002", 10, chunk_status::unknown)) +
                              format_row(row("web", "web-003", 10, chunk_status::failed)) +
                              format_row(row("游戏", "游戏-001", 10, chunk_status::ordered)) +
                              format_row(row("游戏", "游戏-002", 2, chunk_status::ordered)));
  auto r = run_cphfleet({"plan", "j.toml", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  boost::json::value v = boost::json::parse(r.out);
  EXPECT_EQ(v.at("job").as_string(), "t");
  EXPECT_EQ(v.at("calls").as_int64(), 1);
  EXPECT_EQ(v.at("servers").as_int64(), 10);
  const auto& fleets = v.at("fleets").as_array();
  ASSERT_EQ(fleets.size(), 2u);
  EXPECT_EQ(fleets[0].at("fleet").as_string(), "web");
  EXPECT_EQ(fleets[0].at("ordered").as_int64(), 10);
  EXPECT_EQ(fleets[0].at("unresolved"), boost::json::parse(R"(["web-002"])"));
  const auto& chunk = fleets[0].at("chunks").as_array().at(0);
  EXPECT_EQ(chunk.at("chunk").as_string(), "web-003");
  EXPECT_EQ(chunk.at("count").as_int64(), 10);
  EXPECT_EQ(chunk.at("request").at("server_name").as_string(), "web-003");
  EXPECT_EQ(fleets[1].at("fleet").as_string(), "游戏");
  EXPECT_EQ(fleets[1].at("ordered").as_int64(), 12);
  EXPECT_TRUE(fleets[1].at("chunks").as_array().empty());
}

TEST(cmd_plan_test, the_table_names_unresolved_chunks_and_says_when_nothing_is_to_send) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(20, 2));
  dir.write("orders.csv", ledger_header() + format_row(row("web", "web-001", 10, chunk_status::ordered)) +
                              format_row(row("web", "web-002", 10, chunk_status::sending)) +
                              format_row(row("游戏", "游戏-001", 2, chunk_status::ordered)));
  auto r = run_cphfleet({"plan", "j.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "job t: what a run would send now (nothing is sent)\n"
      "fleet    target   ordered  unresolved   calls   servers\n"
      "web          20        10          10       0         0\n"
      "游戏          2         2           0       0         0\n"
      "total        22        12          10       0         0\n"
      "web: 1 unresolved chunk(s) (web-002) are settled by reading the service before anything is sent; "
      "their servers are not planned again\n"
      "nothing to send: every fleet is at its target\n");
}

TEST(cmd_plan_test, the_spend_guard_refuses_with_exit_2_until_max_servers_lifts_it) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(95, 12));
  auto refused = run_cphfleet({"plan", "j.toml"});
  EXPECT_EQ(refused.exit_code, 2);
  // The plan still shows, with what the guard says of it.
  EXPECT_TRUE(
      refused.out.ends_with("  游戏-002: 2 servers\n"
                            "spend guard: 107 servers of at most 100 ([limits] max_servers_per_run in "
                            "c.toml): refused, a run would buy nothing\n"))
      << refused.out;
  EXPECT_EQ(refused.err,
            "c.toml: max_servers_per_run: this run would buy 107 servers, more than the limit of 100 "
            "(give --max-servers 107 to allow it)\n");
  auto allowed = run_cphfleet({"plan", "j.toml", "--max-servers", "107"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  auto still_refused = run_cphfleet({"plan", "j.toml", "--max-servers", "106"});
  EXPECT_EQ(still_refused.exit_code, 2);
  EXPECT_EQ(still_refused.err,
            "max_servers_per_run: this run would buy 107 servers, more than the limit of 106 "
            "(give --max-servers 107 to allow it)\n");
}

TEST(cmd_plan_test, a_ledger_with_a_wrong_header_is_refused_with_exit_2) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(5, 5));
  std::string header = ledger_header();
  header.replace(header.find("status"), 6, "state");
  dir.write("orders.csv", header);
  auto r = run_cphfleet({"plan", "j.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "cphfleet: orders.csv:1: header column 7 is 'state', expected 'status'\n");
}

TEST(cmd_plan_test, ledger_option_overrides_the_config_path) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(10, 1));
  dir.write("other.csv", ledger_header() + format_row(row("web", "web-001", 10, chunk_status::ordered)));
  auto r = run_cphfleet({"plan", "j.toml", "--ledger", "other.csv", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  boost::json::value v = boost::json::parse(r.out);
  EXPECT_EQ(v.at("servers").as_int64(), 1);
  EXPECT_EQ(v.at("fleets").at(0).at("ordered").as_int64(), 10);
}

}  // namespace
}  // namespace cphfleet

namespace cphfleet {
namespace {

using cphfleet::test::run_cphfleet;
using cphfleet::testing::temp_files;

std::string slurp_file(const std::filesystem::path& p) { return cphfleet::test::slurp(p); }

TEST(cmd_plan_test, detailed_exitcode_says_0_nothing_to_buy_2_something_to_buy_1_error) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(12, 3));
  EXPECT_EQ(run_cphfleet({"plan", "j.toml", "--detailed-exitcode"}).exit_code, 2);
  ASSERT_EQ(run_cphfleet({"run", "j.toml"}).exit_code, 0);
  auto nothing = run_cphfleet({"plan", "j.toml", "--detailed-exitcode"});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_NE(nothing.out.find("nothing to send"), std::string::npos) << nothing.out;
  dir.write("big.toml", job(115, 12));  // 103 + 9 more than the ledger holds
  auto refused = run_cphfleet({"plan", "big.toml", "--detailed-exitcode"});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("max_servers_per_run: this run would buy"), std::string::npos) << refused.err;
  auto missing = run_cphfleet({"plan", "nope.toml", "--detailed-exitcode"});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
}

TEST(cmd_plan_test, run_plan_sends_exactly_the_saved_plan_and_then_refuses_it_once_the_ledger_moved) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(25, 2));
  auto saved = run_cphfleet({"plan", "j.toml", "--out", "p.json"});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_NE(saved.out.find("plan saved to p.json"), std::string::npos) << saved.out;
  boost::json::value p = boost::json::parse(slurp_file(dir.root() / "p.json"));
  EXPECT_EQ(p.at("cphfleet_plan").as_int64(), 1);
  EXPECT_EQ(p.at("job_file").as_string(), (dir.root() / "j.toml").string());
  EXPECT_EQ(p.at("ledger").as_string(), (dir.root() / "orders.csv").string());
  EXPECT_EQ(p.at("ledger_bytes").as_int64(), 0);
  EXPECT_EQ(p.at("servers").as_int64(), 27);
  const auto& chunks = p.at("chunks").as_array();
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[2].at("chunk").as_string(), "web-003");
  EXPECT_EQ(chunks[2].at("count").as_int64(), 5);

  // No JOB: the plan names its own.
  auto ran = run_cphfleet({"run", "--plan", "p.json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  ledger_index after(read_ledger(dir.root() / "orders.csv"));
  for (const auto& c : chunks) {
    const ledger_row* row = after.latest(std::string(c.at("chunk").as_string()));
    ASSERT_NE(row, nullptr) << c.at("chunk");
    EXPECT_EQ(row->status, chunk_status::ordered);
    EXPECT_EQ(row->request, c.at("body").as_string()) << "the body sent is the body reviewed";
  }
  auto rows_before = read_ledger(dir.root() / "orders.csv").size();

  auto again = run_cphfleet({"run", "--plan", "p.json"});
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_NE(
      again.err.find("p.json: ledger_sha256: the ledger changed since the plan: nothing was sent; make the "
                     "plan again (`cphfleet plan --out`) and review it"),
      std::string::npos)
      << again.err;
  EXPECT_EQ(read_ledger(dir.root() / "orders.csv").size(), rows_before);
}

TEST(cmd_plan_test, run_plan_refuses_a_job_that_changed_or_another_job_and_dry_run_with_it) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job(25, 2));
  dir.write("other.toml", job(5, 5));
  ASSERT_EQ(run_cphfleet({"plan", "j.toml", "--out", "p.json"}).exit_code, 0);
  auto other = run_cphfleet({"run", "other.toml", "--plan", "p.json"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("p.json: job_file: the plan was made for " + (dir.root() / "j.toml").string() +
                           ", not other.toml"),
            std::string::npos)
      << other.err;
  dir.write("j.toml", job(26, 2));
  auto changed = run_cphfleet({"run", "j.toml", "--plan", "p.json"});
  EXPECT_EQ(changed.exit_code, 2);
  EXPECT_NE(changed.err.find("p.json: job_sha256: the job file changed since the plan: nothing was sent"),
            std::string::npos)
      << changed.err;
  EXPECT_FALSE(std::filesystem::exists(dir.root() / "orders.csv")) << "nothing was recorded";
  EXPECT_EQ(run_cphfleet({"run", "--plan", "p.json", "--dry-run"}).exit_code, 2);
  dir.write("junk.json", "{\"cphfleet_plan\": 7}");
  auto junk = run_cphfleet({"run", "--plan", "junk.json"});
  EXPECT_EQ(junk.exit_code, 2);
  EXPECT_NE(junk.err.find("junk.json: cphfleet_plan: is not a plan file of this version (allowed: 1;"),
            std::string::npos)
      << junk.err;
}

}  // namespace
}  // namespace cphfleet

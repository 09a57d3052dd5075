// v2 jobs (CreateNet2CloudPhoneServer) end to end: the runner as a child process against
// `cphfleet emulator`, with faults, kills, replays with the job file gone, and a ledger holding both APIs.
#include "api/purchase_body.hpp"
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace cphfleet::test {
namespace {

struct v2_env {
  temp_dir tmp{"v2"};  // first: removed last, after everything that writes into it
  std::filesystem::path dir = tmp.path();
  std::filesystem::path job = dir / "job.toml";
  std::filesystem::path config = dir / "config.toml";
  std::filesystem::path ledger = dir / "orders.csv";

  void write(const std::vector<fleet_def>& fleets, const std::string& url, const limits_def& l = {}) {
    write_file(job, v2_job_text(fleets));
    write_file(config, config_text(url, l));
  }
  run_result run(const std::filesystem::path& job_file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"run", job_file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cphfleet(args, aksk_env(), std::chrono::seconds(120));
  }
  run_result cmd(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--config", config.string()});
    return run_cphfleet(args, aksk_env(), std::chrono::seconds(60));
  }
};

std::int64_t count_api(const std::vector<emulator_order>& orders, std::string_view api) {
  return std::count_if(orders.begin(), orders.end(), [&](const emulator_order& o) { return o.api == api; });
}

TEST(run_v2_test, every_fault_kind_still_ends_at_the_targets_with_one_v2_order_per_chunk) {
  v2_env e;
  emulator_process emu(
      e.dir, {"--settle", "300", "--latency", "5", "--seed", "11", "--script",
              "1:throttle,2:busy,3:error500,4:commit_then_504,5:commit_then_drop,6:drop_before,"
              "7:slow_commit,8:error502,9:error503,10:error504",
              "--fault", "throttle:0.15", "--fault", "busy:0.1", "--fault", "commit_then_drop:0.1", "--fault",
              "error503:0.1", "--fault", "drop_before:0.1"});
  std::vector<fleet_def> fleets{{"eu", 23}, {"us", 15}, {"ap", 12}};
  e.write(fleets, emu.url());
  auto r = e.run(e.job, {"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto s = boost::json::parse(r.out).as_object();
  EXPECT_GT(s.at("retries").to_number<std::int64_t>(), 0);
  EXPECT_GT(s.at("reconciled").to_number<std::int64_t>(), 0);
  expect_ledger_matches_emulator(e.ledger, emu, fleets);
  auto orders = emu.orders();
  EXPECT_EQ(count_api(orders, "v2"), static_cast<std::int64_t>(orders.size()));
  // Every row records a v2 body: what a replay or a re-send goes by.
  for (const auto& row : read_ledger(e.ledger)) EXPECT_EQ(purchase_api_of(row.request), purchase_api::v2);
  EXPECT_EQ(e.cmd({"audit"}).exit_code, 0);
}

TEST(run_v2_test, a_v2_run_killed_at_any_moment_loses_nothing_and_buys_nothing_twice) {
  v2_env e;
  emulator_process emu(e.dir, {"--latency", "15", "--settle", "200", "--seed", "5", "--fault",
                               "commit_then_drop:0.15", "--fault", "throttle:0.1"});
  std::vector<fleet_def> fleets{{"eu", 34}, {"us", 21}};
  e.write(fleets, emu.url(), limits_def{.rps = 30, .burst = 2, .in_flight = 3});
  int with_open_chunks = 0;
  for (int moment = 0; moment < 10; ++moment) {
    const int delay_ms = 40 + moment * 45;
    SCOPED_TRACE("kill after " + std::to_string(delay_ms) + " ms");
    emu.reset();
    std::filesystem::remove(e.ledger);
    run_killed_after(e.job, e.dir, delay_ms);
    ledger_index left(read_ledger(e.ledger));
    for (const auto& f : left.fleets()) with_open_chunks += left.totals(f).unresolved_chunks > 0;
    auto r = e.run(e.job);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_ledger_matches_emulator(e.ledger, emu, fleets);
    EXPECT_EQ(count_api(emu.orders(), "v1"), 0);
    if (HasFailure()) break;
  }
  EXPECT_GE(with_open_chunks, 1);
}

TEST(run_v2_test, failed_v2_chunks_are_replayed_to_v2_with_the_job_file_gone) {
  v2_env e;
  emulator_process emu(e.dir, {"--fault", "no_balance:1"});
  e.write({{"eu", 25}}, emu.url());
  ASSERT_EQ(e.run(e.job).exit_code, 1);
  EXPECT_TRUE(emu.orders().empty());
  emu.set_faults("{}");
  std::filesystem::remove(e.job);
  auto replay = e.cmd({"replay", "--json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  expect_ledger_matches_emulator(e.ledger, emu, {{"eu", 25}});
  EXPECT_EQ(count_api(emu.orders(), "v2"), 3);
}

TEST(run_v2_test, one_ledger_holds_v1_and_v2_jobs_planned_replayed_and_audited_apart) {
  v2_env e;
  emulator_process emu(e.dir, {"--seed", "2"});
  write_file(e.config, config_text(emu.url()));
  // Note the ledger path: both jobs use config.toml, so both write orders.csv beside it.
  const auto v1_job = e.dir / "v1.toml";
  const auto v2_job = e.dir / "v2.toml";
  write_file(v1_job, job_text({{"old", 12}}));
  write_file(v2_job, v2_job_text({{"new", 14}}, 1, "t2"));
  emu.set_faults(R"({"no_balance": 1})");
  ASSERT_EQ(e.run(v1_job).exit_code, 1);
  ASSERT_EQ(e.run(v2_job).exit_code, 1);
  emu.set_faults("{}");
  // The plan of each job sends to its own API.
  auto plan = run_cphfleet({"plan", v2_job.string(), "--json"}, aksk_env());
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("tenant_vpc_id"), std::string::npos) << plan.out;
  // One replay re-sends every failed chunk, each to the API it was first sent to.
  auto replay = e.cmd({"replay", "--json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  auto orders = emu.orders();
  for (const auto& o : orders)
    EXPECT_EQ(o.api, o.server_name.starts_with("new") ? "v2" : "v1") << o.server_name;
  expect_ledger_matches_emulator(e.ledger, emu, {{"old", 12}, {"new", 14}});
  EXPECT_EQ(e.run(v1_job).exit_code, 0);
  EXPECT_EQ(e.run(v2_job).exit_code, 0);
  EXPECT_EQ(emu.orders().size(), orders.size()) << "a finished job bought again";
  auto audit = e.cmd({"audit", "--json"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

TEST(run_v2_test, a_job_switched_to_v2_buys_its_failed_v1_chunk_through_v2_and_replay_finds_nothing) {
  v2_env e;
  emulator_process emu(e.dir);
  write_file(e.config, config_text(emu.url()));
  emu.set_faults(R"({"no_balance": 1})");
  write_file(e.job, job_text({{"eu", 10}}));
  ASSERT_EQ(e.run(e.job).exit_code, 1);  // eu-001 failed on v1
  emu.set_faults("{}");
  write_file(e.job, v2_job_text({{"eu", 10}}));
  ASSERT_EQ(e.run(e.job).exit_code, 0);
  auto orders = emu.orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].server_name, "eu-001");
  EXPECT_EQ(orders[0].api, "v2");
  // Nothing is left failed for a replay to buy again.
  auto replay = e.cmd({"replay", "--json"});
  EXPECT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_EQ(emu.orders().size(), 1u);
}

}  // namespace
}  // namespace cphfleet::test

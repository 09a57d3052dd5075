// The billing service as the second witness, end to end (README "Sending"): `cphfleet run` as a child
// process against `cphfleet emulator`, which bills every purchase at once while its servers show only
// after --settle.
#include "support/kill_trials.hpp"
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

namespace cphfleet::test {
namespace {

constexpr const char* k_domain = k_trial_domain;

struct billing_run {
  temp_dir tmp{"run-billing"};
  std::filesystem::path dir = tmp.path();
  std::filesystem::path job = dir / "job.toml";
  std::filesystem::path config = dir / "config.toml";
  std::filesystem::path ledger = dir / "orders.csv";

  void write(const std::vector<fleet_def>& fleets, const std::string& url, const limits_def& l,
             std::int64_t auto_pay, std::optional<std::int64_t> billing_settle_s) {
    write_file(job, job_text(fleets, auto_pay));
    std::string billing = billing_settle_s ? "[billing]\nendpoint = \"" + url +
                                                 "\"\nsettle_s = " + std::to_string(*billing_settle_s) + "\n"
                                           : "";
    write_file(config, config_text(url, l) + billing);
  }
  run_result cphfleet(std::vector<std::string> args) const {
    auto env = aksk_env();
    env.push_back(std::string("HUAWEICLOUD_SDK_DOMAIN_ID=") + k_domain);
    return run_cphfleet(args, env);
  }
  run_result run(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"run", job.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return cphfleet(args);
  }
  const ledger_row* latest(const std::string& chunk) {
    index = ledger_index(read_ledger(ledger));
    return index.latest(chunk);
  }
  ledger_index index;
};

std::vector<emulator_order> orders_of(emulator_process& emu, const std::string& chunk) {
  std::vector<emulator_order> out;
  for (const auto& o : emu.orders())
    if (o.server_name == chunk) out.push_back(o);
  return out;
}

TEST(run_billing_test, a_lost_answer_behind_a_slow_server_list_settles_from_billing_without_a_duplicate) {
  billing_run e;
  // Servers show 8 s after the order; the list's window is 2 s: the list alone would say "nothing".
  emulator_process emu(e.dir,
                       {"--settle", "8000", "--script", "1:commit_then_drop", "--domain-id", k_domain});
  e.write({{"eu", 10}}, emu.url(), limits_def{.settle_s = 2}, 1, 2);
  auto r = e.run();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto orders = orders_of(emu, "eu-001");
  ASSERT_EQ(orders.size(), 1u) << "bought twice";
  const ledger_row* row = e.latest("eu-001");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->status, chunk_status::ordered);
  EXPECT_EQ(row->order_id, orders[0].order_id);
  EXPECT_NE(row->error_msg.find(orders[0].order_id), std::string::npos) << row->error_msg;
}

TEST(run_billing_test, without_billing_the_same_short_window_buys_the_chunk_twice) {
  // Why [limits] settle_s has a floor of 120 s off loopback: the list alone cannot tell late from none.
  billing_run e;
  emulator_process emu(e.dir, {"--settle", "8000", "--script", "1:commit_then_drop"});
  e.write({{"eu", 10}}, emu.url(), limits_def{.settle_s = 2}, 1, std::nullopt);
  e.run();
  EXPECT_EQ(orders_of(emu, "eu-001").size(), 2u);
}

TEST(run_billing_test, nothing_bought_is_re_sent_after_the_billing_window_with_one_list_read) {
  billing_run e;
  emulator_process emu(e.dir, {"--script", "1:drop_before", "--domain-id", k_domain});
  // The list's window is long; billing's is 1 s: billing and the list agree nothing exists after one read.
  e.write({{"eu", 10}}, emu.url(), limits_def{.request_timeout_s = 2, .settle_s = 600}, 1, 1);
  auto metrics = e.dir / "run.prom";
  auto r = e.run({"--metrics-file", metrics.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(orders_of(emu, "eu-001").size(), 1u);
  std::string m = slurp(metrics);
  EXPECT_NE(
      m.find("cphfleet_last_run_reads{job=\"t\",ledger=\"" + e.ledger.string() + "\",command=\"run\"} 1\n"),
      std::string::npos)
      << m;
}

TEST(run_billing_test, an_unpaid_chunk_with_a_lost_answer_settles_ordered_from_its_pending_order) {
  billing_run e;
  emulator_process emu(e.dir, {"--script", "1:commit_then_drop", "--domain-id", k_domain});
  e.write({{"eu", 10}}, emu.url(), limits_def{.settle_s = 2}, 0, 2);
  auto r = e.run();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto orders = orders_of(emu, "eu-001");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].is_auto_pay, 0);
  EXPECT_EQ(e.latest("eu-001")->status, chunk_status::ordered);
  EXPECT_EQ(e.latest("eu-001")->order_id, orders[0].order_id);
}

TEST(run_billing_test, two_same_sized_unpaid_chunks_lost_together_stay_unknown_until_a_person_adopts_one) {
  billing_run e;
  emulator_process emu(e.dir, {"--script", "1:commit_then_drop,2:commit_then_drop", "--domain-id", k_domain});
  e.write({{"eu", 20}}, emu.url(), limits_def{.in_flight = 2, .settle_s = 2}, 0, 2);
  auto r = e.run();
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto first = orders_of(emu, "eu-001"), second = orders_of(emu, "eu-002");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  const ledger_row* one = e.latest("eu-001");
  EXPECT_EQ(one->status, chunk_status::unknown);
  // Both candidates are named.
  EXPECT_NE(one->error_msg.find(first[0].order_id), std::string::npos) << one->error_msg;
  EXPECT_NE(one->error_msg.find(second[0].order_id), std::string::npos) << one->error_msg;

  auto adopt = e.cphfleet(
      {"reconcile", "--config", e.config.string(), "--adopt-order", "eu-001=" + first[0].order_id});
  EXPECT_EQ(e.latest("eu-001")->status, chunk_status::ordered) << adopt.out << adopt.err;
  EXPECT_EQ(e.latest("eu-001")->order_id, first[0].order_id);
  // With eu-001's order claimed, one candidate is left for eu-002.
  auto settle = e.cphfleet({"reconcile", "--config", e.config.string()});
  EXPECT_EQ(settle.exit_code, 0) << settle.out << settle.err;
  EXPECT_EQ(e.latest("eu-002")->status, chunk_status::ordered);
  EXPECT_EQ(e.latest("eu-002")->order_id, second[0].order_id);
  EXPECT_EQ(emu.orders().size(), 2u) << "nothing bought again";
}

// The SIGKILL trials of run_test, with the billing service as the second witness of what a kill left
// open: the same promises, one order per chunk whatever the moment.
TEST(run_billing_test, a_run_killed_with_a_purchase_in_flight_settles_it_and_buys_it_only_once) {
  temp_dir tmp{"run-billing"};
  kill_with_a_purchase_in_flight_then_run_again({tmp.path(), true});
}

TEST(run_billing_test, a_run_killed_at_any_moment_loses_nothing_and_buys_nothing_twice) {
  temp_dir tmp{"run-billing"};
  kill_at_many_moments_then_run_again({tmp.path(), true});
}

}  // namespace
}  // namespace cphfleet::test

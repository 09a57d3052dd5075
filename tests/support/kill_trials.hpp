// The SIGKILL trials of `cphfleet run` (README "Sending"), shared by the runs without billing
// (tests/cli/cmd_run_test.cpp) and with `[billing]` on the emulator (tests/cli/cmd_run_billing_test.cpp):
// whatever the moment of the kill, the next run loses nothing and buys nothing twice.
#pragma once
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet::test {

// The account id an emulator started with --domain-id checks on every billing call.
inline constexpr const char* k_trial_domain = "acct00000001";

// Where a trial runs: the job, config and ledger in `dir`; with `billing`, a `[billing]` table pointing
// at the same emulator (its settle_s short, so that a chunk nothing was bought for is sent again soon)
// and the account id in the environment.
struct kill_trial_setup {
  std::filesystem::path dir;
  bool billing = false;

  std::filesystem::path job() const { return dir / "job.toml"; }
  std::filesystem::path ledger() const { return dir / "orders.csv"; }
  std::vector<std::string> env() const {
    auto env = aksk_env();
    if (billing) env.push_back(std::string("HUAWEICLOUD_SDK_DOMAIN_ID=") + k_trial_domain);
    return env;
  }
  // The emulator's options, with the billing checks when billing is on.
  std::vector<std::string> emulator_args(std::vector<std::string> args) const {
    if (billing) args.insert(args.end(), {"--domain-id", k_trial_domain});
    return args;
  }
  void write(const std::vector<fleet_def>& fleets, const std::string& url, const limits_def& l) const {
    write_file(job(), job_text(fleets));
    write_file(dir / "config.toml",
               config_text(url, l) +
                   (billing ? "[billing]\nendpoint = \"" + url + "\"\nsettle_s = 1\n" : std::string()));
  }
  run_result run(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"run", job().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cphfleet(args, env(), std::chrono::seconds(120));
  }
};

// The kill lands while a purchase is provably in flight: the service has taken the order, the ledger
// says `sending` and no answer has come back (slow_commit holds it). The next run settles it and buys
// only the rest.
inline void kill_with_a_purchase_in_flight_then_run_again(const kill_trial_setup& t) {
  emulator_process emu(t.dir, t.emulator_args({"--script", "1:slow_commit"}));
  std::vector<fleet_def> fleets{{"eu", 30}};
  t.write(fleets, emu.url(), limits_def{.in_flight = 1, .request_timeout_s = 60});
  {
    child_process victim({CPHFLEET_BINARY, "run", t.job().string()}, t.env(), t.dir / "victim.out",
                         t.dir / "victim.err");
    bool in_flight = poll_until([&] {
      auto rows = ledger_rows_now(t.ledger());
      return rows.size() == 1 && rows[0].chunk == "eu-001" && rows[0].status == chunk_status::sending &&
             emu.orders().size() == 1;
    });
    ASSERT_TRUE(in_flight) << victim.err();
    victim.signal(SIGKILL);
    EXPECT_EQ(victim.wait(), 128 + SIGKILL);
  }
  ledger_index left(read_ledger(t.ledger()));
  ASSERT_EQ(left.rows().size(), 1u);
  EXPECT_EQ(left.latest("eu-001")->status, chunk_status::sending);
  ASSERT_EQ(emu.orders().size(), 1u);
  EXPECT_EQ(emu.orders()[0].server_name, "eu-001");

  auto r = t.run({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto summary = boost::json::parse(r.out).as_object();
  EXPECT_EQ(summary.at("reconciled").to_number<std::int64_t>(), 1);
  EXPECT_EQ(summary.at("requests").to_number<std::int64_t>(), 2);  // eu-002 and eu-003 only
  expect_ledger_matches_emulator(t.ledger(), emu, fleets);
  EXPECT_EQ(emu.orders().size(), 3u);  // one order per chunk
  EXPECT_EQ(ledger_index(read_ledger(t.ledger())).latest("eu-001")->order_id, emu.orders()[0].order_id);
}

// SIGKILL at many moments (before, during and after sends), each followed by a normal run: the
// emulator must end with exactly the targets, one order per chunk, and the ledger must agree.
inline void kill_at_many_moments_then_run_again(const kill_trial_setup& t) {
  emulator_process emu(t.dir, t.emulator_args({"--latency", "15", "--settle", "200", "--seed", "3", "--fault",
                                               "commit_then_drop:0.1", "--fault", "throttle:0.1"}));
  std::vector<fleet_def> fleets{{"eu", 34}, {"us", 21}};
  const std::size_t chunks = 4 + 3;  // 34 and 21 servers in chunks of at most 10
  t.write(fleets, emu.url(), limits_def{.rps = 30, .burst = 2, .in_flight = 3});
  int before_any_send = 0, with_open_chunks = 0, after_all_sent = 0, with_a_call_in_flight = 0;
  for (int moment = 0; moment < 24; ++moment) {
    // Every 25 ms through the sends, then later and later, past the end of a run.
    int delay_ms = moment < 18 ? moment * 25 : 700 + (moment - 18) * 500;
    SCOPED_TRACE("kill after " + std::to_string(delay_ms) + " ms");
    emu.reset();
    std::filesystem::remove(t.ledger());
    run_killed_after(t.job(), t.dir, delay_ms, t.env());
    // Where the kill landed, as the ledger tells it.
    ledger_index left(read_ledger(t.ledger()));
    bool open = false, all_ordered = !left.fleets().empty();
    for (const auto& f : left.fleets()) {
      open = open || left.totals(f).unresolved_chunks > 0;
      all_ordered = all_ordered && left.totals(f).ordered_servers == (f == "eu" ? 34 : 21);
    }
    // A call was in flight at the kill when the service holds an order whose chunk the ledger still has
    // as `sending`: taken, its answer never recorded.
    auto taken = emu.orders();
    bool in_flight = std::any_of(taken.begin(), taken.end(), [&](const emulator_order& o) {
      const ledger_row* row = left.latest(o.server_name);
      return row != nullptr && row->status == chunk_status::sending;
    });
    before_any_send += left.rows().empty();
    with_open_chunks += open;
    after_all_sent += all_ordered;
    with_a_call_in_flight += in_flight;
    auto r = t.run();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_ledger_matches_emulator(t.ledger(), emu, fleets);
    EXPECT_EQ(emu.orders().size(), chunks);
    if (::testing::Test::HasFailure()) break;
  }
  // The moments covered a kill before anything was sent, with purchases open (one of them taken by the
  // service with its answer still on the way), and after the end.
  EXPECT_GE(before_any_send, 1);
  EXPECT_GE(with_open_chunks, 3);
  EXPECT_GE(with_a_call_in_flight, 1);
  EXPECT_GE(after_all_sent, 1);
}

}  // namespace cphfleet::test

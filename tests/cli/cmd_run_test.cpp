// `cphfleet run` end to end: the runner as a child process against `cphfleet emulator` over real TCP,
// with faults injected, crashes, re-runs and the rate limit checked on the emulator's own clock.
#include "base/time_text.hpp"
#include "support/fixture_server.hpp"
#include "support/kill_trials.hpp"
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

namespace cphfleet::test {
namespace {

struct run_env {
  temp_dir tmp{"run"};  // first: removed last, after everything that writes into it
  std::filesystem::path dir = tmp.path();
  std::filesystem::path job = dir / "job.toml";
  std::filesystem::path ledger = dir / "orders.csv";

  void write(const std::vector<fleet_def>& fleets, const std::string& url, const limits_def& l = {},
             std::int64_t auto_pay = 1, std::string_view image = "88b8449b896f3a4f0ad57222dd919899") {
    write_file(job, job_text(fleets, auto_pay, image));
    write_file(dir / "config.toml", config_text(url, l));
  }
  run_result run(std::vector<std::string> extra = {}, std::vector<std::string> env = aksk_env()) {
    std::vector<std::string> args{"run", job.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cphfleet(args, env, std::chrono::seconds(120));
  }
};

boost::json::object summary_of(const run_result& r) {
  auto v = boost::json::parse(r.out);
  return v.as_object();
}

TEST(run_test, every_fault_kind_still_ends_at_the_targets_with_no_duplicate_order) {
  run_env e;
  // Each kind hits an exact purchase, and random faults come on top (seeded: the same every time).
  emulator_process emu(e.dir,
                       {"--settle", "300", "--latency", "5", "--seed", "7", "--script",
                        "1:throttle,2:busy,3:error500,4:commit_then_504,5:commit_then_drop,6:drop_before,"
                        "7:slow_commit,8:error502,9:error503,10:error504",
                        "--fault", "throttle:0.1", "--fault", "busy:0.05", "--fault", "commit_then_drop:0.05",
                        "--fault", "error503:0.05"});
  std::vector<fleet_def> fleets{{"eu", 23}, {"us", 15}, {"ap", 12}};
  e.write(fleets, emu.url());
  auto r = e.run({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto s = summary_of(r);
  EXPECT_GT(s.at("retries").to_number<std::int64_t>(), 0);
  EXPECT_GT(s.at("throttled").to_number<std::int64_t>(), 0);
  EXPECT_GT(s.at("reconciled").to_number<std::int64_t>(), 0);
  expect_ledger_matches_emulator(e.ledger, emu, fleets);
  // Every fault kind was served at least once.
  EXPECT_GE(emu.stats().at("faults").to_number<std::int64_t>(), 10);
  // Ambiguous outcomes were recorded as unknown before they were settled.
  ledger_index idx(read_ledger(e.ledger));
  auto unknowns = std::count_if(idx.rows().begin(), idx.rows().end(),
                                [](const ledger_row& row) { return row.status == chunk_status::unknown; });
  EXPECT_GE(unknowns, 7);
  EXPECT_EQ(r.err.find(k_sk), std::string::npos) << "the secret key leaked into the log";
}

TEST(run_test, a_finished_job_sends_nothing_and_a_raised_count_buys_only_the_difference) {
  run_env e;
  emulator_process emu(e.dir, {"--settle", "100"});
  e.write({{"eu", 47}}, emu.url());
  ASSERT_EQ(e.run().exit_code, 0);
  ASSERT_EQ(emu.orders().size(), 5u);

  auto again = e.run({"--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(summary_of(again).at("requests").to_number<std::int64_t>(), 0);
  EXPECT_EQ(emu.orders().size(), 5u);

  e.write({{"eu", 53}}, emu.url());
  auto raised = e.run({"--json"});
  ASSERT_EQ(raised.exit_code, 0) << raised.err;
  EXPECT_EQ(summary_of(raised).at("requests").to_number<std::int64_t>(), 1);
  auto orders = emu.orders();
  ASSERT_EQ(orders.size(), 6u);
  auto added =
      std::find_if(orders.begin(), orders.end(), [](const auto& o) { return o.server_name == "eu-006"; });
  ASSERT_NE(added, orders.end());
  EXPECT_EQ(added->count, 6);
  expect_ledger_matches_emulator(e.ledger, emu, {{"eu", 53}});
}

TEST(run_test, an_empty_ledger_against_an_account_that_holds_the_fleet_buys_nothing_until_adopt) {
  run_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 25}}, emu.url());
  ASSERT_EQ(e.run().exit_code, 0);
  ASSERT_EQ(emu.orders().size(), 3u);

  // Another ledger (a typo, a fresh machine, a --ledger relative to another folder): it is empty, but
  // the account holds the fleet, so nothing is bought and the way out is named.
  const auto other = e.dir / "other.csv";
  auto refused = e.run({"--ledger", other.string()});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("eu-001: order "), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("eu-003: order "), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("cphfleet adopt --fleet eu"), std::string::npos) << refused.err;
  EXPECT_EQ(emu.orders().size(), 3u);

  auto adopt = run_cphfleet(
      {"adopt", "--fleet", "eu", "--config", (e.dir / "config.toml").string(), "--ledger", other.string()},
      aksk_env(), std::chrono::seconds(60));
  ASSERT_EQ(adopt.exit_code, 0) << adopt.err;
  EXPECT_NE(adopt.out.find("3 chunks, 25 servers recorded"), std::string::npos) << adopt.out;
  ledger_index adopted(read_ledger(other));
  ASSERT_NE(adopted.latest("eu-003"), nullptr);
  EXPECT_EQ(adopted.latest("eu-003")->status, chunk_status::ordered);
  EXPECT_EQ(adopted.latest("eu-003")->count, 5);
  EXPECT_EQ(adopted.latest("eu-003")->server_ids.size(), 5u);

  // The raised target buys exactly the difference, once, under the next free name.
  e.write({{"eu", 32}}, emu.url());
  auto raised = e.run({"--ledger", other.string(), "--json"});
  ASSERT_EQ(raised.exit_code, 0) << raised.err;
  EXPECT_EQ(summary_of(raised).at("requests").to_number<std::int64_t>(), 1);
  expect_ledger_matches_emulator(other, emu, {{"eu", 32}});

  // Adopting again finds nothing new.
  auto again =
      run_cphfleet({"adopt", "--config", (e.dir / "config.toml").string(), "--ledger", other.string()},
                   aksk_env(), std::chrono::seconds(60));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 chunks, 0 servers recorded"), std::string::npos) << again.out;
}

TEST(run_test, a_permanent_refusal_is_failed_and_exits_1) {
  run_env e;
  emulator_process emu(e.dir);
  // A well-formed image id the service's catalog does not have: CPS.0030, permanent.
  e.write({{"eu", 12}}, emu.url(), {}, 1, "ffffffffffffffffffffffffffffffff");
  auto r = e.run({"--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ledger_index idx(read_ledger(e.ledger));
  auto chunks = idx.chunks_of("eu");
  ASSERT_EQ(chunks.size(), 2u);
  for (const ledger_row* row : chunks) {
    EXPECT_EQ(row->status, chunk_status::failed);
    EXPECT_EQ(row->http_status, 400);
    EXPECT_EQ(row->error_code, "CPS.0030");
  }
  EXPECT_TRUE(emu.orders().empty());
}

TEST(run_test, a_wrong_secret_key_stops_the_run_with_exit_4_after_a_handful_of_requests) {
  run_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 200}}, emu.url(), limits_def{});
  auto r = e.run({}, aksk_env("a-wrong-secret-key"));
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_LE(emu.stats().at("auth_failures").to_number<std::int64_t>(), 4);  // max_in_flight
  EXPECT_TRUE(emu.orders().empty());
  EXPECT_EQ(r.err.find("a-wrong-secret-key"), std::string::npos);
}

TEST(run_test, missing_credentials_exit_2_naming_the_variables_before_any_request) {
  run_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 5}}, emu.url());
  // No credentials file and a metadata address that refuses: no source has keys.
  auto r = e.run({}, {"HUAWEICLOUD_SDK_AK=", "HUAWEICLOUD_SDK_SK=", "HUAWEICLOUD_SDK_CREDENTIALS_FILE=",
                      "HOME=" + e.dir.string(),
                      "CPHFLEET_ECS_METADATA_URL=http://127.0.0.1:" + std::to_string(unused_port())});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("HUAWEICLOUD_SDK_AK"), std::string::npos) << r.err;
  EXPECT_EQ(emu.stats().at("requests").to_number<std::int64_t>(), 1);  // the stats request itself
}

TEST(run_test, a_second_process_on_the_same_ledger_exits_75_naming_the_holder) {
  run_env e;
  emulator_process emu(e.dir, {"--latency", "3000"});
  e.write({{"eu", 10}}, emu.url(), limits_def{.request_timeout_s = 10});
  child_process first({CPHFLEET_BINARY, "run", e.job.string()}, aksk_env(), e.dir / "first.out",
                      e.dir / "first.err");
  // Wait until the first holds the lock (its sending row is on disk).
  ASSERT_TRUE(poll_until([&] { return !ledger_rows_now(e.ledger).empty(); })) << first.err();
  auto metrics = e.dir / "second.prom";
  auto second = e.run({"--metrics-file", metrics.string()});
  EXPECT_EQ(second.exit_code, 75) << second.err;
  EXPECT_NE(second.out.find(", exit 75\nerror: ledger "), std::string::npos) << second.out;
  EXPECT_NE(slurp(metrics).find("cphfleet_last_run_exit_code{job=\"t\",ledger=\"" + e.ledger.string() +
                                "\",command=\"run\"} 75\n"),
            std::string::npos)
      << slurp(metrics);
  EXPECT_NE(second.err.find("pid " + std::to_string(first.pid())), std::string::npos) << second.err;
  EXPECT_EQ(first.wait(), 0) << first.err();
}

TEST(run_test, lock_timeout_waits_for_the_holder_and_then_buys_nothing_twice) {
  run_env e;
  emulator_process emu(e.dir, {"--latency", "1500"});
  std::vector<fleet_def> fleets{{"eu", 20}};
  e.write(fleets, emu.url(), limits_def{.in_flight = 1, .request_timeout_s = 10});
  child_process first({CPHFLEET_BINARY, "run", e.job.string()}, aksk_env(), e.dir / "first.out",
                      e.dir / "first.err");
  ASSERT_TRUE(poll_until([&] { return !ledger_rows_now(e.ledger).empty(); })) << first.err();
  // Too short a wait still ends in 75, and says it waited.
  auto impatient = e.run({"--lock-timeout", "1s", "--json"});
  EXPECT_EQ(impatient.exit_code, 75) << impatient.err;
  EXPECT_NE(impatient.err.find("(waited 1 s, --lock-timeout)"), std::string::npos) << impatient.err;
  // --json says who holds it.
  auto error = summary_of(impatient).at("error");
  EXPECT_EQ(error.at("kind").as_string(), "locked");
  EXPECT_TRUE(std::string(error.at("holder").as_string()).starts_with("pid " + std::to_string(first.pid())))
      << impatient.out;
  // A long enough one gets the ledger once the first run is done, and finds nothing left to buy.
  auto patient = e.run({"--lock-timeout", "2m", "--json"});
  EXPECT_EQ(patient.exit_code, 0) << patient.err;
  EXPECT_NE(patient.err.find("waiting for the ledger"), std::string::npos) << patient.err;
  EXPECT_EQ(summary_of(patient).at("requests").to_number<std::int64_t>(), 0);
  EXPECT_EQ(first.wait(), 0) << first.err();
  expect_ledger_matches_emulator(e.ledger, emu, fleets);
}

TEST(run_test, a_bad_lock_timeout_is_an_input_error) {
  run_env e;
  auto r = run_cphfleet({"run", e.job.string(), "--lock-timeout", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--lock-timeout: 'soon' is not a duration"), std::string::npos) << r.err;
}

TEST(run_test, an_ambiguous_answer_without_auto_pay_stays_unknown_and_exits_3) {
  run_env e;
  emulator_process emu(e.dir, {"--script", "1:commit_then_drop", "--settle", "100"});
  e.write({{"eu", 10}}, emu.url(), {}, 0);
  auto r = e.run({"--json"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  ledger_index idx(read_ledger(e.ledger));
  ASSERT_NE(idx.latest("eu-001"), nullptr);
  EXPECT_EQ(idx.latest("eu-001")->status, chunk_status::unknown);
  // Never re-sent: the unpaid order may exist.
  EXPECT_EQ(emu.stats().at("purchases").to_number<std::int64_t>(), 1);
  // A second run does not send it either: it stays unresolved.
  auto again = e.run({"--json"});
  EXPECT_EQ(again.exit_code, 3) << again.err;
  EXPECT_EQ(emu.stats().at("purchases").to_number<std::int64_t>(), 1);
}

TEST(run_test, consecutive_ambiguous_answers_open_the_circuit_and_exit_4) {
  run_env e;
  emulator_process emu(e.dir, {"--fault", "error503:1", "--settle", "50"});
  e.write({{"eu", 200}}, emu.url(), limits_def{.in_flight = 1, .circuit = 3});
  auto r = e.run({"--json"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_LE(emu.stats().at("purchases").to_number<std::int64_t>(), 4);
}

TEST(run_test, the_client_rate_is_never_exceeded_beyond_the_burst_in_any_second) {
  run_env e;
  emulator_process emu(e.dir);
  limits_def l{.rps = 20, .burst = 3, .in_flight = 8};
  e.write({{"eu", 300}, {"us", 200}}, emu.url(), l);
  auto r = e.run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::int64_t> ms;
  for (const auto& o : emu.orders()) {
    auto t = parse_utc_rfc3339(o.created_at);
    ASSERT_TRUE(t);
    ms.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count());
  }
  ASSERT_EQ(ms.size(), 50u);
  std::sort(ms.begin(), ms.end());
  std::size_t worst = 0;
  for (std::size_t i = 0, j = 0; i < ms.size(); ++i) {
    while (ms[i] - ms[j] >= 1000) ++j;
    worst = std::max(worst, i - j + 1);
  }
  EXPECT_LE(worst, 20u + 3u);
}

TEST(run_test, throttling_by_the_service_slows_the_run_and_it_still_finishes) {
  run_env e;
  emulator_process emu(e.dir, {"--rate-limit", "5"});
  e.write({{"eu", 250}}, emu.url(), limits_def{.rps = 40, .burst = 10, .in_flight = 8, .attempts = 20});
  auto r = e.run({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GT(summary_of(r).at("throttled").to_number<std::int64_t>(), 0);
  expect_ledger_matches_emulator(e.ledger, emu, {{"eu", 250}});
}

TEST(run_test, the_spend_guard_refuses_a_large_run_before_sending) {
  run_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 120}}, emu.url(), limits_def{.max_servers = 100});
  auto r = e.run();
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--max-servers"), std::string::npos) << r.err;
  EXPECT_EQ(emu.stats().at("requests").to_number<std::int64_t>(), 1);  // the stats request itself
  auto lifted = e.run({"--max-servers", "120"});
  EXPECT_EQ(lifted.exit_code, 0) << lifted.err;
}

TEST(run_test, the_metrics_file_holds_prometheus_counters) {
  run_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 25}}, emu.url());
  auto metrics = e.dir / "cphfleet.prom";
  ASSERT_EQ(e.run({"--metrics-file", metrics.string()}).exit_code, 0);
  std::string text = slurp(metrics);
  std::string who = "job=\"t\",ledger=\"" + e.ledger.string() + "\",command=\"run\"";
  EXPECT_NE(text.find("cphfleet_last_run_requests{" + who + ",outcome=\"ordered\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cphfleet_last_run_servers_ordered{" + who + "} 25\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cphfleet_fleet_servers{" + who + ",fleet=\"eu\",state=\"ordered\"} 25\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cphfleet_last_run_timestamp_seconds{" + who + "} "), std::string::npos) << text;
  EXPECT_EQ(text.find(" counter\n"), std::string::npos) << "the last run's figures are gauges: " << text;
}

// SIGKILL trials (tests/support/kill_trials.hpp); tests/cli/cmd_run_billing_test.cpp runs them with
// [billing] too.
TEST(run_test, a_run_killed_with_a_purchase_in_flight_settles_it_and_buys_it_only_once) {
  temp_dir tmp{"run"};
  kill_with_a_purchase_in_flight_then_run_again({tmp.path(), false});
}

TEST(run_test, a_metrics_file_in_a_missing_folder_exits_2_before_anything_is_bought) {
  run_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 25}}, emu.url());
  auto metrics = e.dir / "no-such-folder" / "cphfleet.prom";
  auto r = e.run({"--json", "--metrics-file", metrics.string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(emu.orders().empty());
  EXPECT_EQ(emu.stats().at("purchases").to_number<std::int64_t>(), 0);
  EXPECT_TRUE(read_ledger(e.ledger).empty());
  std::string folder = metrics.parent_path().string();
  EXPECT_NE(r.err.find("--metrics-file: " + metrics.string() + ": the folder " + folder + " does not exist"),
            std::string::npos)
      << r.err;
  auto s = summary_of(r);
  EXPECT_EQ(s.at("exit_code").to_number<int>(), 2);
  EXPECT_NE(std::string(s.at("error").at("message").as_string()).find("--metrics-file"), std::string::npos)
      << r.out;
  EXPECT_EQ(s.at("requests").to_number<std::int64_t>(), 0);
  EXPECT_FALSE(std::filesystem::exists(metrics.parent_path()));
}

TEST(run_test, an_invalid_job_still_prints_the_summary_with_exit_2_and_the_error) {
  run_env e;
  emulator_process emu(e.dir);
  e.write({{"Bad Name", 5}}, emu.url());
  auto json = e.run({"--json"});
  EXPECT_EQ(json.exit_code, 2) << json.out << json.err;
  EXPECT_NE(json.err.find("fleet[0].server_name: 'Bad Name'"), std::string::npos) << json.err;
  auto s = summary_of(json);
  EXPECT_EQ(s.at("exit_code").to_number<int>(), 2);
  EXPECT_NE(std::string(s.at("error").at("message").as_string()).find("fleet[0].server_name: 'Bad Name'"),
            std::string::npos)
      << json.out;
  EXPECT_EQ(s.at("error").at("kind").as_string(), "input");
  EXPECT_EQ(s.at("error").at("diagnostics").at(0).at("field").as_string(), "fleet[0].server_name")
      << json.out;
  EXPECT_EQ(s.at("error").at("diagnostics").at(0).at("file").as_string(), e.job.string()) << json.out;
  EXPECT_TRUE(s.at("fleets").as_array().empty());

  auto text = e.run();
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_NE(text.out.find(", exit 2\nerror: "), std::string::npos) << text.out;
  EXPECT_EQ(emu.stats().at("purchases").to_number<std::int64_t>(), 0);
}

TEST(run_test, a_refused_run_still_writes_the_metrics_file_with_its_exit_code) {
  run_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 120}}, emu.url(), limits_def{.max_servers = 100});
  auto metrics = e.dir / "cphfleet.prom";
  auto r = e.run({"--metrics-file", metrics.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  std::string text = slurp(metrics);
  std::string who = "job=\"t\",ledger=\"" + e.ledger.string() + "\",command=\"run\"";
  EXPECT_NE(text.find("cphfleet_last_run_exit_code{" + who + "} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cphfleet_last_run_requests{" + who + ",outcome=\"ordered\"} 0\n"), std::string::npos)
      << text;
  EXPECT_EQ(emu.stats().at("purchases").to_number<std::int64_t>(), 0);
}

// A tmpfs of `size` mounted on `dir` (as root), unmounted when this goes away.
class small_disk {
 public:
  small_disk(const std::filesystem::path& dir, const std::string& size) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    std::string cmd =
        "mount -t tmpfs -o size=" + size + " cphfleet-test-disk '" + dir_.string() + "' 2>/dev/null";
    mounted_ = std::system(cmd.c_str()) == 0;
  }
  ~small_disk() {
    if (!mounted_) return;
    // Lazily if busy: the folder must not outlive the test as a mount point.
    std::string cmd = "umount '" + dir_.string() + "' 2>/dev/null || umount -l '" + dir_.string() + "'";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "could not unmount " << dir_;
  }
  small_disk(const small_disk&) = delete;
  small_disk& operator=(const small_disk&) = delete;
  bool mounted() const { return mounted_; }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
};

TEST(run_test, a_full_disk_mid_run_is_not_exit_2_and_every_order_taken_is_in_the_ledger_or_left_open) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs for the ledger";
  run_env e;
  // 16 KiB: the lock file takes a page, the header and about a dozen rows the rest.
  small_disk disk(e.dir / "disk", "16k");
  if (!disk.mounted()) GTEST_SKIP() << "mount -t tmpfs failed (no CAP_SYS_ADMIN here?)";
  emulator_process emu(e.dir);
  std::vector<fleet_def> fleets{{"eu", 400}};
  e.write(fleets, emu.url(), limits_def{.in_flight = 4});
  auto ledger = e.dir / "disk" / "orders.csv";
  auto r = e.run({"--json", "--ledger", ledger.string()});
  EXPECT_NE(r.exit_code, 2) << r.out << r.err;  // purchases went out: 2 would say nothing was sent
  EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 3) << r.exit_code << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  auto s = summary_of(r);
  EXPECT_EQ(s.at("exit_code").to_number<int>(), r.exit_code);
  EXPECT_EQ(s.at("stopped").as_string(), "fatal");
  EXPECT_NE(std::string(s.at("error").at("message").as_string()).find("No space left on device"),
            std::string::npos);
  EXPECT_GT(s.at("requests").to_number<std::int64_t>(), 0);

  auto taken = emu.orders();
  ASSERT_FALSE(taken.empty()) << "the disk filled before anything was bought: the test shows nothing";
  EXPECT_LT(taken.size(), 40u) << "the disk never filled";
  ledger_index left(ledger_rows_as_left(ledger, e.dir));
  std::map<std::string, int> orders_per_chunk;
  for (const auto& o : taken) {
    SCOPED_TRACE(o.server_name);
    EXPECT_EQ(++orders_per_chunk[o.server_name], 1) << "bought twice";
    const ledger_row* row = left.latest(o.server_name);
    ASSERT_NE(row, nullptr) << "an order the service took is not in the ledger";
    if (row->status == chunk_status::ordered)
      EXPECT_EQ(row->order_id, o.order_id);
    else
      EXPECT_TRUE(is_unresolved(row->status)) << to_string(row->status);
  }
}

TEST(run_test, a_run_killed_at_any_moment_loses_nothing_and_buys_nothing_twice) {
  temp_dir tmp{"run"};
  kill_at_many_moments_then_run_again({tmp.path(), false});
}

TEST(run_test, sigterm_sends_nothing_new_records_what_was_in_flight_and_exits_143) {
  run_env e;
  emulator_process emu(e.dir, {"--latency", "400"});
  e.write({{"eu", 200}}, emu.url(), limits_def{.rps = 10, .burst = 2, .in_flight = 2, .max_servers = 1000});
  child_process p({CPHFLEET_BINARY, "run", e.job.string()}, aksk_env(), e.dir / "p.out", e.dir / "p.err");
  ASSERT_TRUE(poll_until([&] { return !ledger_rows_now(e.ledger).empty(); })) << p.err();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 143) << p.err();
  ledger_index idx(read_ledger(e.ledger));
  for (const ledger_row* row : idx.chunks_of("eu"))
    EXPECT_EQ(row->status, chunk_status::ordered) << row->chunk;
  EXPECT_LT(idx.chunks_of("eu").size(), 20u);
  expect_ledger_matches_emulator(e.ledger, emu, {{"eu", idx.totals("eu").ordered_servers}});
}

TEST(run_test, a_second_signal_records_the_calls_in_flight_as_unknown_and_leaves) {
  run_env e;
  emulator_process emu(e.dir, {"--latency", "5000"});
  e.write({{"eu", 40}}, emu.url(), limits_def{.in_flight = 2, .request_timeout_s = 30});
  child_process p({CPHFLEET_BINARY, "run", e.job.string()}, aksk_env(), e.dir / "p.out", e.dir / "p.err");
  // Both calls in flight: the emulator is serving both purchases (its latency holds the answers back).
  // Two rows in the file are not enough: a row is written before its sync ends, and the call leaves after.
  ASSERT_TRUE(poll_until([&] {
    return ledger_rows_now(e.ledger).size() >= 2 &&
           emu.stats().at("purchases").to_number<std::int64_t>() == 2;
  })) << p.err();
  p.signal(SIGINT);
  // The second signal only counts as one once the first was handled: wait for the runner to say so.
  ASSERT_TRUE(poll_until([&] { return p.err().find("signal received") != std::string::npos; })) << p.err();
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 130) << p.err();
  ledger_index idx(read_ledger(e.ledger));
  auto chunks = idx.chunks_of("eu");
  ASSERT_EQ(chunks.size(), 2u);  // only the two in flight were ever sent
  for (const ledger_row* row : chunks) EXPECT_EQ(row->status, chunk_status::unknown) << row->chunk;
}

TEST(run_test, a_deadline_stops_new_sends_and_the_next_run_carries_on) {
  run_env e;
  emulator_process emu(e.dir, {"--latency", "100"});
  e.write({{"eu", 400}}, emu.url(), limits_def{.rps = 10, .burst = 1, .in_flight = 2});
  auto r = e.run({"--deadline", "1s", "--json", "--log-format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // short of the target, nothing failed
  auto s = summary_of(r);
  EXPECT_EQ(s.at("stopped").as_string(), "deadline");
  EXPECT_GT(s.at("not_sent").to_number<std::int64_t>(), 0);
  auto sent = emu.orders().size();
  EXPECT_GE(sent, 5u);
  EXPECT_LE(sent, 15u);  // about 10 per second, plus what was in flight at the deadline
  // Every log line is a JSON object with time, level and msg.
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    auto v = boost::json::parse(line).as_object();
    EXPECT_TRUE(v.contains("time") && v.contains("level") && v.contains("msg")) << line;
  }
  // Everything sent before the deadline is recorded; the next run buys the rest, once.
  expect_ledger_matches_emulator(e.ledger, emu, {{"eu", static_cast<std::int64_t>(sent) * 10}});
  ASSERT_EQ(e.run({}).exit_code, 0);
  expect_ledger_matches_emulator(e.ledger, emu, {{"eu", 400}});
}

}  // namespace
}  // namespace cphfleet::test

// `cphfleet status` end to end: `cphfleet emulator` with --provision and the lifecycle faults as a child
// process, `run` to order, then `status` (and `run --wait`) as child processes over real TCP; what they
// say is checked against the emulator's admin view (/_emulator/servers, /_emulator/orders) and its call
// counts (/_emulator/stats).
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace cphfleet::test {
namespace {

struct status_env {
  temp_dir tmp{"status"};  // first: removed last
  std::filesystem::path dir = tmp.path();
  std::filesystem::path ledger = dir / "orders.csv";

  // A job file per call (`name`), all writing the same ledger through config.toml.
  std::filesystem::path job(const std::string& name, const std::vector<fleet_def>& fleets,
                            std::int64_t auto_pay = 1) {
    auto p = dir / (name + ".toml");
    write_file(p, job_text(fleets, auto_pay));
    return p;
  }
  // `billing`: with a [billing] table on the same emulator.
  void config(const std::string& url, bool billing = false) {
    write_file(dir / "config.toml",
               config_text(url) + (billing ? "[billing]\nendpoint = \"" + url + "\"\n" : std::string()));
  }
  run_result run(const std::filesystem::path& job, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"run", job.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cphfleet(args, aksk_env(), std::chrono::seconds(120));
  }
  run_result status(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"status", "--config", (dir / "config.toml").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cphfleet(args, aksk_env(), std::chrono::seconds(120));
  }
};

using counts = std::map<std::string, std::map<std::string, std::int64_t>>;  // fleet -> state -> servers

// What the emulator's own view says each server of `fleets` is, by status's rules; unpaid orders'
// servers are `unpaid`. Only meaningful once nothing is provisioning.
counts expected_from_admin(emulator_process& emu, const std::vector<std::string>& fleets) {
  counts out;
  auto fleet_of = [&](std::string_view name) -> std::string {
    for (const auto& f : fleets)
      if (name.starts_with(f + "-")) return f;
    return {};
  };
  const boost::json::value view = emu.admin("GET", "/_emulator/servers").json();
  for (const auto& v : view.at("servers").as_array()) {
    const auto& s = v.as_object();
    std::string f = fleet_of(s.at("server_name").as_string());
    if (f.empty()) continue;
    int status = s.at("status").to_number<int>();
    std::int64_t running = 0, failed = 0, total = 0;
    for (const auto& p : s.at("phone_statuses").as_array()) {
      ++total;
      running += p.to_number<int>() == 2;
      failed += p.to_number<int>() == -8 || p.to_number<int>() == -7;
    }
    std::string state = status == 2                       ? "failed"
                        : status == 5 && failed > 0       ? "failed"
                        : status == 5 && running == total ? "ready"
                        : status == 8                     ? "frozen"
                        : status == 10                    ? "stopped"
                                                          : "creating";
    ++out[f][state];
  }
  for (const auto& o : emu.orders())
    if (o.is_auto_pay == 0) out[fleet_of(o.server_name)]["unpaid"] += o.count;
  return out;
}

counts counts_of(const boost::json::object& status) {
  counts out;
  for (const auto& v : status.at("fleets").as_array()) {
    const auto& f = v.as_object();
    for (auto state : {"ready", "creating", "failed", "frozen", "stopped", "missing", "unpaid"}) {
      auto n = f.at(state).to_number<std::int64_t>();
      if (n > 0) out[std::string(f.at("fleet").as_string())][state] = n;
    }
  }
  return out;
}

std::int64_t calls(emulator_process& emu, std::string_view api) {
  auto c = emu.stats().at("api_calls").as_object();
  auto* n = c.if_contains(api);
  return n ? n->to_number<std::int64_t>() : 0;
}

std::int64_t count_lines(const std::string& text, std::string_view what) {
  std::int64_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(status_test, json_counts_each_state_exactly_as_the_emulator_admin_view_says) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "300", "--seed", "5", "--fault", "provision_fail:0.25",
                               "--fault", "phone_fail:0.25"});
  e.config(emu.url());
  ASSERT_EQ(e.run(e.job("paid", {{"sa", 30}, {"sb", 14}})).exit_code, 0);
  ASSERT_EQ(e.run(e.job("unpaid", {{"sc", 12}}, 0)).exit_code, 0);  // ordered, unpaid: no servers

  auto r = e.status({"--wait", "--interval", "1s", "--json"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;  // failures and unpaid servers
  auto doc = boost::json::parse(r.out).as_object();
  counts got = counts_of(doc);
  counts want = expected_from_admin(emu, {"sa", "sb", "sc"});
  EXPECT_EQ(got, want) << r.out;
  // The seed gives each fate: the test sees all of them.
  EXPECT_GT(got["sa"]["ready"] + got["sb"]["ready"], 0);
  EXPECT_GT(got["sa"]["failed"] + got["sb"]["failed"], 0);
  EXPECT_EQ(got["sc"]["unpaid"], 12);

  // Every server found is listed, with the admin view's status; each unpaid one without a server_id.
  std::map<std::string, int> admin_status;
  const boost::json::value view = emu.admin("GET", "/_emulator/servers").json();
  for (const auto& v : view.at("servers").as_array())
    admin_status[std::string(v.at("server_id").as_string())] = v.at("status").to_number<int>();
  std::int64_t listed = 0, without_id = 0;
  for (const auto& v : doc.at("servers").as_array()) {
    const auto& s = v.as_object();
    if (!s.contains("server_id")) {
      ++without_id;
      EXPECT_EQ(s.at("state").as_string(), "unpaid");
      EXPECT_EQ(s.at("fleet").as_string(), "sc");
      continue;
    }
    ++listed;
    EXPECT_EQ(s.at("status").to_number<int>(), admin_status.at(std::string(s.at("server_id").as_string())));
    EXPECT_EQ(s.at("phones_total").to_number<int>(), 30);
  }
  EXPECT_EQ(listed, 44);
  EXPECT_EQ(without_id, 12);
  const auto& fleets = doc.at("fleets").as_array();
  ASSERT_EQ(fleets.size(), 3u);
  EXPECT_EQ(fleets[0].at("fleet").as_string(), "sa");
  EXPECT_EQ(fleets[0].at("ordered").to_number<int>(), 30);
  EXPECT_TRUE(fleets[0].at("target").is_null());  // no job file: no target

  // The text form: the table, then every server that is not ready.
  auto text = e.status();
  EXPECT_EQ(text.exit_code, 1);
  const std::string first_line = text.out.substr(0, text.out.find('\n') + 1);
  EXPECT_TRUE(first_line.starts_with("fleet ")) << text.out;
  EXPECT_TRUE(first_line.ends_with(
      " target  ordered    ready creating   failed   frozen  stopped  missing   unpaid\n"))
      << text.out;
  EXPECT_EQ(count_lines(text.out, " unpaid "), 12);
  // The header's column, and each failed server's row.
  EXPECT_EQ(count_lines(text.out, " failed "), 1 + got["sa"]["failed"] + got["sb"]["failed"]);
}

TEST(status_test, servers_the_account_lacks_are_missing) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "0"});
  e.config(emu.url());
  ASSERT_EQ(e.run(e.job("j", {{"ma", 13}})).exit_code, 0);
  emu.reset();  // the account forgets them
  auto r = e.status({"--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(counts_of(boost::json::parse(r.out).as_object()), (counts{{"ma", {{"missing", 13}}}})) << r.out;
}

TEST(status_test, wait_returns_0_once_every_server_is_ready) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "1500"});
  e.config(emu.url());
  auto job = e.job("j", {{"wa", 25}});
  ASSERT_EQ(e.run(job).exit_code, 0);
  auto r = e.status({job.string(), "--wait", "--interval", "1s", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto doc = boost::json::parse(r.out).as_object();
  EXPECT_EQ(counts_of(doc), (counts{{"wa", {{"ready", 25}}}}));
  EXPECT_EQ(doc.at("fleets").at(0).at("target").to_number<int>(), 25);
  for (const auto& s : doc.at("servers").as_array()) EXPECT_EQ(s.at("phones_running").to_number<int>(), 30);
}

TEST(status_test, wait_returns_1_when_a_server_fails) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "500", "--fault", "provision_fail:1"});
  e.config(emu.url());
  ASSERT_EQ(e.run(e.job("j", {{"fa", 4}})).exit_code, 0);
  auto r = e.status({"--wait", "--interval", "1s", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(counts_of(boost::json::parse(r.out).as_object()), (counts{{"fa", {{"failed", 4}}}}));
}

TEST(status_test, wait_gives_up_at_the_timeout_mid_sleep_with_3) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "3600000"});  // an hour: never ready in this test
  e.config(emu.url());
  ASSERT_EQ(e.run(e.job("j", {{"ta", 5}})).exit_code, 0);
  // The poll after the first would be an hour away: only a timeout honoured mid-sleep returns at all
  // before run_cphfleet's own limit.
  auto r = e.status(
      {"--wait", "--interval", "1h", "--timeout", "1s", "--metrics-file", (e.dir / "m.prom").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("timed out with 5 servers still creating"), std::string::npos) << r.out;
  std::string metrics = slurp(e.dir / "m.prom");
  // Labelled as every series cphfleet writes: the job, the ledger, then the fleet and the state.
  std::string ledger = "ledger=\"" + (e.dir / "orders.csv").string() + "\"";
  EXPECT_NE(metrics.find("cphfleet_servers{job=\""), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(ledger + ",fleet=\"ta\",state=\"creating\"} 5\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(ledger + ",fleet=\"ta\",state=\"ready\"} 0\n"), std::string::npos) << metrics;
}

TEST(status_test, a_round_reads_one_paged_list_per_fleet_and_the_phones_of_each_server_once) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "1500"});
  e.config(emu.url());
  // 150 servers: two pages of 100; 20 more bought unpaid, and paid once the first are all normal.
  ASSERT_EQ(e.run(e.job("a", {{"ra", 150}})).exit_code, 0);
  ASSERT_EQ(e.run(e.job("b", {{"rb", 20}}, 0)).exit_code, 0);
  for (;;) {  // until the first 150 are normal (the emulator's clock decides, not this test's)
    auto servers = emu.admin("GET", "/_emulator/servers").json().at("servers").as_array();
    if (std::all_of(servers.begin(), servers.end(),
                    [](const boost::json::value& s) { return s.at("status").to_number<int>() == 5; }))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& o : emu.orders()) {
    if (o.is_auto_pay == 0) {
      ASSERT_EQ(emu.admin("POST", "/_emulator/orders/" + o.order_id + "/pay").status, 200u);
    }
  }

  const std::int64_t lists_before = calls(emu, "ListCloudPhoneServers");
  const std::int64_t phones_before = calls(emu, "ListCloudPhones");
  auto r = e.status({"--wait", "--interval", "1s", "--json", "--log-format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::int64_t rounds = count_lines(r.err, "\"status round\"");
  ASSERT_GE(rounds, 1);
  // Each round: ra's two pages and rb's one; each server's phones read once, the round it was first seen
  // normal (the 150 in the first round, the 20 when they came up), never again once all running.
  EXPECT_EQ(calls(emu, "ListCloudPhoneServers") - lists_before, 3 * rounds) << r.err;
  EXPECT_EQ(calls(emu, "ListCloudPhones") - phones_before, 170) << r.err;
  EXPECT_EQ(calls(emu, "ListCloudPhoneModels"), 1);
  EXPECT_EQ(counts_of(boost::json::parse(r.out).as_object()),
            (counts{{"ra", {{"ready", 150}}}, {"rb", {{"ready", 20}}}}));
}

TEST(status_test, run_wait_sends_then_waits_for_the_job_fleets_to_be_ready) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "1500", "--seed", "3", "--fault", "phone_fail:1"});
  e.config(emu.url());
  auto r = e.run(e.job("j", {{"rw", 12}}), {"--wait", "--interval", "1s"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // every server has a failed phone
  // The run's summary, then the status table with each failed server.
  auto summary = r.out.find("run ");
  auto table = r.out.find("target  ordered    ready creating");
  ASSERT_NE(summary, std::string::npos) << r.out;
  ASSERT_NE(table, std::string::npos) << r.out;
  EXPECT_LT(summary, table);
  EXPECT_EQ(count_lines(r.out, " failed     29/30"), 12) << r.out;
}

TEST(status_test, run_wait_json_answers_one_document_with_the_status_in_it) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "800"});
  e.config(emu.url());
  auto r = e.run(e.job("j", {{"rj", 7}}), {"--wait", "--interval", "1s", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // parse() refuses anything after the first value: stdout is exactly one JSON document.
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec) << ec.message() << "\n" << r.out;
  const auto& run = doc.as_object();
  // The run's own answer...
  EXPECT_EQ(run.at("exit_code").to_number<int>(), 0);
  EXPECT_TRUE(run.at("error").is_null());
  ASSERT_EQ(run.at("fleets").as_array().size(), 1u);
  EXPECT_EQ(run.at("fleets").at(0).at("ordered").to_number<int>(), 7);
  // ...and the status answer as its member, as `status --json` would print it.
  const auto& status = run.at("status").as_object();
  EXPECT_EQ(counts_of(status), (counts{{"rj", {{"ready", 7}}}})) << r.out;
  EXPECT_EQ(status.at("fleets").at(0).at("target").to_number<int>(), 7);
  EXPECT_EQ(status.at("servers").as_array().size(), 7u);

  // Without --wait the answer is the run's alone.
  auto plain = e.run(e.job("k", {{"rk", 2}}), {"--json"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(boost::json::parse(plain.out).as_object().contains("status")) << plain.out;
}

TEST(status_test, with_billing_a_paid_order_whose_servers_do_not_show_yet_is_missing_not_unpaid) {
  status_env e;
  emulator_process emu(e.dir, {"--settle", "3600000"});  // servers show an hour after their order
  e.config(emu.url(), true);
  ASSERT_EQ(e.run(e.job("p", {{"bp", 4}}, 0)).exit_code, 0);
  ASSERT_EQ(e.run(e.job("u", {{"bu", 3}}, 0)).exit_code, 0);
  ASSERT_EQ(e.run(e.job("x", {{"bx", 2}}, 0)).exit_code, 0);
  // bp's order is paid (as a person paying in the console) before its servers show.
  std::string cancelled;
  for (const auto& o : emu.orders()) {
    if (o.server_name == "bp-001") {
      ASSERT_EQ(emu.admin("POST", "/_emulator/orders/" + o.order_id + "/pay").status, 200u);
    }
    if (o.server_name == "bx-001") cancelled = o.order_id;
  }
  // bx's order is cancelled behind this ledger's back: `cancel` recording it in a copy of the ledger.
  std::filesystem::copy_file(e.ledger, e.dir / "copy.csv");
  auto c = run_cphfleet({"cancel", "--config", (e.dir / "config.toml").string(), "--ledger",
                         (e.dir / "copy.csv").string(), "--chunk", "bx-001"},
                        aksk_env());
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;

  const std::int64_t billing_before = calls(emu, "billing");
  auto r = e.status({"--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(counts_of(boost::json::parse(r.out).as_object()),
            (counts{{"bp", {{"missing", 4}}}, {"bu", {{"unpaid", 3}}}, {"bx", {{"missing", 2}}}}))
      << r.out;
  EXPECT_EQ(calls(emu, "billing") - billing_before, 3);  // one order read per chunk
  // The text says why bx's servers are missing.
  auto text = e.status();
  EXPECT_NE(text.out.find("\nnote: bx-001: order " + cancelled + " is cancelled: nothing was bought"),
            std::string::npos)
      << text.out;

  // Without billing, the recorded is_auto_pay = 0 is all there is: both read as unpaid.
  e.config(emu.url());
  auto alone = e.status({"--json"});
  EXPECT_EQ(counts_of(boost::json::parse(alone.out).as_object()),
            (counts{{"bp", {{"unpaid", 4}}}, {"bu", {{"unpaid", 3}}}, {"bx", {{"unpaid", 2}}}}))
      << alone.out;
  EXPECT_EQ(calls(emu, "billing") - billing_before, 6);  // the two reads with billing, none without
}

TEST(status_test, with_billing_each_order_is_read_once_per_wait_and_a_failed_read_falls_back_to_auto_pay) {
  status_env e;
  emulator_process emu(e.dir, {"--provision", "3600000"});  // an hour: bc stays creating, the wait goes on
  e.config(emu.url(), true);
  ASSERT_EQ(e.run(e.job("g", {{"bg", 3}})).exit_code, 0);
  emu.reset();  // the account forgets bg's servers and its order: billing cannot read it
  ASSERT_EQ(e.run(e.job("u", {{"bu", 2}}, 0)).exit_code, 0);
  ASSERT_EQ(e.run(e.job("c", {{"bc", 2}})).exit_code, 0);

  const std::int64_t billing_before = calls(emu, "billing");
  auto r = e.status({"--wait", "--interval", "1s", "--timeout", "5s", "--json", "--log-format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // missing and unpaid servers
  ASSERT_GE(count_lines(r.err, "\"status round\""), 2) << r.err;
  // bg's order and bu's, each read once whatever the rounds; bc has all its servers: not read.
  EXPECT_EQ(calls(emu, "billing") - billing_before, 2) << r.err;
  EXPECT_EQ(count_lines(r.err, "could not be read"), 1) << r.err;
  EXPECT_EQ(counts_of(boost::json::parse(r.out).as_object()),
            (counts{{"bg", {{"missing", 3}}}, {"bu", {{"unpaid", 2}}}, {"bc", {{"creating", 2}}}}))
      << r.out;
}

}  // namespace
}  // namespace cphfleet::test

// replay, reconcile, audit and ledger against the emulator process, as an operator uses them days later.
#include "api/signer.hpp"
#include "base/time_text.hpp"
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

namespace cphfleet::test {
namespace {

struct ops_env {
  temp_dir tmp{"ops"};  // first: removed last, after everything that writes into it
  std::filesystem::path dir = tmp.path();
  std::filesystem::path job = dir / "job.toml";
  std::filesystem::path config = dir / "config.toml";
  std::filesystem::path ledger = dir / "orders.csv";

  void write(const std::vector<fleet_def>& fleets, const std::string& url, std::int64_t auto_pay = 1) {
    write_file(job, job_text(fleets, auto_pay));
    write_file(config, config_text(url));
  }
  run_result cmd(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--config", config.string()});
    return run_cphfleet(args, aksk_env(), std::chrono::seconds(60));
  }
};

std::string purchase_body(const std::string& name, std::int64_t count, std::int64_t auto_pay = 1) {
  return R"({"server_name":")" + name +
         R"(","server_model_name":"physical.rx1.xlarge","phone_model_name":"aphs1.medium.4.aosp",)"
         R"("image_id":"88b8449b896f3a4f0ad57222dd919899","count":)" +
         std::to_string(count) +
         R"(,"band_width":{"band_width_share_type":0},"extend_param":{"charging_mode":0,"period_type":2,"period_num":1,"is_auto_pay":)" +
         std::to_string(auto_pay) + "}}";
}

// A purchase made behind the runner's back, signed as the SDKs sign.
std::string buy_directly(emulator_process& emu, const std::string& name, std::int64_t count) {
  std::string path = std::string("/v1/") + k_project + "/cloud-phone/phones";
  std::string body = purchase_body(name, count);
  std::string host = "127.0.0.1:" + std::to_string(emu.port());
  std::string date = sdk_date(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  header_list headers{{"Host", host},
                      {"X-Sdk-Date", date},
                      {"X-Project-Id", k_project},
                      {"Content-Type", "application/json"}};
  signing_input in{"POST", path, "", headers, body};
  headers.emplace_back("Authorization", authorization(k_ak, k_sk, in));
  http_client c("127.0.0.1", emu.port());
  auto r = c.request("POST", path, headers, body);
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.string_field("order_id");
}

// A ledger row as an earlier run would have left it.
ledger_row earlier_row(std::string chunk, std::int64_t count, chunk_status status, std::int64_t auto_pay = 1,
                       std::string order_id = "") {
  ledger_row r;
  r.time = "2026-01-01T00:00:00.000Z";  // long before: the settle window has passed
  r.run_id = "earlier";
  r.job = "t";
  r.fleet = chunk.substr(0, chunk.rfind('-'));
  r.chunk = chunk;
  r.count = count;
  r.status = status;
  r.attempt = 1;
  r.project_id = k_project;
  r.order_id = std::move(order_id);
  r.request = purchase_body(chunk, count, auto_pay);
  return r;
}

void write_ledger(const std::filesystem::path& p, const std::vector<ledger_row>& rows) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << ledger_header();
  for (const auto& r : rows) out << format_row(r);
}

TEST(replay_test, failed_chunks_are_bought_exactly_once_and_a_second_replay_buys_nothing) {
  ops_env e;
  emulator_process emu(e.dir, {"--fault", "no_balance:1"});
  e.write({{"eu", 25}, {"us", 10}}, emu.url());
  auto run = run_cphfleet({"run", e.job.string()}, aksk_env());
  ASSERT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(emu.orders().empty());
  ledger_index idx(read_ledger(e.ledger));
  EXPECT_EQ(idx.totals("eu").failed_chunks, 3);

  emu.set_faults("{}");            // the balance is topped up
  std::filesystem::remove(e.job);  // the ledger alone is enough
  auto replay = e.cmd({"replay", "--json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  expect_ledger_matches_emulator(e.ledger, emu, {{"eu", 25}, {"us", 10}});

  auto again = e.cmd({"replay", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(boost::json::parse(again.out).at("requests").to_number<std::int64_t>(), 0);
  EXPECT_EQ(emu.orders().size(), 4u);

  EXPECT_EQ(e.cmd({"audit"}).exit_code, 0);
}

TEST(replay_test, filters_pick_chunks_and_an_ordered_chunk_is_never_resent) {
  ops_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 10}}, emu.url());
  write_ledger(e.ledger, {earlier_row("eu-001", 10, chunk_status::sending),
                          earlier_row("eu-001", 10, chunk_status::ordered, 1, "CS0000000000ORDER"),
                          earlier_row("eu-002", 10, chunk_status::failed),
                          earlier_row("us-001", 5, chunk_status::failed)});
  auto ordered = e.cmd({"replay", "--chunk", "eu-001", "--json"});
  EXPECT_EQ(ordered.exit_code, 0) << ordered.err;
  EXPECT_TRUE(emu.orders().empty());

  auto one_fleet = e.cmd({"replay", "--fleet", "us"});
  EXPECT_EQ(one_fleet.exit_code, 0) << one_fleet.err;
  auto orders = emu.orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].server_name, "us-001");
  EXPECT_EQ(orders[0].count, 5);

  auto unknown_chunk = e.cmd({"replay", "--chunk", "eu-999"});
  EXPECT_EQ(unknown_chunk.exit_code, 2);
  EXPECT_NE(unknown_chunk.err.find("--chunk: 'eu-999' is not in the ledger"), std::string::npos)
      << unknown_chunk.err;
}

TEST(replay_test, a_refused_replay_still_prints_the_summary_with_exit_2_and_the_error) {
  ops_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 10}}, emu.url());
  write_ledger(e.ledger, {earlier_row("eu-001", 10, chunk_status::failed)});
  auto r = e.cmd({"replay", "--chunk", "eu-999", "--json"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  auto doc = boost::json::parse(r.out).as_object();
  EXPECT_EQ(doc.at("exit_code").to_number<int>(), 2);
  std::string error(doc.at("error").at("message").as_string());
  EXPECT_NE(error.find("--chunk: 'eu-999' is not in the ledger"), std::string::npos) << r.out;
  EXPECT_EQ(emu.stats().at("purchases").to_number<std::int64_t>(), 0);
}

TEST(reconcile_test, a_ledger_it_cannot_read_exits_2_with_the_summary_and_the_error) {
  ops_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 10}}, emu.url());
  write_file(e.ledger, "not,a,ledger\n");
  auto r = e.cmd({"reconcile", "--json"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  auto doc = boost::json::parse(r.out).as_object();
  EXPECT_EQ(doc.at("exit_code").to_number<int>(), 2);
  EXPECT_NE(std::string(doc.at("error").at("message").as_string()).find(e.ledger.string()), std::string::npos)
      << r.out;
  EXPECT_EQ(slurp(e.ledger), "not,a,ledger\n");  // never "repaired"
}

TEST(reconcile_test, leftovers_of_a_killed_run_are_settled_both_ways) {
  ops_env e;
  emulator_process emu(e.dir, {"--settle", "50"});
  e.write({{"eu", 30}}, emu.url());
  // eu-001 reached the service before the crash; eu-002 never did; eu-003 was unpaid, so unreadable.
  std::string order = buy_directly(emu, "eu-001", 10);
  // The emulator shows new servers in lists only after its settle time: reconcile must find them.
  ASSERT_TRUE(poll_until([&] { return emu.listed_servers("eu-001") == 10; }));
  write_ledger(e.ledger, {earlier_row("eu-001", 10, chunk_status::sending),
                          earlier_row("eu-002", 10, chunk_status::sending),
                          earlier_row("eu-003", 10, chunk_status::unknown, 0)});
  auto r = e.cmd({"reconcile"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // eu-003 stays unknown
  EXPECT_NE(r.out.find("eu-001: sending -> ordered order " + order), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("eu-002: sending -> retrying"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("eu-003: unknown -> unknown"), std::string::npos) << r.out;
  ledger_index idx(read_ledger(e.ledger));
  EXPECT_EQ(idx.latest("eu-001")->order_id, order);
  EXPECT_EQ(idx.latest("eu-002")->status, chunk_status::retrying);
  EXPECT_EQ(emu.orders().size(), 1u);  // reconcile reads; it never buys
}

TEST(reconcile_test, nothing_unresolved_exits_0) {
  ops_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 10}}, emu.url());
  write_ledger(e.ledger, {earlier_row("eu-001", 10, chunk_status::failed)});
  auto r = e.cmd({"reconcile"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("nothing to reconcile"), std::string::npos) << r.out;
}

TEST(reconcile_test, adopt_order_takes_chunk_equals_order_id_and_refuses_anything_else_before_sending) {
  ops_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 10}}, emu.url());
  write_ledger(e.ledger, {earlier_row("eu-001", 10, chunk_status::unknown)});
  auto bad = e.cmd({"reconcile", "--adopt-order", "eu-001", "--adopt-order", "=CS1"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--adopt-order: 'eu-001' is not CHUNK=ORDER_ID\n--adopt-order: '=CS1' is not "
                         "CHUNK=ORDER_ID"),
            std::string::npos)
      << bad.err;
  // The order is checked in the billing service: without one, nothing is recorded, and the chunk is
  // left unknown (exit 3).
  auto unchecked = e.cmd({"reconcile", "--adopt-order", "eu-001=CS2611261000ABCDE", "--json"});
  EXPECT_EQ(unchecked.exit_code, 3) << unchecked.out << unchecked.err;
  EXPECT_NE(unchecked.out.find("--adopt-order eu-001=CS2611261000ABCDE: the order is checked in the billing "
                               "service, and none is configured ([billing])"),
            std::string::npos)
      << unchecked.out;
  EXPECT_EQ(read_ledger(e.ledger).size(), 1u);
  EXPECT_TRUE(emu.orders().empty());
}

TEST(audit_test, finds_an_orphan_bought_behind_the_ledgers_back_and_a_phantom) {
  ops_env e;
  emulator_process emu(e.dir, {"--settle", "0"});
  e.write({{"eu", 20}}, emu.url());
  ASSERT_EQ(run_cphfleet({"run", e.job.string()}, aksk_env()).exit_code, 0);
  ASSERT_EQ(e.cmd({"audit"}).exit_code, 0);

  std::string orphan = buy_directly(emu, "eu-001", 2);  // a duplicate under an ordered chunk's name
  buy_directly(emu, "eu-007", 1);                       // a chunk the ledger never had
  {
    std::ofstream out(e.ledger, std::ios::binary | std::ios::app);
    out << format_row(earlier_row("eu-005", 10, chunk_status::ordered, 1, "CS0000000000GHOST"));
  }
  // Both purchases show in the lists the audit reads (10 + 2 under eu-001, 1 under eu-007).
  ASSERT_TRUE(
      poll_until([&] { return emu.listed_servers("eu-001") == 12 && emu.listed_servers("eu-007") == 1; }));
  auto r = e.cmd({"audit", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto doc = boost::json::parse(r.out).as_object();
  EXPECT_FALSE(doc.at("agrees").as_bool());
  const auto& fleet = doc.at("fleets").as_array().at(0).as_object();
  const auto& orphans = fleet.at("orphans").as_array();
  ASSERT_EQ(orphans.size(), 2u);
  EXPECT_EQ(orphans[0].at("chunk").as_string(), "eu-001");
  EXPECT_EQ(orphans[0].at("order_id").as_string(), orphan);
  EXPECT_EQ(orphans[1].at("chunk").as_string(), "eu-007");
  const auto& phantoms = fleet.at("phantoms").as_array();
  ASSERT_EQ(phantoms.size(), 1u);
  EXPECT_EQ(phantoms[0].at("chunk").as_string(), "eu-005");
  // The text names the way out for the chunk the ledger lacks.
  auto text = e.cmd({"audit"});
  EXPECT_NE(text.out.find("to record the orphans of chunks the ledger lacks: cphfleet adopt --fleet eu"),
            std::string::npos)
      << text.out;
}

TEST(ledger_command_test, filters_select_what_they_say) {
  ops_env e;
  auto recent = utc_now_rfc3339();
  auto row = [&](std::string chunk, chunk_status s, std::string time) {
    ledger_row r = earlier_row(std::move(chunk), 10, s);
    r.time = std::move(time);
    return r;
  };
  write_ledger(e.ledger,
               {row("eu-001", chunk_status::sending, "2026-01-01T00:00:00.000Z"),
                row("eu-001", chunk_status::ordered, "2026-01-01T00:00:01.000Z"),
                row("eu-002", chunk_status::sending, "2026-01-01T00:00:02.000Z"),
                row("eu-002", chunk_status::failed, recent), row("us-001", chunk_status::sending, recent)});
  auto json_of = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"ledger", "--ledger", e.ledger.string(), "--json"});
    auto r = run_cphfleet(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return boost::json::parse(r.out).as_object();
  };
  auto chunks_of = [](const boost::json::object& doc) {
    std::vector<std::string> out;
    for (const auto& r : doc.at("rows").as_array())
      out.push_back(std::string(r.at("chunk").as_string()) + ":" + std::string(r.at("status").as_string()));
    return out;
  };
  EXPECT_EQ(json_of({}).at("rows").as_array().size(), 5u);
  EXPECT_EQ(chunks_of(json_of({"--fleet", "us"})), (std::vector<std::string>{"us-001:sending"}));
  EXPECT_EQ(chunks_of(json_of({"--status", "failed"})), (std::vector<std::string>{"eu-002:failed"}));
  EXPECT_EQ(chunks_of(json_of({"--latest"})),
            (std::vector<std::string>{"eu-001:ordered", "eu-002:failed", "us-001:sending"}));
  EXPECT_EQ(chunks_of(json_of({"--since", "1h"})),
            (std::vector<std::string>{"eu-002:failed", "us-001:sending"}));
  auto totals = json_of({"--fleet", "eu"}).at("fleets").as_array();
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].at("servers_ordered").to_number<std::int64_t>(), 10);
  EXPECT_EQ(totals[0].at("chunks_failed").to_number<std::int64_t>(), 1);

  auto bad = run_cphfleet({"ledger", "--ledger", e.ledger.string(), "--status", "done"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(
      bad.err.find("--status: 'done' is not a status (allowed: sending, ordered, retrying, failed, unknown)"),
      std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace cphfleet::test

// `cphfleet orders` and `cphfleet cancel` end to end: the runner as a child process against
// `cphfleet emulator` (which bills every purchase) over real TCP.
#include "api/bss.hpp"
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace cphfleet::test {
namespace {

constexpr const char* k_domain = "acct00000001";

struct billing_env {
  temp_dir tmp{"orders"};
  std::filesystem::path dir = tmp.path();
  std::filesystem::path job = dir / "job.toml";
  std::filesystem::path config = dir / "config.toml";
  std::filesystem::path ledger = dir / "orders.csv";

  void write(const std::vector<fleet_def>& fleets, const std::string& url, std::int64_t auto_pay,
             bool billing = true) {
    write_file(job, job_text(fleets, auto_pay));
    write_file(config, config_text(url) + (billing ? "[billing]\nendpoint = \"" + url + "\"\n" : ""));
  }
  static std::vector<std::string> env() {
    auto e = aksk_env();
    e.push_back(std::string("HUAWEICLOUD_SDK_DOMAIN_ID=") + k_domain);
    return e;
  }
  run_result cphfleet(std::vector<std::string> args) const { return run_cphfleet(args, env()); }
  run_result run() const { return cphfleet({"run", job.string()}); }
};

std::map<std::string, boost::json::object> orders_by_chunk(const run_result& r) {
  std::map<std::string, boost::json::object> out;
  // Held by name: a range-for over a member of parse()'s temporary would walk a destroyed document.
  boost::json::value doc = boost::json::parse(r.out);
  for (const auto& v : doc.at("orders").as_array())
    out[std::string(v.at("chunk").as_string())] = v.as_object();
  return out;
}

std::string order_of(const std::filesystem::path& ledger, const std::string& chunk) {
  ledger_index idx(read_ledger(ledger));
  const ledger_row* row = idx.latest(chunk);
  return row ? row->order_id : "";
}

void cancel_through_bss(emulator_process& emu, const std::string& order_id) {
  // The emulator checks signatures on every API, the billing calls included.
  const std::string path(bss_path::cancel_order);
  const std::string body = write_cancel_request(order_id);
  std::string date = sdk_date(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::vector<std::pair<std::string, std::string>> headers{
      {"Host", "127.0.0.1:" + std::to_string(emu.port())},
      {"X-Sdk-Date", date},
      {"X-Domain-Id", k_domain},
      {"Content-Type", "application/json"}};
  signing_input in{"PUT", path, "", headers, body};
  headers.emplace_back("Authorization", authorization(k_ak, k_sk, in));
  http_client c("127.0.0.1", emu.port());
  auto r = c.request("PUT", path, headers, body);
  ASSERT_EQ(r.status, 200u) << r.body;
}

TEST(orders_test, orders_json_shows_each_billing_state_with_amounts_as_decimal_text) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_domain});
  e.write({{"unpaid", 2}, {"paid", 1}, {"gone", 1}}, emu.url(), 0);
  auto r = e.run();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(emu.admin("POST", "/_emulator/orders/" + order_of(e.ledger, "paid-001") + "/pay").status, 200u);
  cancel_through_bss(emu, order_of(e.ledger, "gone-001"));

  auto shown = e.cphfleet({"orders", "--config", e.config.string(), "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.out << shown.err;
  auto by_chunk = orders_by_chunk(shown);
  ASSERT_EQ(by_chunk.size(), 3u) << shown.out;
  const auto& unpaid = by_chunk.at("unpaid-001");
  EXPECT_EQ(unpaid.at("state").as_string(), "pending payment");
  EXPECT_EQ(unpaid.at("status").as_int64(), 6);
  EXPECT_EQ(unpaid.at("fleet").as_string(), "unpaid");
  EXPECT_EQ(unpaid.at("count").as_int64(), 2);
  EXPECT_EQ(unpaid.at("order_id").as_string(), order_of(e.ledger, "unpaid-001"));
  EXPECT_EQ(unpaid.at("official_amount").as_string(), "6400.00");
  EXPECT_EQ(unpaid.at("currency").as_string(), "CNY");
  EXPECT_EQ(unpaid.at("payment_time").as_string(), "");
  EXPECT_TRUE(parse_bss_time(unpaid.at("create_time").as_string()).has_value());
  const auto& paid = by_chunk.at("paid-001");
  EXPECT_EQ(paid.at("state").as_string(), "completed");
  EXPECT_EQ(paid.at("official_amount").as_string(), "3200.00");
  EXPECT_TRUE(parse_bss_time(paid.at("payment_time").as_string()).has_value());
  EXPECT_EQ(by_chunk.at("gone-001").at("state").as_string(), "cancelled");

  // The table says the same, one line per chunk, and --fleet narrows it.
  auto table = e.cphfleet({"orders", "--config", e.config.string(), "--fleet", "unpaid"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("pending payment"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("6400.00"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("\npaid-001"), std::string::npos) << table.out;  // "unpaid-001" holds it
  EXPECT_EQ(r.err.find(k_sk), std::string::npos) << r.err;
}

TEST(orders_test, cancel_makes_the_next_run_buy_the_chunk_again_exactly_once) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_domain});
  e.write({{"declined", 2}, {"kept", 1}}, emu.url(), 0);
  ASSERT_EQ(e.run().exit_code, 0);
  const std::string declined = order_of(e.ledger, "declined-001");
  const std::string kept = order_of(e.ledger, "kept-001");
  ASSERT_EQ(emu.admin("POST", "/_emulator/orders/" + kept + "/pay").status, 200u);

  auto c =
      e.cphfleet({"cancel", "--config", e.config.string(), "--fleet", "declined", "--chunk", "kept-001"});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("cancelled declined-001: order " + declined), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("left alone: kept-001: order " + kept + " is completed, not pending payment"),
            std::string::npos)
      << c.out;
  ledger_index idx(read_ledger(e.ledger));
  const ledger_row* row = idx.latest("declined-001");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->status, chunk_status::failed);
  EXPECT_EQ(row->error_msg, "order cancelled: nothing bought");
  EXPECT_EQ(row->order_id, declined);
  EXPECT_EQ(idx.latest("kept-001")->status, chunk_status::ordered);

  // The next run buys the declined chunk again, once; a run after that buys nothing.
  ASSERT_EQ(e.run().exit_code, 0);
  ASSERT_EQ(e.run().exit_code, 0);
  auto orders = emu.orders();
  EXPECT_EQ(std::count_if(orders.begin(), orders.end(),
                          [](const emulator_order& o) { return o.server_name == "declined-001"; }),
            2);
  EXPECT_EQ(std::count_if(orders.begin(), orders.end(),
                          [](const emulator_order& o) { return o.server_name == "kept-001"; }),
            1);
  EXPECT_EQ(orders.size(), 3u);
  ledger_index after(read_ledger(e.ledger));
  EXPECT_EQ(after.latest("declined-001")->status, chunk_status::ordered);
  EXPECT_NE(after.latest("declined-001")->order_id, declined);
}

TEST(orders_test, without_a_billing_table_the_commands_exit_2_naming_it) {
  billing_env e;
  e.write({{"x", 1}}, "http://127.0.0.1:9", 1, false);
  auto o = e.cphfleet({"orders", "--config", e.config.string()});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err,
            e.config.string() +
                ": billing: is missing (required by cphfleet orders: a [billing] table with site = \"cn\", "
                "\"intl\" or \"eu\", or an endpoint)\n");
  auto c = e.cphfleet({"cancel", "--config", e.config.string(), "--fleet", "x"});
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_EQ(c.err,
            e.config.string() +
                ": billing: is missing (required by cphfleet cancel: a [billing] table with site = \"cn\", "
                "\"intl\" or \"eu\", or an endpoint)\n");
  auto neither = e.cphfleet({"cancel", "--config", e.config.string()});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_EQ(neither.err, "--fleet: is missing (required: --fleet F or --chunk C)\n");
}

}  // namespace
}  // namespace cphfleet::test

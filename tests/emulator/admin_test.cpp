// The /_emulator/ endpoints over real sockets: orders, paying an unpaid one, faults and reset.
#include "emulator/admin.hpp"

#include "emulator/emulator_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace cphfleet {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace test;

TEST(emulator_admin_test, an_unpaid_order_creates_no_servers_until_it_is_paid) {
  running_emulator emu;
  auto c = emu.client();
  auto r = buy(c, purchase_body("unpaid", 2, 0));
  ASSERT_EQ(r.status, 200u);
  EXPECT_TRUE(r.json().at("server_ids").as_array().empty());
  EXPECT_EQ(list(c, "?server_name=unpaid").at("count").as_int64(), 0);
  ASSERT_EQ(orders_of(c).size(), 1u);

  std::string order_id(r.json().at("order_id").as_string());
  EXPECT_EQ(c.request("POST", "/_emulator/orders/" + order_id + "/pay").status, 200u);
  EXPECT_EQ(list(c, "?server_name=unpaid").at("count").as_int64(), 2);
  EXPECT_EQ(c.request("POST", "/_emulator/orders/" + order_id + "/pay").status, 404u);
}

TEST(emulator_admin_test, faults_change_at_run_time_and_reset_forgets_everything) {
  emulator_options o;
  o.script = "2:busy";
  running_emulator emu(o);
  auto c = emu.client();
  auto set = c.request("POST", "/_emulator/faults", {}, R"({"error503": 1})");
  ASSERT_EQ(set.status, 200u) << set.body;
  EXPECT_EQ(json::serialize(set.json()), R"({"faults":{"error503":1E0}})");
  EXPECT_EQ(buy(c, purchase_body("a")).status, 503u);
  EXPECT_EQ(buy(c, purchase_body("a")).error_code(), "CPS.0042") << "the script still names purchase 2";
  EXPECT_EQ(c.request("POST", "/_emulator/faults", {}, "{}").status, 200u);
  EXPECT_EQ(buy(c, purchase_body("a")).status, 200u);

  auto bad = c.request("POST", "/_emulator/faults", {}, R"({"thrott": 0.1})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.error_msg(),
            "fault \"thrott\": unknown fault kind \"thrott\" (throttle, busy, error500, error502, "
            "error503, error504, commit_then_504, commit_then_drop, drop_before, slow_commit, no_balance, "
            "provision_fail, phone_fail, pay_drop)");
  bad = c.request("POST", "/_emulator/faults", {}, R"({"busy": 0.7, "error500": 0.7})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.error_msg(), "fault probabilities add up to 1.4 (at most 1)");
  EXPECT_EQ(c.request("POST", "/_emulator/faults", {}, "[1]").status, 400u);

  ASSERT_EQ(orders_of(c).size(), 1u);
  EXPECT_EQ(c.request("POST", "/_emulator/reset").status, 200u);
  EXPECT_TRUE(orders_of(c).empty());
  EXPECT_EQ(list(c, "").at("count").as_int64(), 0);
  EXPECT_EQ(c.request("GET", "/_emulator/stats").json().at("purchases").to_number<std::uint64_t>(), 0u);
  EXPECT_EQ(buy(c, purchase_body("b")).status, 200u);
  EXPECT_EQ(buy(c, purchase_body("b")).error_code(), "CPS.0042") << "purchases are counted from 1 again";
}

}  // namespace
}  // namespace cphfleet

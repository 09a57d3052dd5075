// Approval mode end to end (README "Money"): a run without auto-pay, `orders`, `pay` within the money
// guard, the servers coming up, and a pay whose answer is lost: `cphfleet` as a child process against
// `cphfleet emulator` over real TCP.
#include "support/billing_env.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace cphfleet::test {
namespace {

std::vector<ledger_row> pay_rows(const billing_env& e, const std::string& chunk) {
  std::vector<ledger_row> out;
  for (auto& row : read_ledger(e.ledger))
    if (row.chunk == chunk && is_payment_row(row)) out.push_back(row);
  return out;
}

// How many times the emulator took a pay of the order (an auto-paid one counts 1).
std::int64_t pay_count(emulator_process& emu, const std::string& order_id) {
  boost::json::value doc = emu.admin("GET", "/_emulator/orders").json();
  for (const auto& o : doc.at("orders").as_array())
    if (o.at("order_id").as_string() == order_id) return o.at("pay_count").to_number<std::int64_t>();
  return -1;
}

std::string order_state(billing_env& e, const std::string& chunk) {
  auto r = e.cphfleet(e.with_config({"orders", "--json"}));
  boost::json::value doc = boost::json::parse(r.out);
  for (const auto& o : doc.at("orders").as_array())
    if (o.at("chunk").as_string() == chunk) return std::string(o.at("state").as_string());
  return "";
}

TEST(pay_test, an_unpaid_run_is_reviewed_paid_within_the_guard_and_its_servers_come_up) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_billing_domain, "--provision", "200"});
  e.write({{"web", 12}}, emu.url(), 0);
  auto run = e.run();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(
      run.out.find("review them with `cphfleet orders`, pay them with `cphfleet pay --max-amount AMOUNT`"),
      std::string::npos)
      << run.out;
  EXPECT_EQ(order_state(e, "web-001"), "pending payment");
  EXPECT_EQ(order_state(e, "web-002"), "pending payment");

  // Finance's view: the amounts per fleet and state, in the metrics file as in the JSON.
  const auto prom = e.dir / "orders.prom";
  ASSERT_EQ(e.cphfleet(e.with_config({"orders", "--metrics-file", prom.string()})).exit_code, 0);
  EXPECT_NE(slurp(prom).find("fleet=\"web\",currency=\"CNY\",state=\"pending payment\"} 38400.00\n"),
            std::string::npos)
      << slurp(prom);

  // 12 x 3200.00: above the guard nothing is paid.
  auto refused = e.cphfleet(e.with_config({"pay", "--max-amount", "38399.99"}));
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("pay: 2 orders pending payment, 38400.00 CNY in total"), std::string::npos)
      << refused.out;
  EXPECT_NE(refused.err.find(
                "--max-amount: the pending orders total 38400.00 CNY, above the money guard's 38399.99 "
                "(--max-amount): nothing was paid"),
            std::string::npos)
      << refused.err;
  EXPECT_TRUE(pay_rows(e, "web-001").empty());
  EXPECT_EQ(order_state(e, "web-001"), "pending payment");

  // Within it, each order is paid once and recorded before and after.
  auto paid = e.cphfleet(e.with_config({"pay", "--max-amount", "38400.00", "--json"}));
  ASSERT_EQ(paid.exit_code, 0) << paid.out << paid.err;
  boost::json::value doc = boost::json::parse(paid.out);
  EXPECT_EQ(doc.at("total").as_string(), "38400.00");
  EXPECT_EQ(doc.at("paid").as_int64(), 2);
  for (const char* chunk : {"web-001", "web-002"}) {
    auto rows = pay_rows(e, chunk);
    ASSERT_EQ(rows.size(), 2u) << chunk;
    EXPECT_EQ(rows[0].error_code, "PAY.SENDING");
    EXPECT_EQ(rows[1].error_code, "PAY.PAID");
    EXPECT_EQ(rows[1].status, chunk_status::ordered);
    EXPECT_EQ(rows[1].order_id, e.order_of(chunk));
    EXPECT_EQ(order_state(e, chunk), "completed");
    EXPECT_EQ(pay_count(emu, e.order_of(chunk)), 1);
  }
  // The chunks stay ordered: nothing to buy, and a second pay finds nothing pending.
  auto again = e.cphfleet(e.with_config({"pay", "--max-amount", "38400.00"}));
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("pay: 0 orders pending payment"), std::string::npos) << again.out;
  EXPECT_EQ(pay_rows(e, "web-001").size(), 2u);
  auto plan = e.cphfleet({"plan", e.job.string()});
  EXPECT_NE(plan.out.find("nothing to send"), std::string::npos) << plan.out;

  // Paid, the servers appear and come up.
  auto status =
      e.cphfleet(e.with_config({"status", e.job.string(), "--wait", "--interval", "1s", "--timeout", "60s"}));
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_EQ(emu.orders().size(), 2u);
}

TEST(pay_test, a_pay_whose_answer_is_lost_is_settled_by_the_orders_state_and_never_paid_twice) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_billing_domain, "--fault", "pay_drop:1"});
  e.write({{"web", 3}}, emu.url(), 0);
  ASSERT_EQ(e.run().exit_code, 0);
  auto paid = e.cphfleet(e.with_config({"pay", "--max-amount", "9600.00"}));
  ASSERT_EQ(paid.exit_code, 0) << paid.out << paid.err;
  auto rows = pay_rows(e, "web-001");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].error_code, "PAY.PAID");
  EXPECT_NE(rows[1].error_msg.find("the order is completed"), std::string::npos) << rows[1].error_msg;
  EXPECT_EQ(order_state(e, "web-001"), "completed");
  EXPECT_EQ(pay_count(emu, e.order_of("web-001")), 1);
  // A second pay finds it completed and pays nothing.
  ASSERT_EQ(e.cphfleet(e.with_config({"pay", "--max-amount", "9600.00"})).exit_code, 0);
  EXPECT_EQ(pay_count(emu, e.order_of("web-001")), 1);
}

TEST(pay_test, a_lost_answer_while_the_payment_is_under_way_is_recorded_so_and_not_repeated) {
  billing_env e;
  emulator_process emu(e.dir,
                       {"--domain-id", k_billing_domain, "--fault", "pay_drop:1", "--pay-ms", "600000"});
  e.write({{"web", 1}}, emu.url(), 0);
  ASSERT_EQ(e.run().exit_code, 0);
  auto paid = e.cphfleet(e.with_config({"pay", "--max-amount", "3200.00"}));
  ASSERT_EQ(paid.exit_code, 0) << paid.out << paid.err;
  auto rows = pay_rows(e, "web-001");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].error_code, "PAY.UNDER_WAY");
  EXPECT_EQ(order_state(e, "web-001"), "processing");
  // The next pay finds it being processed and leaves it alone.
  auto again = e.cphfleet(e.with_config({"pay", "--max-amount", "3200.00"}));
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(pay_rows(e, "web-001").size(), 2u);
  EXPECT_EQ(pay_count(emu, e.order_of("web-001")), 1);
}

TEST(pay_test, pay_needs_a_limit_and_names_what_it_pays) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_billing_domain});
  e.write({{"web", 1}}, emu.url(), 0);
  ASSERT_EQ(e.run().exit_code, 0);
  auto r = e.cphfleet(e.with_config({"pay"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-amount: is missing (required: the most this pay may spend"), std::string::npos)
      << r.err;
  auto chunk = e.cphfleet(e.with_config({"pay", "--chunk", "nope-001", "--max-amount", "1"}));
  EXPECT_EQ(chunk.exit_code, 2);
  EXPECT_NE(chunk.err.find("--chunk: 'nope-001' is not in the ledger"), std::string::npos) << chunk.err;
  EXPECT_EQ(order_state(e, "web-001"), "pending payment");
}

}  // namespace
}  // namespace cphfleet::test

// The price of a run and the money guard end to end (README "Money"): `plan` and `run` as child
// processes against `cphfleet emulator`, whose price inquiry answers from its price table
// (src/emulator/billing.cpp: physical.rx1.xlarge is 3200.00 CNY a month).
#include "support/billing_env.hpp"

#include <gtest/gtest.h>

namespace cphfleet::test {
namespace {

TEST(money_test, plan_prices_each_fleet_and_the_total_exactly_as_the_price_table) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_billing_domain});
  e.write({{"web", 47}, {"eu", 12}}, emu.url(), 1, true, "", emulator_products_text());
  auto r = e.cphfleet({"plan", e.job.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  boost::json::value doc = boost::json::parse(r.out);
  const auto& price = doc.at("price").as_object();
  EXPECT_EQ(price.at("currency").as_string(), "CNY");
  EXPECT_EQ(price.at("total").as_string(), "188800.00");  // 59 x 3200.00, as decimal text
  const auto& fleets = price.at("fleets").as_array();
  ASSERT_EQ(fleets.size(), 2u);
  EXPECT_EQ(fleets[0].at("fleet").as_string(), "web");
  EXPECT_EQ(fleets[0].at("servers").as_int64(), 47);
  EXPECT_EQ(fleets[0].at("amount").as_string(), "150400.00");
  EXPECT_EQ(fleets[1].at("amount").as_string(), "38400.00");
  EXPECT_TRUE(emu.orders().empty());  // pricing buys nothing

  auto table = e.cphfleet({"plan", e.job.string()});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("  web: 47 x physical.rx1.xlarge for 1 month: 150400.00 CNY\n"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("price: 188800.00 CNY (list price) for 59 servers\n"), std::string::npos)
      << table.out;
}

TEST(money_test, a_run_above_the_money_guard_buys_nothing_and_one_under_it_buys) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_billing_domain});
  e.write({{"web", 4}}, emu.url(), 1, true, "max_amount_per_run = \"12799.99\"\n", emulator_products_text());
  auto refused = e.run();
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(
      refused.err.find("max_amount_per_run: the run's list price 12800.00 CNY is above the money guard's "
                       "12799.99 ([limits] max_amount_per_run in " +
                       e.config.string() + "): nothing was bought"),
      std::string::npos)
      << refused.err;
  EXPECT_TRUE(emu.orders().empty());
  EXPECT_EQ(emu.stats().at("purchases").to_number<std::int64_t>(), 0) << boost::json::serialize(emu.stats());

  // plan says the same before anyone runs it.
  auto plan = e.cphfleet({"plan", e.job.string()});
  EXPECT_EQ(plan.exit_code, 2) << plan.out;
  EXPECT_NE(plan.out.find("price: 12800.00 CNY (list price) for 4 servers; money guard: at most 12799.99"),
            std::string::npos)
      << plan.out;

  // --max-amount over the config's: exactly the price is allowed.
  auto bought = e.run({"--max-amount", "12800.00"});
  ASSERT_EQ(bought.exit_code, 0) << bought.out << bought.err;
  auto orders = emu.orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].count, 4);
}

TEST(money_test, a_money_guard_that_cannot_be_priced_refuses_the_run) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_billing_domain});
  // No [billing.products] for the flavor: no quote, so no pass.
  e.write({{"web", 2}}, emu.url(), 1, true, "max_amount_per_run = \"1000000.00\"\n");
  auto r = e.run();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(
      r.err.find("max_amount_per_run: the money guard ([limits] max_amount_per_run in " + e.config.string() +
                 ": at most 1000000.00) cannot be checked: no billing codes for "
                 "[billing.products.\"physical.rx1.xlarge\"] in " +
                 e.config.string()),
      std::string::npos)
      << r.err;
  EXPECT_TRUE(emu.orders().empty());

  // Codes the service does not know: the inquiry fails, and the run is refused too.
  e.write({{"web", 2}}, emu.url(), 1, true, "max_amount_per_run = \"1000000.00\"\n",
          emulator_products_text().replace(emulator_products_text().find(".cph\""), 5, ".nope\""));
  auto unknown = e.run();
  EXPECT_EQ(unknown.exit_code, 2) << unknown.out << unknown.err;
  EXPECT_NE(unknown.err.find("cannot be checked: the price inquiry failed: "), std::string::npos)
      << unknown.err;
  EXPECT_TRUE(emu.orders().empty());
}

TEST(money_test, the_limit_is_a_decimal_string_and_needs_billing) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_billing_domain});
  e.write({{"web", 2}}, emu.url(), 1, true, "max_amount_per_run = 5000.0\n", emulator_products_text());
  auto as_float = e.cphfleet({"plan", e.job.string()});
  EXPECT_EQ(as_float.exit_code, 2);
  EXPECT_NE(as_float.err.find("limits.max_amount_per_run: is a float (allowed: a decimal string "
                              "such as \"5000.00\", at least 0)"),
            std::string::npos)
      << as_float.err;

  e.write({{"web", 2}}, emu.url(), 1, true, "max_amount_per_run = \"5,000\"\n", emulator_products_text());
  auto bad = e.cphfleet({"plan", e.job.string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("limits.max_amount_per_run: '5,000' is not an amount"), std::string::npos)
      << bad.err;

  e.write({{"web", 2}}, emu.url(), 1, false, "max_amount_per_run = \"5000.00\"\n");
  auto no_billing = e.cphfleet({"plan", e.job.string()});
  EXPECT_EQ(no_billing.exit_code, 2);
  EXPECT_NE(
      no_billing.err.find("limits.max_amount_per_run: is set but there is no [billing] to price a run with"),
      std::string::npos)
      << no_billing.err;

  e.write({{"web", 2}}, emu.url(), 1, true, "", emulator_products_text());
  auto flag = e.run({"--max-amount", "12.3.4"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.err.find("--max-amount: '12.3.4' is not an amount"), std::string::npos) << flag.err;
  EXPECT_TRUE(emu.orders().empty());
}

TEST(money_test, billing_codes_prints_the_emulators_codes_in_the_configs_form) {
  billing_env e;
  emulator_process emu(e.dir, {"--domain-id", k_billing_domain});
  e.write({{"web", 3}}, emu.url(), 1);
  ASSERT_EQ(e.run().exit_code, 0);
  const std::string order = e.order_of("web-001");
  auto r = e.cphfleet(e.with_config({"billing", "codes", order}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("# The billing codes of order " + order +
                       " (chunk web-001), as read off its 3 resources.\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(emulator_products_text()), std::string::npos) << r.out;

  // Pasted into the config, they price the next plan.
  e.write({{"web", 5}}, emu.url(), 1, true, "", r.out);
  auto plan = e.cphfleet({"plan", e.job.string(), "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_EQ(boost::json::parse(plan.out).at("price").at("total").as_string(), "6400.00");  // 2 more servers
}

}  // namespace
}  // namespace cphfleet::test

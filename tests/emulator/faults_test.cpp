#include "emulator/faults.hpp"

#include "emulator/emulator_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>

#include <stdexcept>
#include <vector>

namespace cphfleet {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace test;

std::string error_of(auto f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

std::vector<fault_kind> draw(fault_plan& plan, int n) {
  std::vector<fault_kind> out;
  for (int i = 0; i < n; ++i) out.push_back(plan.next());
  return out;
}

TEST(emulator_faults_test, fault_options_parse_kind_and_probability) {
  EXPECT_EQ(parse_fault_option("throttle:0.25"), std::make_pair(fault_kind::throttle, 0.25));
  EXPECT_EQ(parse_fault_option("commit_then_drop:1"), std::make_pair(fault_kind::commit_then_drop, 1.0));
  EXPECT_EQ(
      error_of([] { parse_fault_option("thrott:0.1"); }),
      "--fault \"thrott:0.1\": unknown fault kind \"thrott\" (throttle, busy, error500, error502, error503, "
      "error504, commit_then_504, commit_then_drop, drop_before, slow_commit, no_balance, provision_fail, "
      "phone_fail, pay_drop)");
  EXPECT_EQ(error_of([] { parse_fault_option("busy"); }),
            "--fault \"busy\": expected KIND:PROBABILITY, like throttle:0.1");
  EXPECT_EQ(error_of([] { parse_fault_option("busy:x"); }),
            "--fault \"busy:x\": probability \"x\" is not a number (0..1)");
  EXPECT_EQ(error_of([] { parse_fault_option("busy:1.5"); }),
            "--fault \"busy:1.5\": probability must be 0..1 (got 1.5)");
}

TEST(emulator_faults_test, a_script_names_exact_purchase_numbers) {
  auto s = parse_fault_script("3:commit_then_drop, 7:busy");
  EXPECT_EQ(s, (fault_script{{3, fault_kind::commit_then_drop}, {7, fault_kind::busy}}));
  EXPECT_TRUE(parse_fault_script("").empty());
  EXPECT_EQ(error_of([] { parse_fault_script("0:busy"); }),
            "--script \"0:busy\": \"0\" is not a purchase number (1, 2, ...)");
  EXPECT_EQ(error_of([] { parse_fault_script("2:busy,,3:busy"); }),
            "--script \"2:busy,,3:busy\": empty item (expected N:KIND,...)");
  EXPECT_EQ(error_of([] { parse_fault_script("2-busy"); }), "--script \"2-busy\": \"2-busy\" is not N:KIND");
  EXPECT_EQ(error_of([] { parse_fault_script("2:busy,2:error500"); }),
            "--script \"2:busy,2:error500\": purchase 2 is named twice");
  EXPECT_EQ(error_of([] { parse_fault_script("2:bsy"); }).substr(0, 42),
            "--script \"2:bsy\": unknown fault kind \"bsy\"");
}

TEST(emulator_faults_test, probabilities_must_add_up_to_at_most_one) {
  EXPECT_EQ(checked_probabilities({{"throttle", 0.5}, {"busy", 0.5}}).size(), 2u);
  EXPECT_EQ(error_of([] {
              checked_probabilities({{"throttle", 0.6}, {"busy", 0.6}});
            }),
            "fault probabilities add up to 1.2 (at most 1)");
  EXPECT_EQ(error_of([] {
              checked_probabilities({{"busy", -0.1}});
            }),
            "fault \"busy\": probability must be 0..1 (got -0.1)");
}

TEST(emulator_faults_test, the_script_hits_exactly_its_purchases) {
  fault_plan plan({}, parse_fault_script("2:busy,4:slow_commit"), 1);
  EXPECT_EQ(draw(plan, 5), (std::vector<fault_kind>{fault_kind::none, fault_kind::busy, fault_kind::none,
                                                    fault_kind::slow_commit, fault_kind::none}));
  EXPECT_EQ(plan.purchases(), 5u);
}

TEST(emulator_faults_test, the_same_seed_repeats_the_same_faults) {
  fault_probabilities p{{fault_kind::busy, 0.3}, {fault_kind::error500, 0.2}};
  fault_plan a(p, {}, 42), b(p, {}, 42), c(p, {}, 43);
  auto da = draw(a, 200), db = draw(b, 200), dc = draw(c, 200);
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
  auto busy = std::count(da.begin(), da.end(), fault_kind::busy);
  auto e500 = std::count(da.begin(), da.end(), fault_kind::error500);
  EXPECT_GT(busy, 30);  // about 60 expected; these bounds are many deviations wide
  EXPECT_LT(busy, 90);
  EXPECT_GT(e500, 15);
  EXPECT_LT(e500, 65);
}

TEST(emulator_faults_test, a_script_does_not_shift_the_random_faults_of_other_purchases) {
  fault_probabilities p{{fault_kind::throttle, 0.5}};
  fault_plan plain(p, {}, 9), scripted(p, parse_fault_script("3:drop_before"), 9);
  auto a = draw(plain, 20), b = draw(scripted, 20);
  EXPECT_EQ(b[2], fault_kind::drop_before);
  a[2] = b[2];
  EXPECT_EQ(a, b);
}

TEST(emulator_faults_test, pay_drop_is_drawn_per_pay_and_never_for_a_purchase) {
  // Outside the purchase sum: 0.9 of busy and certain pay_drop are fine together.
  fault_probabilities p = checked_probabilities({{"busy", 0.9}, {"pay_drop", 1.0}});
  fault_plan plan(p, parse_fault_script("2:pay_drop,3:busy"), 7);
  auto purchases = draw(plan, 50);
  EXPECT_EQ(std::count(purchases.begin(), purchases.end(), fault_kind::pay_drop), 0);
  EXPECT_EQ(purchases[2], fault_kind::busy);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(plan.next_pay(), fault_kind::pay_drop);
  // Scripted: only the second pay; the purchases' numbers are their own.
  fault_plan scripted({}, parse_fault_script("2:pay_drop,1:busy"), 7);
  EXPECT_EQ(scripted.next_pay(), fault_kind::none);
  EXPECT_EQ(scripted.next_pay(), fault_kind::pay_drop);
  EXPECT_EQ(scripted.next_pay(), fault_kind::none);
  EXPECT_EQ(draw(scripted, 2), (std::vector<fault_kind>{fault_kind::busy, fault_kind::none}));
  scripted.restart();
  EXPECT_EQ(scripted.next_pay(), fault_kind::none);
  EXPECT_EQ(scripted.next_pay(), fault_kind::pay_drop);
  EXPECT_EQ(parse_fault_option("pay_drop:0.5"), std::make_pair(fault_kind::pay_drop, 0.5));
  EXPECT_FALSE(fault_before_commit(fault_kind::pay_drop));
}

TEST(emulator_faults_test, restart_replays_the_sequence_from_purchase_one) {
  fault_plan plan({{fault_kind::busy, 0.5}}, parse_fault_script("1:error504"), 5);
  auto first = draw(plan, 30);
  plan.restart();
  EXPECT_EQ(plan.purchases(), 0u);
  EXPECT_EQ(draw(plan, 30), first);
  EXPECT_EQ(first[0], fault_kind::error504);
}

TEST(emulator_faults_test, kinds_before_commit_take_nothing) {
  for (auto k : {fault_kind::throttle, fault_kind::busy, fault_kind::error500, fault_kind::error502,
                 fault_kind::error503, fault_kind::error504, fault_kind::drop_before, fault_kind::no_balance})
    EXPECT_TRUE(fault_before_commit(k)) << fault_name(k);
  for (auto k : {fault_kind::commit_then_504, fault_kind::commit_then_drop, fault_kind::slow_commit})
    EXPECT_FALSE(fault_before_commit(k)) << fault_name(k);
}

// ---- over real sockets ----

TEST(emulator_faults_test, each_fault_kind_does_what_it_says) {
  emulator_options o;
  o.script =
      "1:throttle,2:busy,3:error500,4:error502,5:error503,6:error504,7:drop_before,8:commit_then_504,"
      "9:commit_then_drop,10:slow_commit,11:no_balance";
  running_emulator emu(o);
  auto admin = emu.client();
  auto c = emu.client(2s);
  auto orders = [&] { return orders_of(admin).size(); };

  auto r = buy(c, purchase_body("f1"));
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.error_code(), "APIGW.0308");
  r = buy(c, purchase_body("f2"));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "CPS.0042");
  r = buy(c, purchase_body("f3"));
  EXPECT_EQ(r.status, 500u);
  r = buy(c, purchase_body("f4"));
  EXPECT_EQ(r.status, 502u);
  EXPECT_EQ(r.header("Content-Type"), "text/html");
  EXPECT_NE(r.body.find("<h1>502 Bad Gateway</h1>"), std::string::npos);
  r = buy(c, purchase_body("f5"));
  EXPECT_EQ(r.status, 503u);
  r = buy(c, purchase_body("f6"));
  EXPECT_EQ(r.status, 504u);
  EXPECT_EQ(orders(), 0u) << "nothing taken before commit";

  EXPECT_THROW(buy(c, purchase_body("f7")), boost::system::system_error) << "drop_before";
  EXPECT_EQ(orders(), 0u);

  r = buy(c, purchase_body("f8"));
  EXPECT_EQ(r.status, 504u);
  EXPECT_EQ(orders(), 1u) << "commit_then_504 took the order";

  EXPECT_THROW(buy(c, purchase_body("f9")), boost::system::system_error) << "commit_then_drop";
  ASSERT_EQ(orders(), 2u);
  EXPECT_EQ(orders_of(admin)[1].at("server_name").as_string(), "f9");

  c.set_timeout(300ms);
  try {
    buy(c, purchase_body("f10"));
    ADD_FAILURE() << "slow_commit answered in time";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), beast::error::timeout);
  }
  EXPECT_EQ(orders(), 3u) << "slow_commit took the order";

  c.set_timeout(2s);
  r = buy(c, purchase_body("f11"));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "CPS.0999");
  EXPECT_EQ(orders(), 3u) << "no_balance took nothing";
  EXPECT_EQ(buy(c, purchase_body("f12")).status, 200u) << "purchase 12 is not scripted";
  EXPECT_EQ(admin.request("GET", "/_emulator/stats").json().at("faults").to_number<std::uint64_t>(), 11u);
}

TEST(emulator_faults_test, a_slow_commit_answers_late_to_a_client_that_waits) {
  emulator_options o;
  o.script = "1:slow_commit";
  o.slow_commit_ms = 200;
  running_emulator emu(o);
  auto c = emu.client();
  auto start = std::chrono::steady_clock::now();
  auto r = buy(c, purchase_body("late"));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("Connection"), "close");
}

TEST(emulator_faults_test, the_same_seed_gives_the_same_fault_sequence) {
  auto sequence = [](std::uint64_t seed) {
    emulator_options o;
    o.faults = {{"busy", 0.3}, {"error500", 0.2}, {"throttle", 0.1}};
    o.seed = seed;
    running_emulator emu(o);
    auto c = emu.client();
    std::string out;
    for (int i = 0; i < 30; ++i)
      out += std::to_string(buy(c, purchase_body(fmt::format("s{}", i))).status) + " ";
    return out;
  };
  auto a = sequence(42);
  EXPECT_EQ(a, sequence(42));
  EXPECT_NE(a, sequence(43));
  EXPECT_NE(a.find("200"), std::string::npos);
  EXPECT_NE(a.find("400"), std::string::npos);
}

}  // namespace
}  // namespace cphfleet

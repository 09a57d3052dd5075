#include "emulator/faults.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace cphfleet {
namespace {

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
      "error504, commit_then_504, commit_then_drop, drop_before, slow_commit, no_balance)");
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

}  // namespace
}  // namespace cphfleet

// The token bucket and the backoff policy: pure arithmetic on a given clock.
#include "base/token_bucket.hpp"
#include "base/backoff.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

TEST(token_bucket_test, a_full_bucket_gives_its_burst_then_the_rate) {
  token_bucket b(10, 5, 0.0);
  int taken = 0;
  for (int i = 0; i < 20; ++i) taken += b.try_take(0.0);
  EXPECT_EQ(taken, 5);
  EXPECT_FALSE(b.try_take(0.05));  // half a token
  EXPECT_TRUE(b.try_take(0.1));
  EXPECT_NEAR(b.wait_s(0.1), 0.1, 1e-9);
}

TEST(token_bucket_test, over_any_second_no_more_than_rate_plus_burst) {
  token_bucket b(20, 4, 0.0);
  int taken = 0;
  for (int ms = 0; ms <= 1000; ++ms) taken += b.try_take(ms / 1000.0);
  EXPECT_LE(taken, 24);
  EXPECT_GE(taken, 23);
}

TEST(token_bucket_test, reserved_tokens_make_later_callers_wait_in_turn) {
  token_bucket b(10, 1, 0.0);
  EXPECT_EQ(b.wait_s(0.0), 0.0);
  b.take(0.0);
  EXPECT_NEAR(b.wait_s(0.0), 0.1, 1e-9);
  b.take(0.0);
  EXPECT_NEAR(b.wait_s(0.0), 0.2, 1e-9);
}

TEST(token_bucket_test, lowering_the_rate_and_draining_slows_the_next_token) {
  token_bucket b(100, 10, 0.0);
  b.set_rate(5, 0.0);
  b.drain(0.0);
  EXPECT_NEAR(b.wait_s(0.0), 0.2, 1e-9);
}

TEST(backoff_test, the_ceiling_doubles_up_to_the_cap) {
  backoff_policy p{500, 30000};
  EXPECT_EQ(p.ceiling_ms(1), 500);
  EXPECT_EQ(p.ceiling_ms(2), 1000);
  EXPECT_EQ(p.ceiling_ms(4), 4000);
  EXPECT_EQ(p.ceiling_ms(7), 30000);
  EXPECT_EQ(p.ceiling_ms(60), 30000);
}

TEST(backoff_test, full_jitter_spreads_over_the_whole_range) {
  backoff_policy p{1000, 30000};
  std::mt19937_64 rng(7);
  std::int64_t lo = 1'000'000, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    auto d = p.delay(3, rng).count();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 4000);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, 200);
  EXPECT_GT(hi, 3800);
}

}  // namespace
}  // namespace cphfleet

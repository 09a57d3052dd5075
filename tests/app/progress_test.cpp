#include "app/progress.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

TEST(progress_test, rates_are_over_the_last_seconds_not_the_run_s_average) {
  progress_meter m(10);
  // 100 requests in the first 10 s, then nothing for 20 s, then 5/s.
  for (int t = 0; t <= 10; ++t) m.add(t, t * 10, t * 100);
  EXPECT_DOUBLE_EQ(m.requests_per_s(), 10.0);
  EXPECT_DOUBLE_EQ(m.servers_per_s(), 100.0);
  for (int t = 11; t <= 30; ++t) m.add(t, 100, 1000);
  EXPECT_DOUBLE_EQ(m.requests_per_s(), 0.0);  // the run's average would say 3.3/s
  for (int t = 31; t <= 40; ++t) m.add(t, 100 + (t - 30) * 5, 1000);
  EXPECT_DOUBLE_EQ(m.requests_per_s(), 5.0);
}

TEST(progress_test, one_sample_gives_no_rate) {
  progress_meter m;
  EXPECT_EQ(m.requests_per_s(), 0.0);
  m.add(0.5, 3, 30);
  EXPECT_EQ(m.requests_per_s(), 0.0);
}

TEST(progress_test, the_segments_say_done_of_target_eta_rate_cap_throttled_and_unknown) {
  progress_figures f;
  f.command = "run";
  f.ordered = 30;
  f.target = 50;
  f.unknown = 10;
  f.servers_per_s = 2;
  f.requests_per_s = 0.2;
  f.rate_cap = 2.5;
  f.configured_rate = 5;
  f.throttled = 3;
  f.in_flight = 1;
  f.requests = 4;
  f.retries = 1;
  EXPECT_EQ(
      progress_segments(f),
      (std::vector<std::string>{"run: 30/50 servers (60%)", "ETA 5 s", "0.2 req/s (cap 2.5/s)", "3 throttled",
                                "10 unknown", "1 in flight", "4 requests", "1 retries"}));
}

TEST(progress_test, waiting_to_settle_says_what_and_how_long_right_after_the_count) {
  progress_figures f;
  f.command = "reconcile";
  f.ordered = 20;
  f.unknown = 10;
  f.settling = 1;
  f.next_settle_s = 42;
  f.configured_rate = 5;
  f.rate_cap = 5;
  auto s = progress_segments(f);
  ASSERT_GE(s.size(), 3u);
  EXPECT_EQ(s[0], "reconcile: 20 servers ordered");
  EXPECT_EQ(s[1], "settling 1 chunk, next read in 42 s");
  EXPECT_EQ(s[2], "0.0 req/s") << "no cap shown at the configured rate";
}

TEST(progress_test, a_long_eta_reads_in_minutes_and_hours) {
  progress_figures f;
  f.command = "run";
  f.target = 10000;
  f.servers_per_s = 2;
  EXPECT_EQ(progress_segments(f)[1], "ETA 1 h 23 min");
  f.target = 200;
  EXPECT_EQ(progress_segments(f)[1], "ETA 1 min 40 s");
}

}  // namespace
}  // namespace cphfleet

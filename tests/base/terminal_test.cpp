#include "base/terminal.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

TEST(terminal_test, fit_width_keeps_what_fits_and_cuts_the_rest_with_an_ellipsis) {
  EXPECT_EQ(fit_width("run: 12/47", 20), "run: 12/47");
  EXPECT_EQ(fit_width("run: 12/47", 10), "run: 12/47");
  EXPECT_EQ(fit_width("run: 12/47", 9), "run: 12/\u2026");
  EXPECT_EQ(display_width(fit_width("run: 12/47", 9)), 9u);
  EXPECT_EQ(fit_width("abc", 0), "");
}

TEST(terminal_test, fit_width_counts_wide_characters_twice_and_never_splits_one) {
  // Four wide characters take 8 columns: in 5, two fit and the ellipsis takes the fifth.
  std::string cut = fit_width("游戏舰队", 5);
  EXPECT_EQ(cut, "游戏\u2026");
  EXPECT_LE(display_width(cut), 5u);
  EXPECT_EQ(fit_width("游戏舰队", 4), "游\u2026");  // the second would need columns 3-4, the ellipsis 5
}

TEST(terminal_test, join_fitting_never_exceeds_the_width_and_drops_the_last_segments_first) {
  std::vector<std::string> segments{"run: 30/47 servers (63%)",
                                    "ETA 12 s",
                                    "4.0 req/s (cap 2.0/s)",
                                    "1 throttled",
                                    "2 in flight",
                                    "8 requests"};
  for (std::size_t width = 1; width <= 140; ++width) {
    std::string line = join_fitting(segments, width);
    EXPECT_LE(display_width(line), width) << width << ": " << line;
    EXPECT_FALSE(line.empty()) << width;
  }
  EXPECT_EQ(join_fitting(segments, 40), "run: 30/47 servers (63%) \u00b7 ETA 12 s");
  EXPECT_EQ(
      join_fitting(segments, 200),
      "run: 30/47 servers (63%) \u00b7 ETA 12 s \u00b7 4.0 req/s (cap 2.0/s) \u00b7 1 throttled \u00b7 2 in "
      "flight \u00b7 8 requests");
  EXPECT_EQ(join_fitting(segments, 10), "run: 30/4\u2026");
}

TEST(terminal_test, columns_are_80_when_stderr_is_not_a_terminal) {
  if (stderr_is_terminal()) GTEST_SKIP() << "stderr is a terminal here";
  EXPECT_EQ(terminal_columns(), 80u);
  EXPECT_EQ(progress_width(), 79u);
}

}  // namespace
}  // namespace cphfleet

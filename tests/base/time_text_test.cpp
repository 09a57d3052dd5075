#include "base/time_text.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {
namespace {

using namespace std::chrono;

// Nanoseconds since the epoch, so a table can hold the exact expected instant.
std::optional<std::int64_t> parsed_ns(std::string_view text) {
  auto t = parse_utc_rfc3339(text);
  if (!t) return std::nullopt;
  return duration_cast<nanoseconds>(t->time_since_epoch()).count();
}

constexpr std::int64_t s_ns = 1'000'000'000;

TEST(time_text_test, rfc3339_forms_are_utc_and_floor_times_before_1970) {
  struct row {
    std::int64_t unix_ms;
    std::string ms, s;
  };
  for (const row& r : std::vector<row>{
           {0, "1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00Z"},
           {1'595'870'865'123, "2020-07-27T17:27:45.123Z", "2020-07-27T17:27:45Z"},
           {1'595'870'865'999, "2020-07-27T17:27:45.999Z", "2020-07-27T17:27:45Z"},  // dropped, not rounded
           {951'782'400'000, "2000-02-29T00:00:00.000Z", "2000-02-29T00:00:00Z"},
           {1'735'689'599'001, "2024-12-31T23:59:59.001Z", "2024-12-31T23:59:59Z"},
           {-1, "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59Z"},
           {-1000, "1969-12-31T23:59:59.000Z", "1969-12-31T23:59:59Z"},
           {-1001, "1969-12-31T23:59:58.999Z", "1969-12-31T23:59:58Z"},
           {4'107'542'400'000, "2100-03-01T00:00:00.000Z", "2100-03-01T00:00:00Z"},  // 2100: no Feb 29
       }) {
    EXPECT_EQ(rfc3339_ms(r.unix_ms), r.ms) << r.unix_ms;
    EXPECT_EQ(rfc3339_s(r.unix_ms), r.s) << r.unix_ms;
  }
  EXPECT_EQ(rfc3339_ms(system_clock::time_point(milliseconds(1'595'870'865'123) + microseconds(999))),
            "2020-07-27T17:27:45.123Z");
}

TEST(time_text_test, utc_now_reads_back_as_now) {
  auto before = floor<milliseconds>(system_clock::now());
  std::string now = utc_now_rfc3339();
  auto after = system_clock::now();
  ASSERT_EQ(now.size(), 24u) << now;
  auto t = parse_utc_rfc3339(now);
  ASSERT_TRUE(t) << now;
  EXPECT_GE(*t, before);
  EXPECT_LE(*t, after);
}

TEST(time_text_test, parse_reads_every_valid_form_to_the_exact_instant) {
  struct row {
    std::string_view text;
    std::int64_t ns;
  };
  const std::int64_t base = 1'795'687'200 * s_ns;  // 2026-11-26T10:00:00Z
  for (const row& r : std::vector<row>{
           {"2026-11-26T10:00:00Z", base},
           {"2026-11-26T10:00:00z", base},
           {"2026-11-26t10:00:00Z", base},
           {"2026-11-26T10:00:00.123Z", base + 123'000'000},
           {"2026-11-26T10:00:00.5Z", base + 500'000'000},
           {"2026-11-26T10:00:00.000001Z", base + 1'000},
           {"2026-11-26T10:00:00.123456789Z", base + 123'456'789},
           {"2026-11-26T10:00:00.1234567891234Z", base + 123'456'789},  // finer digits are dropped
           {"2026-11-26T10:00:00+00:00", base},
           {"2026-11-26T10:00:00-00:00", base},
           {"2026-11-26T18:00:00+08:00", base},  // Beijing
           {"2026-11-26T04:30:00-05:30", base},
           {"2026-11-27T09:59:00+23:59", base},
           {"2026-11-26T10:00:00.250+01:00", base - 3600 * s_ns + 250'000'000},
           {"2026-11-26T00:30:00+01:00", base - (10 * 3600 + 1800) * s_ns},  // 23:30 the day before
           {"1970-01-01T00:00:00Z", 0},
           {"1969-12-31T23:59:59.5Z", -s_ns / 2},
           {"2000-02-29T00:00:00Z", 951'782'400 * s_ns},  // 2000 is a leap year (divisible by 400)
           {"2024-02-29T12:00:00Z", 1'709'208'000 * s_ns},
           {"2024-12-31T23:59:59Z", 1'735'689'599 * s_ns},
           {"2262-04-11T23:47:15Z", 9'223'372'035 * s_ns},  // near the end of a nanosecond clock
       }) {
    EXPECT_EQ(parsed_ns(r.text), r.ns) << r.text;
  }
}

TEST(time_text_test, parse_refuses_dates_that_do_not_exist_and_times_out_of_range) {
  for (std::string_view text : {
           "2026-02-29T00:00:00Z",  // 2026 is a common year
           "2100-02-29T00:00:00Z",  // divisible by 100, not by 400: common
           "2026-02-30T00:00:00Z",
           "2026-04-31T00:00:00Z",
           "2026-13-01T00:00:00Z",
           "2026-00-10T00:00:00Z",
           "2026-01-00T00:00:00Z",
           "2026-01-32T00:00:00Z",
           "2026-01-01T24:00:00Z",
           "2026-01-01T23:60:00Z",
           "2026-12-31T23:59:60Z",  // a leap second: Unix time has none (see time_text.cpp)
           "2026-01-01T00:00:00+24:00",
           "2026-01-01T00:00:00+01:60",
           "9999-12-31T23:59:59Z",  // beyond what the clock can hold
           "1000-01-01T00:00:00Z",
       }) {
    EXPECT_EQ(parsed_ns(text), std::nullopt) << text;
  }
}

TEST(time_text_test, parse_refuses_every_other_shape) {
  for (std::string_view text : {
           "",
           "2026-11-26",
           "2026-11-26T10:00:00",   // no zone
           "2026-11-26 10:00:00Z",  // a space for T
           "2026-11-2610:00:00Z",   // no T
           " 2026-11-26T10:00:00Z",
           "2026-11-26T10:00:00Z ",  // trailing bytes
           "2026-11-26T10:00:00Zx",
           "2026-11-26T10:00:00.Z",  // a fraction needs a digit
           "2026-11-26T10:00:00,5Z",
           "2026-11-26T10:00Z",
           "2026-11-26T10:00:0Z",
           "26-11-26T10:00:00Z",
           "2026-1-26T10:00:00Z",
           "+2026-11-26T10:00:00Z",
           "2026-11-26T10:00:00+0100",
           "2026-11-26T10:00:00+01",
           "2026-11-26T10:00:00+01:00:00",
           "2026-11-26T10:00:00UTC",
           "2026-11-26T1a:00:00Z",
           "2026/11/26T10:00:00Z",
           "2026-11-26T10:00:00.12 Z",
       }) {
    EXPECT_EQ(parsed_ns(text), std::nullopt) << '"' << text << '"';
  }
  EXPECT_EQ(parse_utc_rfc3339(std::string_view("2026-11-26T10:00:00\0Z", 21)), std::nullopt);
}

TEST(time_text_test, sdk_date_writes_and_reads_the_compact_utc_form) {
  struct row {
    std::int64_t unix_s;
    std::string_view text;
  };
  for (const row& r : std::vector<row>{
           {0, "19700101T000000Z"},
           {1'136'214'245, "20060102T150405Z"},
           {951'782'400, "20000229T000000Z"},
           {1'795'687'200, "20261126T100000Z"},
           {-1, "19691231T235959Z"},
       }) {
    EXPECT_EQ(sdk_date(r.unix_s), r.text);
    EXPECT_EQ(parse_sdk_date(r.text), r.unix_s) << r.text;
  }
}

TEST(time_text_test, parse_sdk_date_refuses_impossible_dates_and_other_shapes) {
  for (std::string_view text : {
           "",
           "20260229T000000Z",  // not a leap year
           "20260431T000000Z",
           "20261301T000000Z",
           "20260101T240000Z",
           "20260101T236000Z",
           "20261231T235960Z",  // no leap seconds
           "20260101T000000",
           "20260101 000000Z",
           "20260101t000000Z",
           "20260101T000000z",
           "2026-01-01T00:00:00Z",
           "20260101T000000Z ",
           "2026010aT000000Z",
           "+0260101T000000Z",
       }) {
    EXPECT_EQ(parse_sdk_date(text), std::nullopt) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace cphfleet

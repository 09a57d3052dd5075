#include "base/decimal.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace cphfleet {
namespace {

decimal d(std::string_view text) {
  auto v = decimal::parse(text);
  if (!v) throw std::invalid_argument(std::string(text));
  return *v;
}

TEST(decimal_test, keeps_the_digits_written) {
  EXPECT_EQ(d("12.50").text(), "12.50");
  EXPECT_EQ(d("0").text(), "0");
  EXPECT_EQ(d("-0.30").text(), "-0.30");
  EXPECT_EQ(d("3200").text(), "3200");
  EXPECT_EQ(d("0.000001").text(), "0.000001");
}

TEST(decimal_test, adds_without_the_errors_of_binary_floating_point) {
  EXPECT_EQ((d("0.1") + d("0.2")).text(), "0.3");
  EXPECT_EQ(d("0.1") + d("0.2"), d("0.30"));
  EXPECT_EQ((d("5600.50") + d("0.25")).text(), "5600.75");
  EXPECT_EQ((d("1") - d("0.01")).text(), "0.99");
  decimal sum;
  for (int i = 0; i < 1000; ++i) sum += d("0.01");
  EXPECT_EQ(sum.text(), "10.00");
}

TEST(decimal_test, multiplies_by_a_count_exactly) {
  EXPECT_EQ(d("12.50").times(3).text(), "37.50");
  EXPECT_EQ(d("2999.99").times(10000).text(), "29999900.00");
  EXPECT_EQ(d("0.07").times(0).text(), "0.00");
}

TEST(decimal_test, compares_across_scales) {
  EXPECT_LT(d("4999.99"), d("5000"));
  EXPECT_EQ(d("5000.00"), d("5000"));
  EXPECT_GT(d("5000.001"), d("5000.00"));
  EXPECT_LT(d("-1"), d("0"));
}

TEST(decimal_test, reads_json_exponents_as_the_same_value) {
  EXPECT_EQ(d("1.25E2").text(), "125");
  EXPECT_EQ(d("125e-2").text(), "1.25");
  EXPECT_EQ(d("1.5e+1"), d("15"));
  EXPECT_EQ(d("3e3").text(), "3000");
}

TEST(decimal_test, refuses_what_is_not_a_json_number) {
  for (std::string_view bad : {"", "-", "+1", "1.", ".5", "01", "1,5", " 1", "1 ", "1e", "0x10", "1.2.3",
                               "NaN", "inf", "1e-19", "0.0000000000000000001"})
    EXPECT_FALSE(decimal::parse(bad)) << bad;
}

TEST(decimal_test, refuses_magnitudes_an_amount_cannot_have) {
  EXPECT_TRUE(decimal::parse("999999999999999999.99"));
  EXPECT_FALSE(decimal::parse("1000000000000000000"));
  EXPECT_FALSE(decimal::parse("1e18"));
  EXPECT_FALSE(decimal::parse("123456789012345678901234567890123456789012"));
  EXPECT_THROW(d("999999999999999999").times(10), std::overflow_error);
  EXPECT_THROW((d("999999999999999999") + d("1")), std::overflow_error);
}

TEST(decimal_test, fixed_rounds_half_away_from_zero) {
  EXPECT_EQ(d("12.345").fixed(2), "12.35");
  EXPECT_EQ(d("12.344").fixed(2), "12.34");
  EXPECT_EQ(d("-12.345").fixed(2), "-12.35");
  EXPECT_EQ(d("12").fixed(2), "12.00");
  EXPECT_EQ(d("0.5").fixed(0), "1");
}

}  // namespace
}  // namespace cphfleet

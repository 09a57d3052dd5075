// Money as decimals, never binary floating point: a price, a quote, a guard's limit and their sums keep
// every digit the service or the operator wrote ("12.50" × 3 is "37.50", and 0.1 + 0.2 is 0.3).
#pragma once
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cphfleet {

// Wide enough for any two amounts aligned to max_scale (10^36 < 2^127); `__extension__` because ISO C++
// has no 128-bit integer.
__extension__ typedef __int128 decimal_units;

class decimal {
 public:
  // At most this many digits after the point (BSS amounts carry a few; a limit more is a typo).
  static constexpr int max_scale = 18;
  static constexpr int max_whole_digits = 18;  // a magnitude below 10^18

  decimal() = default;
  static decimal of(std::int64_t whole) { return make(whole, 0); }

  // A JSON number's text: `-?digits[.digits][e[+-]digits]`, exactly (no spaces, no `+`, no leading
  // zeros but one). nullopt for anything else, for a scale above max_scale, or for a magnitude of
  // 10^18 or more.
  static std::optional<decimal> parse(std::string_view text);

  // Plain text with the scale it has ("37.50", "-0.3", "12"); never an exponent.
  std::string text() const;
  // The text with exactly `digits` after the point: rounded half away from zero when it has more.
  std::string fixed(int digits) const;
  int scale() const { return scale_; }
  bool negative() const { return units_ < 0; }
  bool zero() const { return units_ == 0; }

  // Exact; throw std::overflow_error for a magnitude of 10^18 or more.
  decimal operator+(const decimal& other) const;
  decimal& operator+=(const decimal& other) { return *this = *this + other; }
  decimal operator-(const decimal& other) const;
  decimal times(std::int64_t factor) const;

  friend std::strong_ordering operator<=>(const decimal& a, const decimal& b);
  friend bool operator==(const decimal& a, const decimal& b) { return (a <=> b) == 0; }

 private:
  decimal(decimal_units units, int scale) : units_(units), scale_(scale) {}
  static decimal make(decimal_units units, int scale);  // checked
  decimal_units scaled_to(int scale) const;

  decimal_units units_ = 0;  // the value × 10^scale_
  int scale_ = 0;
};

}  // namespace cphfleet

#include "base/decimal.hpp"

#include <algorithm>
#include <stdexcept>

namespace cphfleet {

namespace {

constexpr decimal_units pow10(int n) {
  decimal_units p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

decimal_units magnitude(decimal_units v) { return v < 0 ? -v : v; }

[[noreturn]] void too_large() { throw std::overflow_error("decimal: an amount of 10^18 or more"); }

}  // namespace

decimal decimal::make(decimal_units units, int scale) {
  if (magnitude(units) >= pow10(max_whole_digits + scale)) too_large();
  return decimal(units, scale);
}

// Every value is below 10^18 with at most max_scale fraction digits, so at max_scale it stays below 10^36.
decimal_units decimal::scaled_to(int scale) const { return units_ * pow10(scale - scale_); }

std::optional<decimal> decimal::parse(std::string_view t) {
  std::size_t i = 0;
  const bool minus = i < t.size() && t[i] == '-';
  if (minus) ++i;
  decimal_units units = 0;
  int digits = 0;  // significant digits so far (leading zeros do not count)
  constexpr int most = max_whole_digits + max_scale;
  auto take = [&](char c) {
    units = units * 10 + (c - '0');
    if (units != 0) ++digits;
    return digits <= most;
  };
  const std::size_t int_begin = i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9')
    if (!take(t[i++])) return std::nullopt;
  const std::size_t int_digits = i - int_begin;
  if (int_digits == 0 || (int_digits > 1 && t[int_begin] == '0')) return std::nullopt;
  int scale = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const std::size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (!take(t[i++])) return std::nullopt;
      ++scale;
    }
    if (i == from) return std::nullopt;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    const bool negative_exp = i < t.size() && t[i] == '-';
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    const std::size_t from = i;
    int exp = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      exp = exp * 10 + (t[i++] - '0');
      if (exp > most) return std::nullopt;
    }
    if (i == from) return std::nullopt;
    if (negative_exp) {
      scale += exp;
    } else {
      // The point moves right: through the fraction first, then by appending zeros.
      const int shift = std::min(exp, scale);
      scale -= shift;
      for (int k = shift; k < exp; ++k) {
        units *= 10;
        if (units != 0 && ++digits > most) return std::nullopt;
      }
    }
  }
  if (i != t.size() || scale > max_scale || magnitude(units) >= pow10(max_whole_digits + scale))
    return std::nullopt;
  return decimal(minus ? -units : units, scale);
}

std::string decimal::text() const {
  std::string digits;
  for (decimal_units m = magnitude(units_); m != 0 || digits.empty(); m /= 10)
    digits.push_back(static_cast<char>('0' + static_cast<int>(m % 10)));
  while (static_cast<int>(digits.size()) <= scale_) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  if (scale_ > 0) digits.insert(digits.end() - scale_, '.');
  return units_ < 0 ? "-" + digits : digits;
}

std::string decimal::fixed(int digits) const {
  digits = std::clamp(digits, 0, max_scale);
  if (digits >= scale_) return decimal(scaled_to(digits), digits).text();
  const decimal_units unit = pow10(scale_ - digits);
  const decimal_units m = magnitude(units_);
  decimal_units q = m / unit;
  if ((m % unit) * 2 >= unit) ++q;  // half away from zero
  return make(units_ < 0 ? -q : q, digits).text();
}

decimal decimal::operator+(const decimal& other) const {
  const int scale = std::max(scale_, other.scale_);
  return make(scaled_to(scale) + other.scaled_to(scale), scale);
}

decimal decimal::operator-(const decimal& other) const {
  const int scale = std::max(scale_, other.scale_);
  return make(scaled_to(scale) - other.scaled_to(scale), scale);
}

decimal decimal::times(std::int64_t factor) const {
  decimal_units out = 0;
  if (__builtin_mul_overflow(units_, static_cast<decimal_units>(factor), &out)) too_large();
  return make(out, scale_);
}

std::strong_ordering operator<=>(const decimal& a, const decimal& b) {
  const int scale = std::max(a.scale_, b.scale_);
  const decimal_units x = a.scaled_to(scale), y = b.scaled_to(scale);
  if (x < y) return std::strong_ordering::less;
  if (x > y) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

}  // namespace cphfleet

// Table-driven checks of the purchase body's rules (src/api/purchase_body.hpp), shared by the v1 and
// v2 tests: each case changes a valid request and names every api_error validate() must report.
#pragma once
#include "api/purchase_body.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

namespace cphfleet {

inline bool operator==(const api_error& a, const api_error& b) {
  return std::tie(a.field, a.message, a.code) == std::tie(b.field, b.message, b.code);
}
inline void PrintTo(const api_error& e, std::ostream* os) {
  *os << "{" << e.field << ", " << e.message << ", " << e.code << "}";
}

namespace testing {

struct rule_case {
  std::string rule;
  std::function<void(purchase_request&)> change;
  std::vector<api_error> expected;
};

inline void check_rules(const purchase_request& valid, const std::vector<rule_case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    purchase_request r = valid;
    c.change(r);
    EXPECT_EQ(validate(r), c.expected);
  }
}

}  // namespace testing
}  // namespace cphfleet

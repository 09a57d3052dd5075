#include "app/run_driver.hpp"

#include "app/exit_codes.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

TEST(run_driver_test, an_error_before_the_first_purchase_is_exit_2) {
  EXPECT_EQ(exit_code_after_error(exit_code::ok, false), exit_code::invalid);
  EXPECT_EQ(exit_code_after_error(exit_code::failed, false), exit_code::invalid);
}

TEST(run_driver_test, an_error_after_a_purchase_left_is_never_exit_2) {
  EXPECT_EQ(exit_code_after_error(exit_code::ok, true), exit_code::failed);
  EXPECT_EQ(exit_code_after_error(exit_code::failed, true), exit_code::failed);
  EXPECT_EQ(exit_code_after_error(exit_code::invalid, true), exit_code::failed);
}

TEST(run_driver_test, an_error_keeps_a_graver_exit_code_the_summary_already_has) {
  for (bool sent : {false, true}) {
    EXPECT_EQ(exit_code_after_error(exit_code::unresolved, sent), exit_code::unresolved);
    EXPECT_EQ(exit_code_after_error(exit_code::aborted, sent), exit_code::aborted);
    EXPECT_EQ(exit_code_after_error(exit_code::sigint, sent), exit_code::sigint);
    EXPECT_EQ(exit_code_after_error(exit_code::sigterm, sent), exit_code::sigterm);
  }
}

}  // namespace
}  // namespace cphfleet

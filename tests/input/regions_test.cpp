#include "input/regions.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace cphfleet {
namespace {

TEST(regions_test, the_table_holds_the_sdks_thirteen_regions_sorted) {
  auto regions = cph_regions();
  EXPECT_EQ(regions.size(), 13u);
  EXPECT_TRUE(std::is_sorted(regions.begin(), regions.end()));
  EXPECT_EQ(std::adjacent_find(regions.begin(), regions.end()), regions.end());
  for (std::string_view r :
       {"ru-northwest-2", "ap-southeast-1", "ap-southeast-3", "cn-north-4", "cn-north-9", "cn-south-1",
        "cn-southwest-2", "cn-east-2", "cn-east-3", "cn-east-4", "la-south-2", "la-north-2", "af-north-1"}) {
    EXPECT_NE(std::find(regions.begin(), regions.end(), r), regions.end()) << r;
  }
}

TEST(regions_test, a_region_maps_to_its_cph_endpoint_and_an_unknown_one_to_nothing) {
  EXPECT_EQ(cph_region_endpoint("cn-north-4"), "https://cph.cn-north-4.myhuaweicloud.com");
  EXPECT_EQ(cph_region_endpoint("af-north-1"), "https://cph.af-north-1.myhuaweicloud.com");
  EXPECT_EQ(cph_region_endpoint("ru-northwest-2"), "https://cph.ru-northwest-2.myhuaweicloud.com");
  EXPECT_EQ(cph_region_endpoint("cn-north-1"), std::nullopt);
  EXPECT_EQ(cph_region_endpoint("CN-NORTH-4"), std::nullopt);
  EXPECT_EQ(cph_region_endpoint(""), std::nullopt);
}

TEST(regions_test, the_override_variable_is_upper_case_with_underscores) {
  EXPECT_EQ(cph_region_override_variable("cn-north-4"), "HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4");
  EXPECT_EQ(cph_region_override_variable("ap-southeast-3"), "HUAWEICLOUD_SDK_REGION_CPH_AP_SOUTHEAST_3");
}

TEST(regions_test, the_list_reads_as_a_message_does) {
  EXPECT_EQ(
      cph_region_list(),
      "af-north-1, ap-southeast-1, ap-southeast-3, cn-east-2, cn-east-3, cn-east-4, cn-north-4, cn-north-9, "
      "cn-south-1, cn-southwest-2, la-north-2, la-south-2, ru-northwest-2");
}

}  // namespace
}  // namespace cphfleet

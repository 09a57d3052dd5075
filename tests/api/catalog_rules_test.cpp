#include "api/catalog_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace cphfleet {
namespace {

const std::string seed_image = "88b8449b896f3a4f0ad57222dd919899";

purchase_request request(std::string server_model, std::string phone_model, std::string image = seed_image) {
  purchase_request r;
  r.server_name = "a";
  r.count = 10;
  r.server_model_name = std::move(server_model);
  r.phone_model_name = std::move(phone_model);
  r.image_id = std::move(image);
  r.band_width.band_width_share_type = 0;
  return r;
}

// `CODE field: message`, one per problem.
std::vector<std::string> problems(const purchase_request& r, const catalog& cat = builtin_catalog()) {
  std::vector<std::string> out;
  for (const auto& e : check_against_catalog(r, cat))
    out.push_back(e.code + " " + e.field + ": " + e.message);
  return out;
}

using lines = std::vector<std::string>;

TEST(catalog_rules_test, catalog_values_pass) {
  EXPECT_EQ(problems(request("physical.rx1.xlarge", "aphs1.medium.4.aosp")), lines{});
  auto v2 = request("physical.rx1.xlarge.v2", "aphs1.medium.4.aosp.v2");
  v2.band_width.band_width_id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
  EXPECT_EQ(problems(v2), lines{});
}

TEST(catalog_rules_test, every_unknown_value_is_reported_with_the_service_code) {
  const std::string unknown_image = "ffffffffffffffffffffffffffffffff";
  EXPECT_EQ(problems(request("physical.rx9.huge", "aphs1.medium.4.aosp", unknown_image)),
            (lines{
                "CPS.0089 server_model_name: \"physical.rx9.huge\" is not a server model of the service "
                "(offered: physical.kg1.4xlarge.cg, physical.kg1.4xlarge.cp, physical.rx1.xlarge, "
                "physical.rx1.xlarge.cg, physical.rx1.xlarge.v2)",
                "CPS.0257 phone_model_name: \"aphs1.medium.4.aosp\" runs on server model "
                "physical.rx1.xlarge, not physical.rx9.huge (the service offers none on physical.rx9.huge)",
                "CPS.0030 image_id: \"ffffffffffffffffffffffffffffffff\" is not an image the service offers "
                "(see `cphfleet catalog images`)",
            }));
  EXPECT_EQ(problems(request("physical.rx1.xlarge", "kg1.large.8.aosp")),
            lines{"CPS.0257 phone_model_name: \"kg1.large.8.aosp\" runs on server model "
                  "physical.kg1.4xlarge.cp, not physical.rx1.xlarge (offered: aphs1.large.4.aosp, "
                  "aphs1.medium.4.aosp on physical.rx1.xlarge)"});
  EXPECT_EQ(problems(request("physical.rx1.xlarge", "aphs1.small.2.aosp")),
            lines{"CPS.0257 phone_model_name: \"aphs1.small.2.aosp\" is offline, not on sale (offered: "
                  "aphs1.large.4.aosp, aphs1.medium.4.aosp on physical.rx1.xlarge)"});
  auto unknown_bandwidth = request("physical.rx1.xlarge", "no.such.phone");
  unknown_bandwidth.band_width.band_width_id = "bw-unknown";
  EXPECT_EQ(problems(unknown_bandwidth),
            (lines{"CPS.0028 phone_model_name: \"no.such.phone\" is not a phone model of the service "
                   "(offered: aphs1.large.4.aosp, aphs1.medium.4.aosp on physical.rx1.xlarge)",
                   "CPS.0031 band_width.band_width_id: \"bw-unknown\" is not a shared bandwidth of this "
                   "account (see `cphfleet catalog bandwidths`)"}));
}

TEST(catalog_rules_test, an_unknown_phone_model_on_an_unknown_server_model_points_at_the_catalog) {
  auto p = problems(request("nope", "nada"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1],
            "CPS.0028 phone_model_name: \"nada\" is not a phone model of the service (see `cphfleet catalog "
            "phone-models`)");
}

TEST(catalog_rules_test, an_image_must_carry_the_image_label_of_the_phone_model) {
  EXPECT_EQ(
      problems(request("physical.kg1.4xlarge.cp", "kg1.large.8.aosp", "7d6c5b4a39281706f5e4d3c2b1a09f8e")),
      lines{});
  EXPECT_EQ(
      problems(request("physical.rx1.xlarge.cg", "aphs1.game.8.aosp", "9f1e2d3c4b5a69788796a5b4c3d2e1f0")),
      lines{});
  EXPECT_EQ(
      problems(request("physical.rx1.xlarge", "aphs1.medium.4.aosp", "e0d1c2b3a4958677685940312a1b0c9d")),
      lines{});  // a private image of the right label
  EXPECT_EQ(
      problems(request("physical.kg1.4xlarge.cp", "kg1.large.8.aosp")),
      lines{"CPS.0030 image_id: \"88b8449b896f3a4f0ad57222dd919899\" is a cloud_phone image, and phone model "
            "kg1.large.8.aosp runs cloud_phone_1620 images (offered: 7d6c5b4a39281706f5e4d3c2b1a09f8e)"});
}

TEST(catalog_rules_test, an_empty_catalog_rejects_everything) {
  auto p = problems(request("physical.rx1.xlarge", "aphs1.medium.4.aosp"), catalog{});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0],
            "CPS.0089 server_model_name: \"physical.rx1.xlarge\" is not a server model of the service (the "
            "service offers none)");
}

}  // namespace
}  // namespace cphfleet

namespace cphfleet {
namespace {

TEST(catalog_rules_test, a_v2_purchase_of_a_2_0_flavor_needs_a_phone_disk_and_fits_its_phones_per_ip) {
  const catalog cat = builtin_catalog();
  auto image = std::find_if(cat.images.begin(), cat.images.end(),
                            [](const phone_image& i) { return i.image_label == "cloud_phone_1620"; });
  ASSERT_NE(image, cat.images.end());
  purchase_request r = request("physical.kg1.4xlarge.cp", "kg1.medium.4.aosp.2", image->image_id);
  EXPECT_EQ(problems(r), lines{}) << "v1 has no such rule";
  r.api = purchase_api::v2;
  r.phone_count_per_ip = 33;
  EXPECT_EQ(
      problems(r),
      (lines{"APIGW.0201 phone_data_volume: is missing (required for phone model kg1.medium.4.aosp.2, a "
             "\"2.0\" flavor: { volume_type = \"SSD\" or \"GPSSD\", size = 1..32768 GiB })",
             "APIGW.0201 phone_count_per_ip: 33 is more than the 32 phones of phone model "
             "kg1.medium.4.aosp.2 (allowed: 1..32)"}));
  r.phone_data_volume = volume_spec{"SSD", 64};
  r.phone_count_per_ip = 32;
  EXPECT_EQ(problems(r), lines{});
}

}  // namespace
}  // namespace cphfleet

#include "api/catalog_rules.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

fleet_spec fleet(std::string name, int line, std::string server_model, std::string phone_model,
                 std::string image) {
  fleet_spec f;
  f.server_name = std::move(name);
  f.target = 10;
  f.line = line;
  f.column = 1;
  f.request.server_model_name = std::move(server_model);
  f.request.phone_model_name = std::move(phone_model);
  f.request.image_id = std::move(image);
  f.request.band_width.band_width_share_type = 0;
  return f;
}

std::vector<std::string> messages(const std::vector<diagnostic>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.to_string());
  return out;
}

const std::string seed_image = "88b8449b896f3a4f0ad57222dd919899";

TEST(catalog_check_test, a_job_of_catalog_values_passes) {
  job_spec job;
  job.path = "jobs/demo.toml";
  job.fleets = {fleet("game-eu", 12, "physical.rx1.xlarge", "aphs1.medium.4.aosp", seed_image),
                fleet("game-v2", 20, "physical.rx1.xlarge.v2", "aphs1.medium.4.aosp.v2", seed_image)};
  job.fleets[1].request.band_width.band_width_id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
  EXPECT_EQ(messages(check_against_catalog(job, builtin_catalog())), std::vector<std::string>{});
}

TEST(catalog_check_test, every_unknown_value_is_reported_at_its_fleet) {
  job_spec job;
  job.path = "jobs/x.toml";
  job.fleets = {fleet("a", 8, "physical.rx9.huge", "aphs1.medium.4.aosp", "ffffffffffffffffffffffffffffffff"),
                fleet("b", 15, "physical.rx1.xlarge", "kg1.large.8.aosp", seed_image),
                fleet("c", 22, "physical.rx1.xlarge", "aphs1.small.2.aosp", seed_image),
                fleet("d", 30, "physical.rx1.xlarge", "no.such.phone", seed_image)};
  job.fleets[3].request.band_width.band_width_id = "bw-unknown";
  EXPECT_EQ(
      messages(check_against_catalog(job, builtin_catalog())),
      (std::vector<std::string>{
          "jobs/x.toml:8:1: fleet[0].server_model_name: \"physical.rx9.huge\" is not a server model of the "
          "service (offered: physical.kg1.4xlarge.cp, physical.rx1.xlarge, physical.rx1.xlarge.v2)",
          "jobs/x.toml:8:1: fleet[0].phone_model_name: \"aphs1.medium.4.aosp\" runs on server model "
          "physical.rx1.xlarge, not physical.rx9.huge (the service offers none on physical.rx9.huge)",
          "jobs/x.toml:8:1: fleet[0].image_id: \"ffffffffffffffffffffffffffffffff\" is not an image the "
          "service "
          "offers (see `cphfleet catalog images`)",
          "jobs/x.toml:15:1: fleet[1].phone_model_name: \"kg1.large.8.aosp\" runs on server model "
          "physical.kg1.4xlarge.cp, not physical.rx1.xlarge (offered: aphs1.large.4.aosp, "
          "aphs1.medium.4.aosp "
          "on physical.rx1.xlarge)",
          "jobs/x.toml:22:1: fleet[2].phone_model_name: \"aphs1.small.2.aosp\" is offline, not on sale "
          "(offered: aphs1.large.4.aosp, aphs1.medium.4.aosp on physical.rx1.xlarge)",
          "jobs/x.toml:30:1: fleet[3].phone_model_name: \"no.such.phone\" is not a phone model of the "
          "service "
          "(offered: aphs1.large.4.aosp, aphs1.medium.4.aosp on physical.rx1.xlarge)",
          "jobs/x.toml:30:1: fleet[3].band_width.band_width_id: \"bw-unknown\" is not a shared bandwidth of "
          "this account (see `cphfleet catalog bandwidths`)",
      }));
}

TEST(catalog_check_test, an_unknown_phone_model_on_an_unknown_server_model_points_at_the_catalog) {
  job_spec job;
  job.path = "j.toml";
  job.fleets = {fleet("a", 3, "nope", "nada", seed_image)};
  auto m = messages(check_against_catalog(job, builtin_catalog()));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1],
            "j.toml:3:1: fleet[0].phone_model_name: \"nada\" is not a phone model of the service (see "
            "`cphfleet catalog phone-models`)");
}

TEST(catalog_check_test, an_empty_catalog_rejects_everything) {
  job_spec job;
  job.path = "j.toml";
  job.fleets = {fleet("a", 3, "physical.rx1.xlarge", "aphs1.medium.4.aosp", seed_image)};
  auto m = messages(check_against_catalog(job, catalog{}));
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0],
            "j.toml:3:1: fleet[0].server_model_name: \"physical.rx1.xlarge\" is not a server model of the "
            "service (the service offers none)");
}

}  // namespace
}  // namespace cphfleet

// `[job] api = "v2"` job files: v2's fields in [defaults] and per fleet, their rules pointed at the
// input, and the fields of one API refused in a job of the other.
#include "input/job_file.hpp"
#include "support/temp_files.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cphfleet {
namespace {

using testing::temp_files;

// Lines 1..13; a case's fleet body starts at line 14.
constexpr std::string_view v2_head =
    "[job]\n"
    "name = \"t\"\n"
    "api = \"v2\"\n"
    "[defaults]\n"
    "server_model_name = \"physical.rx1.xlarge\"\n"
    "phone_model_name = \"aphs1.medium.4.aosp\"\n"
    "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
    "tenant_vpc_id = \"4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b\"\n"
    "nics = [{ subnet_id = \"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\" }]\n"
    "public_ip = { eip = { type = \"5_bgp\" } }\n"
    "band_width = { band_width_share_type = 0, band_width_charge_mode = 0, band_width_size = 100 }\n"
    "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = 1 }\n"
    "[[fleet]]\n";
// Lines 14 and 15; a case's extra lines start at 16.
constexpr std::string_view game = "server_name = \"game\"\ncount = 5\n";

struct loaded {
  job_spec job;
  std::vector<std::string> errors;
};

loaded load_text(std::string_view text) {
  temp_files dir;
  loaded out;
  diagnostics errors;
  out.job = read_job(dir.write("j.toml", text), errors);
  for (const auto& d : errors) out.errors.push_back(d.to_string());
  return out;
}

struct job_case {
  std::string text;
  std::vector<std::string> expected;
};

void check_cases(const std::vector<job_case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(load_text(c.text).errors, c.expected);
  }
}

TEST(job_file_v2_test, a_v2_job_reads_into_v2_requests) {
  loaded l = load_text(std::string(v2_head) + std::string(game) +
                       "availability_zone = \"cn-east-3a\"\n"
                       "phone_count_per_ip = 2\n"
                       "phone_data_volume = { volume_type = \"SSD\", size = 64 }\n"
                       "property = '{\"ro.product.model\":\"P40\"}'\n"
                       "nics = [{ subnet_id = \"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\", ipv6_enable = true, "
                       "ipv6_bandwidth = { band_width_id = \"bw6\" } }]\n"
                       "band_width = { band_width_size = 300 }\n");
  ASSERT_EQ(l.errors, std::vector<std::string>{});
  EXPECT_EQ(l.job.api, purchase_api::v2);
  ASSERT_EQ(l.job.fleets.size(), 1u);
  const purchase_request& r = l.job.fleets[0].request;
  EXPECT_EQ(r.api, purchase_api::v2);
  EXPECT_EQ(r.tenant_vpc_id, "4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b");
  ASSERT_TRUE(r.nics);
  ASSERT_EQ(r.nics->size(), 1u);  // the fleet's list replaced the default one whole
  EXPECT_EQ((*r.nics)[0].ipv6_enable, true);
  EXPECT_EQ((*r.nics)[0].ipv6_band_width_id, std::optional<std::optional<std::string>>("bw6"));
  ASSERT_TRUE(r.public_ip);
  EXPECT_EQ(r.public_ip->eip_type, std::optional<std::optional<std::string>>("5_bgp"));
  // band_width merges field by field: the fleet's size, the default share type and charge mode.
  EXPECT_EQ(r.band_width.band_width_size, 300);
  EXPECT_EQ(r.band_width.band_width_share_type, 0);
  EXPECT_EQ(r.band_width.band_width_charge_mode, 0);
  EXPECT_EQ(r.availability_zone, "cn-east-3a");
  EXPECT_EQ(r.phone_count_per_ip, 2);
  ASSERT_TRUE(r.phone_data_volume);
  EXPECT_EQ(r.phone_data_volume->volume_type, "SSD");
  EXPECT_EQ(r.phone_data_volume->size, 64);
  EXPECT_EQ(r.property, "{\"ro.product.model\":\"P40\"}");
  EXPECT_EQ(purchase_api_of(to_body(r)), purchase_api::v2);
}

TEST(job_file_v2_test, api_is_v1_or_v2) {
  loaded v1 = load_text(
      "[job]\nname = \"t\"\n[[fleet]]\nserver_name = \"g\"\ncount = 1\nserver_model_name = \"m\"\n"
      "phone_model_name = \"p\"\nimage_id = \"i\"\nband_width = { band_width_share_type = 0 }\n"
      "extend_param = { charging_mode = 0, period_type = 2, period_num = 1 }\n");
  EXPECT_EQ(v1.errors, std::vector<std::string>{});
  EXPECT_EQ(v1.job.api, purchase_api::v1);
  // The fleet lacks its fields too: the first error is the API's.
  auto first_error = [](std::string_view text) { return load_text(text).errors.at(0); };
  EXPECT_EQ(first_error("[job]\nname = \"t\"\napi = \"v3\"\n[[fleet]]\nserver_name = \"g\"\ncount = 0\n"),
            "j.toml:3:7: job.api: 'v3' is not a purchase API (allowed: \"v1\" CreateCloudPhoneServer, \"v2\" "
            "CreateNet2CloudPhoneServer)");
  EXPECT_EQ(first_error("[job]\nname = \"t\"\napi = 2\n[[fleet]]\nserver_name = \"g\"\ncount = 0\n"),
            "j.toml:3:7: job.api: is an integer (allowed: a string)");
}

TEST(job_file_v2_test, fields_of_the_other_api_are_refused_naming_it) {
  check_cases({
      {std::string(v2_head) + std::string(game) + "subnet_cidr = \"172.31.0.0/16\"\nvnc_enable = true\n",
       {"j.toml:16:15: fleet[0].subnet_cidr: is only taken by api \"v1\" (allowed in a job with [job] api = "
        "\"v1\"; this job's api is \"v2\")",
        "j.toml:17:14: fleet[0].vnc_enable: is only taken by api \"v1\" (allowed in a job with [job] api = "
        "\"v1\"; this job's api is \"v2\")"}},
      {"[job]\nname = \"t\"\n[defaults]\ntenant_vpc_id = \"x\"\n[[fleet]]\nserver_name = \"g\"\ncount = 1\n"
       "server_model_name = \"m\"\nphone_model_name = \"p\"\nimage_id = \"i\"\n"
       "band_width = { band_width_share_type = 0, band_width_charge_mode = 1 }\n"
       "extend_param = { charging_mode = 0, period_type = 2, period_num = 1 }\n"
       "nics = [{ subnet_id = \"s\" }]\n",
       {"j.toml:4:17: defaults.tenant_vpc_id: is only taken by api \"v2\" (allowed in a job with [job] api = "
        "\"v2\"; this job's api is \"v1\")",
        "j.toml:11:68: fleet[0].band_width.band_width_charge_mode: is only taken by api \"v2\" (allowed in a "
        "job with [job] api = \"v2\"; this job's api is \"v1\")",
        "j.toml:13:8: fleet[0].nics: is only taken by api \"v2\" (allowed in a job with [job] api = \"v2\"; "
        "this job's api is \"v1\")"}},
      // An unknown key lists the keys of the job's own API.
      {std::string(v2_head) + std::string(game) + "colour = 1\n",
       {"j.toml:16:1: fleet[0].colour: is not a known key (allowed: server_name, count, server_model_name, "
        "phone_model_name, image_id, band_width, extend_param, keypair_name, ports, tenant_vpc_id, nics, "
        "public_ip, availability_zone, phone_count_per_ip, phone_data_volume, server_share_data_volume, "
        "property)"}},
  });
}

TEST(job_file_v2_test, v2_required_fields_are_named_where_they_belong) {
  check_cases({
      {"[job]\nname = \"t\"\napi = \"v2\"\n[[fleet]]\nserver_name = \"g\"\ncount = 1\n"
       "server_model_name = \"m\"\nphone_model_name = \"p\"\nimage_id = \"i\"\nband_width = {}\n"
       "extend_param = { charging_mode = 0, period_type = 2, period_num = 1 }\n",
       {"j.toml:4:1: fleet[0].tenant_vpc_id: is missing (required: the id of the VPC the servers go into; "
        "here "
        "or in [defaults])",
        "j.toml:4:1: fleet[0].nics: is missing (required: the servers' network interfaces, nics = [{ "
        "subnet_id = \"...\" }]; here or in [defaults])",
        "j.toml:4:1: fleet[0].public_ip: is missing (required: public_ip = { eip = { type = \"5_bgp\" } }, { "
        "ids = [\"<eip id>\"] } or { count = 0 }; here or in [defaults])",
        "j.toml:10:14: fleet[0].band_width.band_width_share_type: is missing (required: 0 dedicated or 1 "
        "shared; here or in [defaults])",
        "j.toml:10:14: fleet[0].band_width.band_width_charge_mode: is missing (required: 0 by bandwidth or 1 "
        "by traffic; here or in [defaults])"}},
  });
}

TEST(job_file_v2_test, v2_rules_point_at_the_value_that_broke_them) {
  check_cases({
      {std::string(v2_head) + std::string(game) + "tenant_vpc_id = \"vpc-1\"\n",
       {"j.toml:16:17: fleet[0].tenant_vpc_id: 'vpc-1' is not a UUID (allowed: the id of a VPC of the "
        "tenant, "
        "8-4-4-4-12 hex digits)"}},
      {std::string(v2_head) + std::string(game) + "nics = [{ ipv6_enable = true }]\n",
       {"j.toml:16:9: fleet[0].nics[0].subnet_id: is missing (required: the id of a subnet of tenant_vpc_id, "
        "a "
        "UUID)"}},
      {std::string(v2_head) + std::string(game) + "nics = [{ subnet_id = \"s\", ipv6_enable = \"yes\" }]\n",
       {"j.toml:16:23: fleet[0].nics[0].subnet_id: 's' is not a UUID (allowed: the id of a subnet of "
        "tenant_vpc_id, 8-4-4-4-12 hex digits)",
        "j.toml:16:42: fleet[0].nics[0].ipv6_enable: is a string (allowed: true or false)"}},
      {std::string(v2_head) + std::string(game) + "nics = [{ subnet_id = \"s\", mtu = 1500 }]\n",
       {"j.toml:16:23: fleet[0].nics[0].subnet_id: 's' is not a UUID (allowed: the id of a subnet of "
        "tenant_vpc_id, 8-4-4-4-12 hex digits)",
        "j.toml:16:28: fleet[0].nics[0].mtu: is not a known key (allowed: subnet_id, ipv6_enable, "
        "ipv6_bandwidth)"}},
      {std::string(v2_head) + std::string(game) + "public_ip = { eip = { type = \"5_gold\" } }\n",
       {"j.toml:16:30: fleet[0].public_ip.eip.type: '5_gold' is not an EIP type (allowed: 5_telcom, 5_union, "
        "5_bgp, 5_sbgp)"}},
      {std::string(v2_head) + std::string(game) + "public_ip = { ids = [\"a\", 2] }\n",
       {"j.toml:16:27: fleet[0].public_ip.ids[1]: is an integer (allowed: a string)"}},
      {std::string(v2_head) + std::string(game) + "public_ip = { count = 0 }\n", {}},
      {std::string(v2_head) + std::string(game) + "band_width = { band_width_share_type = 1 }\n",
       {"j.toml:16:14: fleet[0].band_width.band_width_id: is missing (required for a shared bandwidth: the "
        "id of "
        "an existing shared bandwidth)"}},
      {std::string(v2_head) + std::string(game) +
           "server_share_data_volume = { volume_type = \"SSD\", size = 5 }\n",
       {"j.toml:16:58: fleet[0].server_share_data_volume.size: 5 is out of range (allowed: 10..32768)"}},
      {std::string(v2_head) + std::string(game) + "property = \"not json\"\n",
       {"j.toml:16:12: fleet[0].property: is not a JSON object (allowed: phone properties as a JSON object "
        "in a "
        "string, e.g. '{\"ro.com.cph.notification_disable\":\"1\"}')"}},
  });
}

}  // namespace
}  // namespace cphfleet

namespace cphfleet {
namespace {

TEST(job_file_v2_test, every_job_shipped_in_jobs_validates) {
  int seen = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(CPHFLEET_SOURCE_DIR) / "jobs")) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    diagnostics errors;
    job_spec job = read_job(entry.path(), errors);
    std::vector<std::string> messages;
    for (const auto& d : errors) messages.push_back(d.to_string());
    // jobs/bad.toml is the README's example of mistakes, one of each kind (tests/cli/readme_test.cpp
    // checks the whole messages against the README).
    if (entry.path().filename() == "bad.toml") {
      std::vector<std::string> fields;
      for (const auto& d : errors) fields.push_back(d.field);
      EXPECT_EQ(fields, (std::vector<std::string>{"job.name", "defaults.extend_param.period_num",
                                                  "fleet[0].ports[0].name", "fleet[0].imgae_id"}));
    } else {
      EXPECT_EQ(messages, std::vector<std::string>{});
    }
    if (entry.path().filename() == "example-v2.toml") EXPECT_EQ(job.api, purchase_api::v2);
    ++seen;
  }
  EXPECT_GE(seen, 2);
}

}  // namespace
}  // namespace cphfleet

// The v2 purchase body (CreateNet2CloudPhoneServer, docs/service.md "Purchase"): each rule and its
// whole message, its JSON form, and reading it back as the emulator does.
#include "api/purchase_body.hpp"
#include "support/api_rules.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace cphfleet {

namespace {

constexpr std::string_view bad = "APIGW.0201";
constexpr std::string_view vpc = "4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b";
constexpr std::string_view subnet = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

purchase_request valid_v2() {
  purchase_request r;
  r.api = purchase_api::v2;
  r.server_name = "game-001";
  r.server_model_name = "physical.rx1.xlarge";
  r.phone_model_name = "aphs1.medium.4.aosp";
  r.image_id = "88b8449b896f3a4f0ad57222dd919899";
  r.count = 10;
  r.tenant_vpc_id = std::string(vpc);
  r.nics = std::vector<nic_spec>{{std::string(subnet), std::nullopt, std::nullopt}};
  r.public_ip = public_ip_spec{std::nullopt, std::optional<std::string>("5_bgp"), std::nullopt};
  r.band_width.band_width_share_type = 0;
  r.band_width.band_width_charge_mode = 0;
  r.band_width.band_width_size = 100;
  r.extend_param.is_auto_pay = 1;
  return r;
}

using testing::rule_case;

void check_rules(const std::vector<rule_case>& cases) { testing::check_rules(valid_v2(), cases); }

TEST(purchase_v2_test, a_valid_v2_request_breaks_no_rule) { EXPECT_TRUE(validate(valid_v2()).empty()); }

TEST(purchase_v2_test, network_rules) {
  check_rules({
      {"no vpc",
       [](auto& r) { r.tenant_vpc_id.reset(); },
       {{"tenant_vpc_id", "is missing (required: the id of a VPC of the tenant, a UUID)", std::string(bad)}}},
      {"vpc not a uuid",
       [](auto& r) { r.tenant_vpc_id = "vpc-1"; },
       {{"tenant_vpc_id",
         "'vpc-1' is not a UUID (allowed: the id of a VPC of the tenant, 8-4-4-4-12 hex digits)",
         std::string(bad)}}},
      {"upper-case uuid", [](auto& r) { r.tenant_vpc_id = "4E6A31B0-8C2F-4D5E-9A7B-1C2D3E4F5A6B"; }, {}},
      {"no nics",
       [](auto& r) { r.nics.reset(); },
       {{"nics", "is missing (required: one network interface, [{ subnet_id = \"...\" }])",
         std::string(bad)}}},
      {"empty nics",
       [](auto& r) { r.nics = std::vector<nic_spec>{}; },
       {{"nics", "is empty (allowed: one network interface or more, each with a subnet_id)",
         std::string(bad)}}},
      {"nic without subnet",
       [](auto& r) { (*r.nics)[0].subnet_id.reset(); },
       {{"nics[0].subnet_id", "is missing (required: the id of a subnet of tenant_vpc_id, a UUID)",
         std::string(bad)}}},
      {"second nic's subnet not a uuid",
       [](auto& r) {
         r.nics->push_back({std::string("subnet-2"), true, std::nullopt});
       },
       {{"nics[1].subnet_id",
         "'subnet-2' is not a UUID (allowed: the id of a subnet of tenant_vpc_id, 8-4-4-4-12 hex digits)",
         std::string(bad)}}},
      {"ipv6 bandwidth without its id",
       [](auto& r) { (*r.nics)[0].ipv6_band_width_id = std::optional<std::string>(); },
       {{"nics[0].ipv6_bandwidth.band_width_id",
         "is missing (required: the id of the shared bandwidth IPv6 is bound to)", std::string(bad)}}},
      {"ipv6 with a bandwidth",
       [](auto& r) {
         (*r.nics)[0].ipv6_enable = true;
         (*r.nics)[0].ipv6_band_width_id = std::optional<std::string>("bw-6");
       },
       {}},
  });
}

TEST(purchase_v2_test, public_ip_rules) {
  check_rules({
      {"no public_ip",
       [](auto& r) { r.public_ip.reset(); },
       {{"public_ip",
         "is missing (required: eip = { type = \"5_bgp\" } for new EIPs, ids = [\"<eip id>\"] for an "
         "existing "
         "one, or count = 0 for none)",
         std::string(bad)}}},
      {"no EIP at all",
       [](auto& r) {
         r.public_ip = public_ip_spec{std::nullopt, std::nullopt, 0};
       },
       {}},
      {"neither eip nor ids",
       [](auto& r) { r.public_ip = public_ip_spec{}; },
       {{"public_ip",
         "sets neither eip nor ids (required unless count = 0: eip = { type = \"5_bgp\" } or ids = [\"<eip "
         "id>\"])",
         std::string(bad)}}},
      {"both eip and ids",
       [](auto& r) { r.public_ip->ids = std::vector<std::string>{"eip-1"}; },
       {{"public_ip", "sets both eip and ids (allowed: eip for new EIPs or ids for an existing one)",
         std::string(bad)}}},
      {"one existing EIP",
       [](auto& r) {
         r.public_ip = public_ip_spec{std::vector<std::string>{"eip-1"}, std::nullopt, 1};
       },
       {}},
      {"two existing EIPs",
       [](auto& r) {
         r.public_ip = public_ip_spec{std::vector<std::string>{"eip-1", "eip-2"}, std::nullopt, std::nullopt};
       },
       {{"public_ip.ids", "has 2 ids (allowed: exactly one existing EIP id)", std::string(bad)}}},
      {"an empty EIP id",
       [](auto& r) {
         r.public_ip = public_ip_spec{std::vector<std::string>{""}, std::nullopt, std::nullopt};
       },
       {{"public_ip.ids[0]", "is empty (allowed: 1..64 bytes)", std::string(bad)}}},
      {"eip without a type",
       [](auto& r) { r.public_ip->eip_type = std::optional<std::string>(); },
       {{"public_ip.eip.type", "is missing (required: 5_telcom, 5_union, 5_bgp or 5_sbgp)",
         std::string(bad)}}},
      {"unknown eip type",
       [](auto& r) { r.public_ip->eip_type = std::optional<std::string>("5_gold"); },
       {{"public_ip.eip.type", "'5_gold' is not an EIP type (allowed: 5_telcom, 5_union, 5_bgp, 5_sbgp)",
         std::string(bad)}}},
      {"negative count",
       [](auto& r) { r.public_ip->count = -1; },
       {{"public_ip.count", "-1 is out of range (allowed: 0 for no EIP, up to the number of phone IPs)",
         std::string(bad)}}},
  });
}

TEST(purchase_v2_test, band_width_rules_are_v1s_turned_around) {
  check_rules({
      {"no share type",
       [](auto& r) { r.band_width.band_width_share_type.reset(); },
       {{"band_width.band_width_share_type", "is missing (required: 0 dedicated or 1 shared)", "CPS.0031"}}},
      {"share type 2",
       [](auto& r) { r.band_width.band_width_share_type = 2; },
       {{"band_width.band_width_share_type", "2 is not a share type (allowed: 0 dedicated, 1 shared)",
         "CPS.0031"}}},
      {"no charge mode",
       [](auto& r) { r.band_width.band_width_charge_mode.reset(); },
       {{"band_width.band_width_charge_mode", "is missing (required: 0 by bandwidth or 1 by traffic)",
         "CPS.0031"}}},
      {"charge mode 3",
       [](auto& r) { r.band_width.band_width_charge_mode = 3; },
       {{"band_width.band_width_charge_mode",
         "3 is not a charge mode (allowed: 0 by bandwidth, 1 by traffic)", "CPS.0031"}}},
      {"dedicated without a size",
       [](auto& r) { r.band_width.band_width_size.reset(); },
       {{"band_width.band_width_size", "is missing (required for a dedicated bandwidth: 1..2000 Mbit/s)",
         "CPS.0031"}}},
      {"dedicated 2000 Mbit/s", [](auto& r) { r.band_width.band_width_size = 2000; }, {}},
      {"dedicated 2001 Mbit/s",
       [](auto& r) { r.band_width.band_width_size = 2001; },
       {{"band_width.band_width_size", "2001 is out of range (allowed: 1..2000)", "CPS.0031"}}},
      {"shared without an id (an id is what v1 wanted, v2 requires it)",
       [](auto& r) {
         r.band_width.band_width_share_type = 1;
         r.band_width.band_width_size.reset();
       },
       {{"band_width.band_width_id",
         "is missing (required for a shared bandwidth: the id of an existing shared bandwidth)",
         "CPS.0031"}}},
      {"shared with an id",
       [](auto& r) {
         r.band_width.band_width_share_type = 1;
         r.band_width.band_width_id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
         r.band_width.band_width_size.reset();
       },
       {}},
  });
}

TEST(purchase_v2_test, disk_property_and_placement_rules) {
  check_rules({
      {"phone disk ok",
       [](auto& r) {
         r.phone_data_volume = volume_spec{"GPSSD", 1};
       },
       {}},
      {"phone disk of a bad type",
       [](auto& r) {
         r.phone_data_volume = volume_spec{"SAS", 64};
       },
       {{"phone_data_volume.volume_type", "'SAS' is not a disk type (allowed: SSD, GPSSD)",
         std::string(bad)}}},
      {"phone disk too big",
       [](auto& r) {
         r.phone_data_volume = volume_spec{"SSD", 32769};
       },
       {{"phone_data_volume.size", "32769 is out of range (allowed: 1..32768)", std::string(bad)}}},
      {"phone disk without its members",
       [](auto& r) { r.phone_data_volume = volume_spec{}; },
       {{"phone_data_volume.volume_type", "is missing (required: SSD or GPSSD)", std::string(bad)},
        {"phone_data_volume.size", "is missing (required: GiB, 1..32768)", std::string(bad)}}},
      {"shared disk under 10 GiB",
       [](auto& r) {
         r.server_share_data_volume = volume_spec{"SSD", 9};
       },
       {{"server_share_data_volume.size", "9 is out of range (allowed: 10..32768)", std::string(bad)}}},
      {"property a JSON object", [](auto& r) { r.property = R"({"ro.product.model":"P40"})"; }, {}},
      {"property a JSON array",
       [](auto& r) { r.property = "[1]"; },
       {{"property",
         "is not a JSON object (allowed: phone properties as a JSON object in a string, e.g. "
         "'{\"ro.com.cph.notification_disable\":\"1\"}')",
         std::string(bad)}}},
      {"property empty",
       [](auto& r) { r.property = ""; },
       {{"property", "is 0 characters long (allowed: 1..8192 characters)", std::string(bad)}}},
      {"property 8193 characters",
       [](auto& r) { r.property = "{\"k\":\"" + std::string(8185, 'v') + "\"}"; },
       {{"property", "is 8193 characters long (allowed: 1..8192 characters)", std::string(bad)}}},
      {"no phones per IP",
       [](auto& r) { r.phone_count_per_ip = 0; },
       {{"phone_count_per_ip", "0 is out of range (allowed: 1..the phone flavor's phone count)",
         std::string(bad)}}},
      {"availability zone empty",
       [](auto& r) { r.availability_zone = ""; },
       {{"availability_zone", "is empty (allowed: 1..64 bytes)", std::string(bad)}}},
      {"auto renew 2",
       [](auto& r) { r.extend_param.is_auto_renew = 2; },
       {{"extend_param.is_auto_renew", "2 is not allowed (allowed: 0 do not renew, 1 renew automatically)",
         std::string(bad)}}},
      {"enterprise project \"0\"", [](auto& r) { r.extend_param.enterprise_project_id = "0"; }, {}},
      {"enterprise project not a uuid",
       [](auto& r) { r.extend_param.enterprise_project_id = "default"; },
       {{"extend_param.enterprise_project_id",
         "'default' is not an enterprise project id (allowed: \"0\" for the default project, or a project's "
         "UUID)",
         std::string(bad)}}},
  });
}

TEST(purchase_v2_test, v1_fields_are_not_v2_rules_and_not_in_its_body) {
  purchase_request r = valid_v2();
  r.subnet_cidr = "10.0.0.1/8";  // invalid for v1, but v2 has no such field
  r.vnc_enable = true;
  EXPECT_TRUE(validate(r).empty());
  const std::string body = to_body(r);
  EXPECT_EQ(body.find("subnet_cidr"), std::string::npos) << body;
  EXPECT_EQ(body.find("vnc_enable"), std::string::npos) << body;
}

TEST(purchase_v2_test, v2_fields_are_left_out_of_a_v1_body) {
  purchase_request r = valid_v2();
  r.api = purchase_api::v1;
  r.property = "{}";
  const std::string body = to_body(r);
  for (std::string_view field : {"tenant_vpc_id", "nics", "public_ip", "band_width_charge_mode", "property"})
    EXPECT_EQ(body.find(field), std::string::npos) << field << " in " << body;
  EXPECT_EQ(purchase_api_of(body), purchase_api::v1);
}

TEST(purchase_v2_test, body_has_the_models_types) {
  purchase_request r = valid_v2();
  (*r.nics)[0].ipv6_enable = true;
  (*r.nics)[0].ipv6_band_width_id = std::optional<std::string>("bw-6");
  r.public_ip->count = 2;
  r.availability_zone = "cn-east-3a";
  r.phone_count_per_ip = 5;
  r.phone_data_volume = volume_spec{"SSD", 64};
  r.server_share_data_volume = volume_spec{"GPSSD", 100};
  r.property = R"({"a":"1"})";
  r.keypair_name = "kp";
  r.extend_param.is_auto_renew = 1;
  r.extend_param.enterprise_project_id = "0";
  EXPECT_EQ(
      to_body(r),
      "{\"server_name\":\"game-001\",\"server_model_name\":\"physical.rx1.xlarge\","
      "\"phone_model_name\":\"aphs1.medium.4.aosp\",\"image_id\":\"88b8449b896f3a4f0ad57222dd919899\","
      "\"count\":10,\"tenant_vpc_id\":\"4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b\","
      "\"nics\":[{\"subnet_id\":\"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\",\"ipv6_enable\":true,"
      "\"ipv6_bandwidth\":{\"band_width_id\":\"bw-6\"}}],"
      "\"public_ip\":{\"eip\":{\"type\":\"5_bgp\"},\"count\":2},"
      "\"band_width\":{\"band_width_share_type\":0,\"band_width_charge_mode\":0,\"band_width_size\":100},"
      "\"extend_param\":{\"charging_mode\":0,\"period_type\":2,\"period_num\":1,\"is_auto_pay\":1,"
      "\"is_auto_renew\":1,\"enterprise_project_id\":\"0\"},\"keypair_name\":\"kp\","
      "\"availability_zone\":\"cn-east-3a\",\"phone_count_per_ip\":5,"
      "\"phone_data_volume\":{\"volume_type\":\"SSD\",\"size\":64},"
      "\"server_share_data_volume\":{\"volume_type\":\"GPSSD\",\"size\":100},"
      "\"property\":\"{\\\"a\\\":\\\"1\\\"}\"}");
}

TEST(purchase_v2_test, a_v2_body_reads_back_as_the_request_it_came_from) {
  purchase_request r = valid_v2();
  (*r.nics)[0].ipv6_enable = false;
  r.public_ip = public_ip_spec{std::vector<std::string>{"eip-1"}, std::nullopt, 1};
  r.phone_data_volume = volume_spec{"SSD", 64};
  r.property = R"({"a":"1"})";
  r.ports = {{"stream", 20000, true}};
  const std::string body = to_body(r);
  EXPECT_EQ(purchase_api_of(body), purchase_api::v2);
  for (auto parsed : {parse_purchase(body), parse_purchase(body, purchase_api::v2)}) {
    ASSERT_TRUE(parsed.errors.empty());
    EXPECT_EQ(parsed.request.api, purchase_api::v2);
    EXPECT_EQ(to_body(parsed.request), body);
  }
}

TEST(purchase_v2_test, malformed_v2_bodies_name_the_member) {
  struct body_case {
    std::string body;
    std::vector<std::string> fields;  // of the errors, in order
  };
  const std::string head =
      R"({"server_name":"g","server_model_name":"m","phone_model_name":"p","image_id":"i","count":1,)"
      R"("band_width":{"band_width_share_type":0,"band_width_charge_mode":0,"band_width_size":1},)"
      R"("extend_param":{"charging_mode":0,"period_type":2,"period_num":1})";
  for (const auto& c : std::vector<body_case>{
           {head + "}", {"tenant_vpc_id", "nics", "public_ip"}},
           {head + R"(,"tenant_vpc_id":1,"nics":{},"public_ip":[]})", {"tenant_vpc_id", "nics", "public_ip"}},
           {head + R"(,"tenant_vpc_id":"v","nics":[1,{"ipv6_enable":"true"}],"public_ip":{"ids":"x"}})",
            {"nics[0]", "nics[1].subnet_id", "nics[1].ipv6_enable", "public_ip.ids"}},
           {head + R"(,"tenant_vpc_id":"v","nics":[{"subnet_id":"s","ipv6_bandwidth":{}}],)"
                   R"("public_ip":{"eip":{}},"phone_data_volume":{"size":"1"}})",
            {"nics[0].ipv6_bandwidth.band_width_id", "public_ip.eip.type", "phone_data_volume.volume_type",
             "phone_data_volume.size"}},
       }) {
    SCOPED_TRACE(c.body);
    parsed_purchase p = parse_purchase(c.body, purchase_api::v2);
    std::vector<std::string> fields;
    for (const auto& e : p.errors) {
      EXPECT_EQ(e.code, bad);
      fields.push_back(e.field);
    }
    EXPECT_EQ(fields, c.fields);
  }
}

TEST(purchase_v2_test, a_v1_body_sent_to_v2_misses_v2s_required_members) {
  // What the emulator's v2 route does with a v1 body: v1's own members are ignored there, as unknown
  // members are.
  purchase_request v1 = valid_v2();
  v1.api = purchase_api::v1;
  v1.subnet_cidr = "172.31.0.0/16";
  parsed_purchase p = parse_purchase(to_body(v1), purchase_api::v2);
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_EQ(p.errors[0].field, "tenant_vpc_id");
  EXPECT_EQ(p.errors[0].message, "is missing (required)");
  EXPECT_FALSE(p.request.subnet_cidr);
}

TEST(purchase_v2_test, api_names) {
  EXPECT_EQ(to_string(purchase_api::v1), "v1");
  EXPECT_EQ(to_string(purchase_api::v2), "v2");
  EXPECT_EQ(parse_purchase_api("v2"), purchase_api::v2);
  EXPECT_FALSE(parse_purchase_api("V2"));
  EXPECT_FALSE(parse_purchase_api(""));
  EXPECT_EQ(purchase_api_of("not json"), purchase_api::v1);
  EXPECT_TRUE(is_uuid("4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b"));
  EXPECT_FALSE(is_uuid("4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6"));
  EXPECT_FALSE(is_uuid("4e6a31b0x8c2f-4d5e-9a7b-1c2d3e4f5a6b"));
  EXPECT_FALSE(is_uuid("ge6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b"));
}

}  // namespace
}  // namespace cphfleet

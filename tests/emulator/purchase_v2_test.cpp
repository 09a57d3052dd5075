// The emulator's v2 purchase (POST /v2/{project_id}/cloud-phone/servers) over HTTP: v2's validation,
// its orders in the admin view, and servers in the tenant's VPC as the purchase named it.
#include "emulator/emulator_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace cphfleet::test {
namespace {

const std::string v2_servers = "/v2/" + pid + "/cloud-phone/servers";
constexpr std::string_view vpc = "4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b";
constexpr std::string_view subnet = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

purchase_request v2_request(std::string name, std::int64_t count) {
  purchase_request r = purchase_of(std::move(name), count);
  r.api = purchase_api::v2;
  r.tenant_vpc_id = std::string(vpc);
  r.nics = std::vector<nic_spec>{{std::string(subnet), std::nullopt, std::nullopt}};
  r.public_ip = public_ip_spec{std::nullopt, std::optional<std::string>("5_bgp"), std::nullopt};
  r.band_width.band_width_charge_mode = 0;
  r.band_width.band_width_size = 100;
  r.availability_zone = "cn-east-3b";
  return r;
}

TEST(emulator_purchase_v2_test, a_v2_order_creates_servers_in_the_tenants_vpc) {
  running_emulator emu;
  auto c = emu.client();
  auto r =
      c.request("POST", v2_servers, {{"Content-Type", "application/json"}}, to_body(v2_request("net", 2)));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto answer = r.json().as_object();
  ASSERT_EQ(answer.at("server_ids").as_array().size(), 2u);
  const std::string id(answer.at("server_ids").as_array()[0].as_string());

  auto orders = c.request("GET", "/_emulator/orders").json().at("orders").as_array();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].at("api").as_string(), "v2");

  auto detail = c.request("GET", servers + "/" + id);
  ASSERT_EQ(detail.status, 200u) << detail.body;
  auto s = detail.json().as_object();
  EXPECT_EQ(s.at("network_version").as_string(), "v2");
  EXPECT_EQ(s.at("vpc_id").as_string(), vpc);
  EXPECT_EQ(s.at("subnet_id").as_string(), subnet);
  EXPECT_EQ(s.at("availability_zone").as_string(), "cn-east-3b");
  EXPECT_EQ(s.at("resource_project_id").as_string(), "");  // the tenant's own network
  ASSERT_EQ(s.at("addresses").as_array().size(), 1u);
  EXPECT_NE(s.at("addresses").as_array()[0].at("public_ip").as_string(), "");
  // The list's network_version filter tells the two kinds of server apart.
  ASSERT_EQ(c.request("POST", phones, {{"Content-Type", "application/json"}}, purchase_body("old", 1)).status,
            200u);
  EXPECT_EQ(list(c, "?network_version=v2").at("count").to_number<std::int64_t>(), 2);
  EXPECT_EQ(list(c, "?network_version=v1").at("count").to_number<std::int64_t>(), 1);
}

TEST(emulator_purchase_v2_test, v2_rules_and_missing_members_are_refused_naming_the_field) {
  running_emulator emu;
  auto c = emu.client();
  struct body_case {
    std::string body;
    std::string code;
    std::string message;
  };
  purchase_request shared = v2_request("bw", 1);
  shared.band_width.band_width_share_type = 1;
  shared.band_width.band_width_size.reset();
  purchase_request v1 = purchase_of("v1", 1);
  for (const auto& bc : std::vector<body_case>{
           {to_body(v1), "APIGW.0201", "Parameter: tenant_vpc_id: is missing (required)"},
           {to_body(shared), "CPS.0031",
            "Parameter: band_width.band_width_id: is missing (required for a shared bandwidth: the id of an "
            "existing shared bandwidth)"},
       }) {
    auto r = c.request("POST", v2_servers, {{"Content-Type", "application/json"}}, bc.body);
    EXPECT_EQ(r.status, 400u) << bc.body;
    EXPECT_EQ(r.error_code(), bc.code) << bc.body;
    EXPECT_EQ(r.error_msg(), bc.message) << bc.body;
  }
  EXPECT_TRUE(c.request("GET", "/_emulator/orders").json().at("orders").as_array().empty());
}

}  // namespace
}  // namespace cphfleet::test

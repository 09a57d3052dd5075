// The optional `[billing]` table: site or endpoint, settle_s, and the account id from the environment.
#include "input/config.hpp"
#include "support/temp_files.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace cphfleet {
namespace {

using testing::temp_files;

env_lookup env_of(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct loaded {
  std::optional<config> cfg;
  std::vector<std::string> errors;
};

loaded load(std::string_view text, const env_lookup& env = env_of({})) {
  temp_files dir;
  loaded out;
  try {
    out.cfg = load_config(dir.write("c.toml", text), env);
  } catch (const input_error& e) {
    for (const auto& d : e.errors) out.errors.push_back(d.to_string());
  }
  return out;
}

// Lines 1 and 2; the billing table's header is line 3.
const std::string real = "[cloud]\nendpoint = \"https://cph.cn-north-4.myhuaweicloud.com\"\n";
const std::string embedded = "[cloud]\nendpoint = \"embedded\"\n";

TEST(config_billing_test, without_the_table_there_is_no_billing) {
  auto l = load(real);
  ASSERT_TRUE(l.cfg) << l.errors.front();
  EXPECT_FALSE(l.cfg->billing);
}

TEST(config_billing_test, a_site_names_its_host_and_the_account_comes_from_the_environment) {
  const std::map<std::string, std::string> sites{{"cn", "https://bss.myhuaweicloud.com"},
                                                 {"intl", "https://bss-intl.myhuaweicloud.com"},
                                                 {"eu", "https://bss.myhuaweicloud.eu"}};
  for (const auto& [site, host] : sites) {
    auto l =
        load(real + "[billing]\nsite = \"" + site + "\"\n", env_of({{"HUAWEICLOUD_SDK_DOMAIN_ID", "acct1"}}));
    ASSERT_TRUE(l.cfg) << l.errors.front();
    ASSERT_TRUE(l.cfg->billing);
    EXPECT_EQ(l.cfg->billing->site, site);
    EXPECT_EQ(l.cfg->billing->endpoint, host);
    EXPECT_EQ(l.cfg->billing->domain_id, "acct1");
    EXPECT_EQ(l.cfg->billing->settle_s, 30);
  }
}

TEST(config_billing_test, an_endpoint_is_a_url_or_embedded_with_an_embedded_cloud) {
  auto url = load(real + "[billing]\nendpoint = \"http://127.0.0.1:8080/\"\nsettle_s = 5\n");
  ASSERT_TRUE(url.cfg) << url.errors.front();
  EXPECT_EQ(url.cfg->billing->endpoint, "http://127.0.0.1:8080");
  EXPECT_EQ(url.cfg->billing->settle_s, 5);
  auto emb = load(embedded + "[billing]\nendpoint = \"embedded\"\n");
  ASSERT_TRUE(emb.cfg) << emb.errors.front();
  EXPECT_TRUE(emb.cfg->billing->embedded());
  EXPECT_EQ(emb.cfg->billing->domain_id, "");
}

TEST(config_billing_test, products_give_each_flavors_codes_and_the_money_guard_is_a_decimal) {
  auto l = load(
      "[cloud]\nendpoint = \"https://cph.cn-north-4.myhuaweicloud.com\"\n[limits]\nmax_amount_per_run = "
      "\"5000.10\"\n[billing]\nsite = \"cn\"\n[billing.products.\"physical.rx1.xlarge\"]\n"
      "cloud_service_type = \"hws.service.type.cph\"\nresource_type = \"t\"\nresource_spec = \"s\"\n"
      "region = \"cn-north-4\"\n");
  ASSERT_TRUE(l.cfg) << l.errors.front();
  ASSERT_EQ(l.cfg->billing->products.count("physical.rx1.xlarge"), 1u);
  const billing_product& p = l.cfg->billing->products.at("physical.rx1.xlarge");
  EXPECT_EQ(p.cloud_service_type, "hws.service.type.cph");
  EXPECT_EQ(p.resource_type, "t");
  EXPECT_EQ(p.resource_spec, "s");
  EXPECT_EQ(p.region, "cn-north-4");
  ASSERT_TRUE(l.cfg->limits.max_amount_per_run);
  EXPECT_EQ(l.cfg->limits.max_amount_per_run->text(), "5000.10");
}

TEST(config_billing_test, mistakes_name_the_field_and_what_is_allowed) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {real + "[billing]\nsite = \"us\"\n",
       "c.toml:4:8: billing.site: 'us' is not a site (allowed: cn, intl, eu)"},
      {real + "[billing]\nsite = \"cn\"\nendpoint = \"https://bss.example\"\n",
       "c.toml:4:8: billing.site: is set together with billing.endpoint (allowed: one of them: site for the "
       "official host, endpoint for any other)"},
      {real + "[billing]\nendpoint = \"embedded\"\n",
       "c.toml:4:12: billing.endpoint: is \"embedded\" but cloud.endpoint is "
       "'https://cph.cn-north-4.myhuaweicloud.com' (allowed: \"embedded\" only with cloud.endpoint = "
       "\"embedded\", whose emulator serves billing too)"},
      {real + "[billing]\nendpoint = \"http://bss.example\"\n",
       "c.toml:4:12: billing.endpoint: 'http://bss.example' would send requests unencrypted (allowed: "
       "\"embedded\", https://host[:port], or http:// to a loopback host)"},
      {real + "[billing]\nsettle_s = 30\n",
       "c.toml:3:1: billing.site: is missing (required: a site (cn, intl, eu) or an endpoint: \"embedded\" "
       "or a "
       "URL)"},
      {real + "[billing]\nsite = \"cn\"\nsettle_s = -1\n",
       "c.toml:5:12: billing.settle_s: -1 is out of range (allowed: 0..86400)"},
      {real + "[billing]\nsite = \"cn\"\ndomain_id = \"x\"\n",
       "c.toml:5:1: billing.domain_id: is not a known key (allowed: site, endpoint, settle_s, products)"},
      {real + "[billing]\nsite = \"cn\"\n[billing.products.\"physical.rx1.xlarge\"]\ncloud_service_type = "
              "\"a\"\nresource_type = \"b\"\n",
       "c.toml:5:1: billing.products.\"physical.rx1.xlarge\".resource_spec: is missing (required: the code "
       "read "
       "off an order of this flavor: cphfleet billing codes ORDER_ID)"},
      {real + "[billing]\nsite = \"cn\"\n[billing.products.\"physical.rx1.xlarge\"]\ncloud_service_type = "
              "\"a\"\nresource_type = \"b\"\nresource_spec = \"c\"\nsize_measure_id = 0\n",
       "c.toml:9:19: billing.products.\"physical.rx1.xlarge\".size_measure_id: 0 is out of range (allowed: "
       "1..1000000)"},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    auto l = load(text);
    EXPECT_EQ(l.errors, std::vector<std::string>{expected});
  }
  auto bad_env = load(real + "[billing]\nsite = \"cn\"\n", env_of({{"HUAWEICLOUD_SDK_DOMAIN_ID", "a b"}}));
  EXPECT_EQ(bad_env.errors,
            std::vector<std::string>{"c.toml: billing: env HUAWEICLOUD_SDK_DOMAIN_ID 'a b' is not an "
                                     "account id (allowed: 1..64 of A-Z, a-z, 0-9, _ and -)"});
}

}  // namespace
}  // namespace cphfleet

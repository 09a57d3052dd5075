#include "input/credentials.hpp"

#include <gtest/gtest.h>

#include <map>

#include "base/diagnostic.hpp"

namespace cphfleet {
namespace {

env_lookup fake_env(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

config cloud_config(auth_method auth, std::string project = "0123456789abcdef0123456789abcdef") {
  config c;
  c.path = "config/cloud.toml";
  c.endpoint = "https://cph.cn-north-4.myhuaweicloud.com";
  c.project_id = std::move(project);
  c.auth = auth;
  return c;
}

std::vector<std::string> messages(const input_error& e) {
  std::vector<std::string> out;
  for (const auto& d : e.errors) out.push_back(d.to_string());
  return out;
}

TEST(credentials_test, aksk_comes_from_the_sdk_variables) {
  auto c =
      load_credentials(cloud_config(auth_method::aksk),
                       fake_env({{"HUAWEICLOUD_SDK_AK", "ABCDEFGHIJ"}, {"HUAWEICLOUD_SDK_SK", "secret"}}));
  EXPECT_EQ(c.type, credentials::kind::aksk);
  EXPECT_EQ(c.access_key, "ABCDEFGHIJ");
  EXPECT_EQ(c.secret_key, "secret");
  EXPECT_EQ(c.security_token, "");
  EXPECT_EQ(c.project_id, "0123456789abcdef0123456789abcdef");
}

TEST(credentials_test, describe_shows_the_first_four_characters_and_never_a_secret) {
  auto c = load_credentials(cloud_config(auth_method::aksk),
                            fake_env({{"HUAWEICLOUD_SDK_AK", "ABCDEFGHIJ"},
                                      {"HUAWEICLOUD_SDK_SK", "topsecretkey"},
                                      {"HUAWEICLOUD_SDK_SECURITY_TOKEN", "sessiontokenvalue"}}));
  EXPECT_EQ(c.describe(),
            "AK ABCD\xE2\x80\xA6 (temporary, with security token), project 0123456789abcdef0123456789abcdef");
  EXPECT_EQ(c.describe().find("topsecret"), std::string::npos);
  EXPECT_EQ(c.describe().find("sessiontoken"), std::string::npos);
  EXPECT_EQ(c.security_token, "sessiontokenvalue");

  auto t = load_credentials(cloud_config(auth_method::token),
                            fake_env({{"CPHFLEET_AUTH_TOKEN", "MIIEtokenbody"}}));
  EXPECT_EQ(t.describe(), "token MIIE\xE2\x80\xA6, project 0123456789abcdef0123456789abcdef");
}

TEST(credentials_test, missing_keys_name_every_variable_to_set) {
  try {
    load_credentials(cloud_config(auth_method::aksk, ""), fake_env({{"HUAWEICLOUD_SDK_SK", ""}}));
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(
        messages(e),
        (std::vector<std::string>{
            "config/cloud.toml: auth.method: aksk credentials missing: set HUAWEICLOUD_SDK_AK and "
            "HUAWEICLOUD_SDK_SK in the environment (temporary keys also need HUAWEICLOUD_SDK_SECURITY_TOKEN)",
            "config/cloud.toml: cloud.project_id: missing (set project_id in [cloud] or "
            "HUAWEICLOUD_SDK_PROJECT_ID in the environment)"}));
  }
}

TEST(credentials_test, missing_token_names_its_variable) {
  try {
    load_credentials(cloud_config(auth_method::token), fake_env({{"HUAWEICLOUD_SDK_AK", "ABCD"}}));
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(messages(e),
              (std::vector<std::string>{"config/cloud.toml: auth.method: token missing: set "
                                        "CPHFLEET_AUTH_TOKEN in the environment (an IAM token)"}));
  }
}

TEST(credentials_test, project_id_falls_back_to_the_environment) {
  auto c = load_credentials(cloud_config(auth_method::token, ""),
                            fake_env({{"CPHFLEET_AUTH_TOKEN", "tok"}, {"HUAWEICLOUD_SDK_PROJECT_ID", "p1"}}));
  EXPECT_EQ(c.project_id, "p1");
  EXPECT_EQ(c.auth_token, "tok");
}

TEST(credentials_test, the_embedded_endpoint_needs_none) {
  config c = cloud_config(auth_method::aksk, "");
  c.endpoint = "embedded";
  auto creds = load_credentials(c, fake_env({}));
  EXPECT_EQ(creds.type, credentials::kind::none);
  EXPECT_EQ(creds.project_id, embedded_project_id);
  EXPECT_EQ(creds.describe(), "none (embedded emulator)");
}

}  // namespace
}  // namespace cphfleet

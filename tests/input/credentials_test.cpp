#include "input/credentials.hpp"

#include <gtest/gtest.h>

#include <map>

#include "base/diagnostic.hpp"
#include "support/temp_files.hpp"

#include <sys/stat.h>

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
            "AK ABCD\xE2\x80\xA6 (temporary, with security token), project 0123456789abcdef0123456789abcdef, "
            "from env");
  EXPECT_EQ(c.describe().find("topsecret"), std::string::npos);
  EXPECT_EQ(c.describe().find("sessiontoken"), std::string::npos);
  EXPECT_EQ(c.security_token, "sessiontokenvalue");

  auto t = load_credentials(cloud_config(auth_method::token),
                            fake_env({{"CPHFLEET_AUTH_TOKEN", "MIIEtokenbody"}}));
  EXPECT_EQ(t.describe(), "token MIIE\xE2\x80\xA6, project 0123456789abcdef0123456789abcdef, from env");
}

TEST(credentials_test, one_key_of_two_in_the_environment_is_an_error_not_a_reason_to_look_elsewhere) {
  try {
    load_credentials(cloud_config(auth_method::aksk, ""), fake_env({{"HUAWEICLOUD_SDK_SK", "s"}}));
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(messages(e),
              (std::vector<std::string>{
                  "config/cloud.toml: auth.method: aksk credentials half set: HUAWEICLOUD_SDK_SK is set but "
                  "HUAWEICLOUD_SDK_AK is not (required: both in the environment, or neither to use the "
                  "credentials file or the ECS metadata; temporary keys also need "
                  "HUAWEICLOUD_SDK_SECURITY_TOKEN)",
                  "config/cloud.toml: cloud.project_id: missing (set project_id in [cloud], "
                  "HUAWEICLOUD_SDK_PROJECT_ID in the environment, or project_id in the credentials file's "
                  "[basic])"}));
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

// ---- the sources in order -----------------------------------------------------------------------

struct creds_dir {
  testing::temp_files dir;
  std::string write(std::string_view text, mode_t mode = 0600) {
    auto p = dir.write("home/.huaweicloud/credentials", text);
    EXPECT_EQ(::chmod(p.c_str(), mode), 0);
    return p;
  }
  // HOME points here; no variable names the file.
  std::map<std::string, std::string, std::less<>> env() const { return {{"HOME", "home"}}; }
};

TEST(credentials_test, env_beats_the_file_which_beats_the_metadata) {
  creds_dir d;
  d.write("[basic]\nak = FILEAK0001\nsk = filesecret\n");
  auto vars = d.env();
  vars["HUAWEICLOUD_SDK_AK"] = "ENVAK00001";
  vars["HUAWEICLOUD_SDK_SK"] = "envsecret";
  auto c = load_credentials(cloud_config(auth_method::aksk), fake_env(vars));
  EXPECT_EQ(c.source, credential_source::env);
  EXPECT_EQ(c.access_key, "ENVAK00001");
  EXPECT_EQ(c.source_text(), "env");

  c = load_credentials(cloud_config(auth_method::aksk), fake_env(d.env()));
  EXPECT_EQ(c.source, credential_source::file);
  EXPECT_EQ(c.access_key, "FILEAK0001");
  EXPECT_EQ(c.secret_key, "filesecret");
  EXPECT_EQ(c.expires_at_s, 0);
  EXPECT_EQ(c.source_text(), "file home/.huaweicloud/credentials");
  EXPECT_EQ(c.describe(),
            "AK FILE\xE2\x80\xA6, project 0123456789abcdef0123456789abcdef, from file "
            "home/.huaweicloud/credentials");
  EXPECT_EQ(c.passed_over,
            (std::vector<std::string>{"env: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are unset"}));

  d.write("[basic]\nproject_id = 0123456789abcdef0123456789abcdef\n");
  config cfg = cloud_config(auth_method::aksk);
  cfg.metadata_url = "http://127.0.0.1:9";
  c = load_credentials(cfg, fake_env(d.env()));
  EXPECT_EQ(c.source, credential_source::ecs_metadata);
  EXPECT_EQ(c.type, credentials::kind::aksk);
  EXPECT_EQ(c.access_key, "");  // fetched by the caller (client/ecs_metadata.hpp)
  EXPECT_EQ(c.source_text(), "ECS metadata http://127.0.0.1:9");
  EXPECT_EQ(c.passed_over,
            (std::vector<std::string>{"env: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are unset",
                                      "file home/.huaweicloud/credentials: no ak and sk in [basic]"}));
}

TEST(credentials_test, the_file_can_be_named_by_the_sdk_variable_and_gives_project_and_token) {
  creds_dir d;
  auto p = d.dir.write("elsewhere/creds.ini",
                       "[basic]\nak = ABCDEFGH\nsk = s\nproject_id = fromfile\nsecurity_token = t0k\n");
  ASSERT_EQ(::chmod(p.c_str(), 0600), 0);
  auto c = load_credentials(cloud_config(auth_method::aksk, ""),
                            fake_env({{"HUAWEICLOUD_SDK_CREDENTIALS_FILE", p}, {"HOME", "home"}}));
  EXPECT_EQ(c.source_where, "elsewhere/creds.ini");
  EXPECT_EQ(c.project_id, "fromfile");
  EXPECT_EQ(c.security_token, "t0k");
  // The config's project (which already took HUAWEICLOUD_SDK_PROJECT_ID) wins over the file's.
  c = load_credentials(cloud_config(auth_method::aksk, "fromconfig"),
                       fake_env({{"HUAWEICLOUD_SDK_CREDENTIALS_FILE", p}}));
  EXPECT_EQ(c.project_id, "fromconfig");
}

TEST(credentials_test, a_group_readable_file_is_refused_and_not_skipped) {
  creds_dir d;
  d.write("[basic]\nak = ABCD\nsk = s\n", 0644);
  try {
    load_credentials(cloud_config(auth_method::aksk), fake_env(d.env()));
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(messages(e),
              (std::vector<std::string>{
                  "home/.huaweicloud/credentials: the credentials file has mode 0644: other users may "
                  "read it or change it (allowed: only its owner: chmod 600 "
                  "home/.huaweicloud/credentials)"}));
  }
}

TEST(credentials_test, a_file_with_ak_but_no_sk_names_what_is_missing) {
  creds_dir d;
  d.write("# keys\n[basic]\nak = ABCD\n");
  try {
    load_credentials(cloud_config(auth_method::aksk), fake_env(d.env()));
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(messages(e), (std::vector<std::string>{
                               "home/.huaweicloud/credentials:2:1: basic.sk: is missing (required: ak "
                               "and sk together in [basic]; ak alone is not a key)"}));
  }
}

TEST(credentials_test, no_credentials_names_every_source_tried) {
  creds_dir d;
  config cfg = cloud_config(auth_method::aksk);
  auto c = load_credentials(cfg, fake_env(d.env()));
  EXPECT_EQ(
      no_credentials(cfg, c, "ECS metadata http://169.254.169.254: connect: timed out").to_string(),
      "config/cloud.toml: auth.method: aksk credentials missing from every source: env: HUAWEICLOUD_SDK_AK "
      "and HUAWEICLOUD_SDK_SK are unset; file home/.huaweicloud/credentials: does not exist; ECS metadata "
      "http://169.254.169.254: connect: timed out (set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK in the "
      "environment, write them to the credentials file, or run on an ECS with an agency)");
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

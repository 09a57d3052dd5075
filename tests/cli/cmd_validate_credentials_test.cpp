// `cphfleet validate` on a real (emulated) endpoint: which endpoint and credential source a run would
// use, each source in turn, and exit 2 naming every source when none has credentials. The built binary
// as a child process, `cphfleet emulator` serving the ECS metadata on 127.0.0.1.
#include "support/fixture_server.hpp"
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <regex>

namespace cphfleet::test {
namespace {

struct validate_env {
  temp_dir tmp{"validate"};
  std::filesystem::path dir = tmp.path();
  std::filesystem::path job = dir / "job.toml";

  validate_env() = default;
  explicit validate_env(const std::string& cloud) { configure(cloud); }
  void configure(const std::string& cloud) {
    write_file(job, job_text({{"v", 3}}));
    write_file(dir / "config.toml",
               cloud + "project_id = \"" + k_project + "\"\n[ledger]\npath = \"orders.csv\"\n");
  }
  void write_credentials(const std::string& text) {
    std::filesystem::create_directories(dir / ".huaweicloud");
    write_file(dir / ".huaweicloud/credentials", text);
    std::filesystem::permissions(dir / ".huaweicloud/credentials",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  // No key in the environment, HOME here, the metadata service at `metadata` (a closed port by default).
  std::vector<std::string> env(std::string metadata = {}) const {
    if (metadata.empty()) metadata = "http://127.0.0.1:" + std::to_string(unused_port());
    return {"HUAWEICLOUD_SDK_AK=",
            "HUAWEICLOUD_SDK_SK=",
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE=",
            "HOME=" + dir.string(),
            "CPHFLEET_ECS_METADATA_URL=" + metadata,
            "HTTPS_PROXY=",
            "https_proxy="};
  }
  run_result validate(std::vector<std::string> env) {
    return run_cphfleet({"validate", job.string()}, env, std::chrono::seconds(60));
  }
};

TEST(cmd_validate_credentials_test, keys_in_the_environment_are_named_with_the_region_endpoint) {
  validate_env e("[cloud]\nregion = \"cn-north-4\"\n");
  auto env = e.env();
  env[0] = std::string("HUAWEICLOUD_SDK_AK=") + k_ak;  // the first value of a name is the one seen
  env[1] = std::string("HUAWEICLOUD_SDK_SK=") + k_sk;
  auto r = e.validate(env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "endpoint: https://cph.cn-north-4.myhuaweicloud.com (region cn-north-4)\n"
            "credentials: env (AK TEST\xE2\x80\xA6), project " +
                std::string(k_project) + "\n" + e.job.string() + ": ok (1 fleet, 3 servers)\n" +
                "spend guard: 3 servers of at most 100 ([limits] max_servers_per_run in " +
                (e.dir / "config.toml").string() + "): allowed\n");
  EXPECT_EQ(r.out.find(k_sk), std::string::npos);
}

TEST(cmd_validate_credentials_test, the_credentials_file_is_named_when_the_environment_has_none) {
  validate_env e("[cloud]\nregion = \"cn-north-4\"\n");
  e.write_credentials("[basic]\nak = FILEAK0000000001\nsk = file-secret-never-printed\n");
  auto env = e.env();
  env.push_back("HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4=http://127.0.0.1:9");
  auto r = e.validate(env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "endpoint: http://127.0.0.1:9 (region cn-north-4, from env HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4)\n"
      "credentials: file " +
          (e.dir / ".huaweicloud/credentials").string() + " (AK FILE\xE2\x80\xA6), project " + k_project +
          "\n" + e.job.string() +
          ": ok (1 fleet, 3 servers)\nspend guard: 3 servers of at most 100 ([limits] " +
          "max_servers_per_run in " + (e.dir / "config.toml").string() + "): allowed\n");
  EXPECT_EQ(r.out.find("file-secret"), std::string::npos);
}

TEST(cmd_validate_credentials_test, a_readable_credentials_file_fails_validation) {
  validate_env e("[cloud]\nregion = \"cn-north-4\"\n");
  e.write_credentials("[basic]\nak = FILEAK0000000001\nsk = s\n");
  ::chmod((e.dir / ".huaweicloud/credentials").c_str(), 0644);
  auto r = e.validate(e.env());
  EXPECT_EQ(r.exit_code, 2);
  const std::string path = (e.dir / ".huaweicloud/credentials").string();
  EXPECT_EQ(r.err, path +
                       ": the credentials file has mode 0644: other users may read it or change it (allowed: "
                       "only its owner: chmod 600 " +
                       path + ")\n");
  EXPECT_EQ(r.out, "");
}

TEST(cmd_validate_credentials_test, the_ecs_metadata_is_asked_when_nothing_else_has_keys) {
  validate_env e;
  emulator_process emu(e.dir, {"--metadata-lifetime", "3600"});
  e.configure("[cloud]\nendpoint = \"" + emu.url() + "\"\n");
  auto r = e.validate(e.env(emu.url()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::regex expected(
      "endpoint: " + emu.url() + "\ncredentials: ECS metadata " + emu.url() +
      " \\(fetched now: AK TMP.\xE2\x80\xA6 \\(temporary, with security token\\), expires "
      "20[0-9-]{8}T[0-9:]{8}Z\\), project " +
      k_project + "\n.*: ok \\(1 fleet, 3 servers\\)\nspend guard: 3 servers of at most 100 .*: allowed\n");
  EXPECT_TRUE(std::regex_match(r.out, expected)) << r.out;
  EXPECT_EQ(emu.stats().at("metadata_requests").to_number<std::int64_t>(), 2);  // token, keys
}

TEST(cmd_validate_credentials_test, no_source_with_keys_exits_2_naming_every_source_tried) {
  validate_env e("[cloud]\nregion = \"cn-north-4\"\n");
  const std::string metadata = "http://127.0.0.1:" + std::to_string(unused_port());
  auto r = e.validate(e.env(metadata));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            (e.dir / "config.toml").string() +
                ": auth.method: aksk credentials missing from every source: env: HUAWEICLOUD_SDK_AK and "
                "HUAWEICLOUD_SDK_SK are unset; file " +
                (e.dir / ".huaweicloud/credentials").string() + ": does not exist; ECS metadata " + metadata +
                ": connect: Connection refused (set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK in the "
                "environment, write them to the credentials file, or run on an ECS with an agency)\n");
}

}  // namespace
}  // namespace cphfleet::test

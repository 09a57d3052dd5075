// `cphfleet catalog`, run as users run it.
#include <gtest/gtest.h>

#include <thread>

#include "emulator/server.hpp"
#include "support/fixture_server.hpp"
#include "support/temp_files.hpp"
#include "support/test_process.hpp"

namespace cphfleet {
namespace {

using test::run_cphfleet;

const char* embedded_config = R"([cloud]
endpoint = "embedded"
)";

TEST(cmd_catalog_test, prints_the_embedded_server_models_as_a_table) {
  testing::temp_files files;
  files.write("config/embedded.toml", embedded_config);
  auto r = run_cphfleet({"catalog", "server-models", "--config", "config/embedded.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "server_model_name        server_type  cpu  memory  product_type\n"
            "physical.rx1.xlarge      0            64   262144  CPH\n"
            "physical.rx1.xlarge.v2   0            64   262144  CPH\n"
            "physical.kg1.4xlarge.cp  0            128  393216  CPH\n");
}

TEST(cmd_catalog_test, json_keeps_the_service_shape) {
  testing::temp_files files;
  files.write("embedded.toml", embedded_config);
  auto r = run_cphfleet({"catalog", "bandwidths", "--json", "--config", "embedded.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      R"({"band_widths":[{"band_width_id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","band_width_size":100,)"
      R"("band_width_share_type":1,"band_width_charge_mode":0},{"band_width_id":"5f4e3d2c-1b0a-4f9e-8d7c-)"
      R"(6b5a4f3e2d1c","band_width_size":300,"band_width_share_type":1,"band_width_charge_mode":1}]})"
      "\n");
}

TEST(cmd_catalog_test, an_unknown_kind_is_a_usage_error) {
  auto r = run_cphfleet({"catalog", "flavors", "--config", "x.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("kind: flavors not in {server-models,phone-models,images,bandwidths}"),
            std::string::npos)
      << r.err;
}

TEST(cmd_catalog_test, missing_keys_exit_2_naming_the_variables) {
  testing::temp_files files;
  files.write("cloud.toml",
              "[cloud]\nendpoint = \"https://cph.cn-north-4.myhuaweicloud.com\"\nproject_id = \"p\"\n");
  const std::string metadata = "http://127.0.0.1:" + std::to_string(test::unused_port());
  auto r = run_cphfleet({"catalog", "images", "--config", "cloud.toml"},
                        {"HUAWEICLOUD_SDK_AK=", "HUAWEICLOUD_SDK_SK=", "HUAWEICLOUD_SDK_CREDENTIALS_FILE=",
                         "HOME=" + files.root().string(), "CPHFLEET_ECS_METADATA_URL=" + metadata,
                         "HTTPS_PROXY=", "https_proxy="});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(
      r.err,
      "cloud.toml: auth.method: aksk credentials missing from every source: env: HUAWEICLOUD_SDK_AK and "
      "HUAWEICLOUD_SDK_SK are unset; file " +
          files.root().string() + "/.huaweicloud/credentials: does not exist; ECS metadata " + metadata +
          ": connect: Connection refused (set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK in the environment, "
          "write them to the credentials file, or run on an ECS with an agency)\n");
}

// An emulator that checks signatures, on its own thread, for a child cphfleet to call.
struct signed_emulator_thread {
  signed_emulator_thread() : emu(io, options()) {
    emu.start();
    thread = std::thread([this] { io.run(); });
  }
  ~signed_emulator_thread() {
    emu.stop();
    io.stop();
    thread.join();
  }
  static emulator_options options() {
    emulator_options o;
    o.ak = "AKTEST0123";
    o.sk = "right-secret";
    return o;
  }
  net::io_context io;
  emulator emu;
  std::thread thread;
};

TEST(cmd_catalog_test, a_signed_read_works_and_a_wrong_secret_exits_4) {
  signed_emulator_thread server;
  testing::temp_files files;
  files.write("local.toml", "[cloud]\nendpoint = \"" + server.emu.url() + "\"\nproject_id = \"p1\"\n");
  auto ok = run_cphfleet({"catalog", "images", "--config", "local.toml"},
                         {"HUAWEICLOUD_SDK_AK=AKTEST0123", "HUAWEICLOUD_SDK_SK=right-secret"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out.substr(0, ok.out.find('\n')),
            "image_id                          image_name               os_type  public  image_label");

  auto refused = run_cphfleet({"catalog", "images", "--config", "local.toml"},
                              {"HUAWEICLOUD_SDK_AK=AKTEST0123", "HUAWEICLOUD_SDK_SK=wrong-secret"});
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err.rfind("cphfleet: catalog images: HTTP 401 APIGW.0301 ", 0), 0u) << refused.err;
  EXPECT_EQ(refused.err.find("wrong-secret"), std::string::npos);
}

}  // namespace
}  // namespace cphfleet

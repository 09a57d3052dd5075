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
  EXPECT_EQ(
      r.out,
      "server_model_name        product  server_type  cpu  memory_gib  gpu            disk_max_num  "
      "free_size_gib\n"
      "physical.rx1.xlarge      phone    Hi1616       64   256         -              0             0\n"
      "physical.rx1.xlarge.v2   phone    Hi1616       64   256         -              0             0\n"
      "physical.kg1.4xlarge.cp  phone    Kunpeng920   128  384         -              2             100\n"
      "physical.rx1.xlarge.cg   game     Hi1616       64   256         AMD WX5100 x2  0             0\n"
      "physical.kg1.4xlarge.cg  game     Kunpeng920   128  512         AMD WX5100 x4  2             100\n");
}

TEST(cmd_catalog_test, json_keeps_the_service_shape) {
  testing::temp_files files;
  files.write("embedded.toml", embedded_config);
  auto r = run_cphfleet({"catalog", "bandwidths", "--json", "--config", "embedded.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"({"band_widths":[{"band_width_name":"cph-shared-100","band_width_id":"1a2b3c4d-5e6f-4a7b-8c9d-)"
            R"(0e1f2a3b4c5d","band_width_size":100,"band_width_share_type":1,"band_width_charge_mode":0,)"
            R"("create_time":"2026-01-05T08:00:00Z","update_time":"2026-01-05T08:00:00Z"},)"
            R"({"band_width_name":"cph-shared-300","band_width_id":"5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c",)"
            R"("band_width_size":300,"band_width_share_type":1,"band_width_charge_mode":1,)"
            R"("create_time":"2026-02-10T09:30:00Z","update_time":"2026-03-01T12:00:00Z"}]})"
            "\n");
}

TEST(cmd_catalog_test, phone_models_show_capacity_product_version_and_offline_flavors) {
  testing::temp_files files;
  files.write("embedded.toml", embedded_config);
  auto r = run_cphfleet({"catalog", "phone-models", "--config", "embedded.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "server_model_name        phone_model_name        status   product  version  phones  cpu  "
      "memory_mib  disk_gib  resolution  image_label\n"
      "physical.rx1.xlarge      aphs1.medium.4.aosp     on sale  phone    1.0      30      2    4096        "
      "32        720x1280    cloud_phone\n"
      "physical.rx1.xlarge      aphs1.large.4.aosp      on sale  phone    1.0      15      4    8192        "
      "64        1080x1920   cloud_phone\n"
      "physical.rx1.xlarge      aphs1.small.2.aosp      offline  phone    1.0      60      1    2048        "
      "16        720x1280    cloud_phone\n"
      "physical.rx1.xlarge.v2   aphs1.medium.4.aosp.v2  on sale  phone    1.0      30      2    4096        "
      "32        720x1280    cloud_phone\n"
      "physical.kg1.4xlarge.cp  kg1.large.8.aosp        on sale  phone    1.0      16      8    16384       "
      "128       1080x2340   cloud_phone_1620\n"
      "physical.kg1.4xlarge.cp  kg1.medium.4.aosp.2     on sale  phone    2.0      32      4    8192        "
      "64        720x1280    cloud_phone_1620\n"
      "physical.rx1.xlarge.cg   aphs1.game.8.aosp       on sale  game     1.0      4       8    16384       "
      "64        1080x1920   cloud_game\n"
      "physical.kg1.4xlarge.cg  kg1.game.16.aosp.2      on sale  game     2.0      8       16   32768       "
      "128       1080x2340   cloud_game_1620\n"
      "physical.kg1.4xlarge.cg  kg1.game.8.aosp         offline  game     1.0      16      8    16384       "
      "64        1080x1920   cloud_game_1620\n");
}

TEST(cmd_catalog_test, images_show_public_and_private) {
  testing::temp_files files;
  files.write("embedded.toml", embedded_config);
  auto r = run_cphfleet({"catalog", "images", "--config", "embedded.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(
                "88b8449b896f3a4f0ad57222dd919899  CloudPhone_AOSP_10       android  Android 10  public      "
                "cloud_phone\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(
                "e0d1c2b3a4958677685940312a1b0c9d  MyApps_AOSP_10           android  Android 10  private     "
                "cloud_phone\n"),
            std::string::npos)
      << r.out;
  auto json = run_cphfleet({"catalog", "images", "--json", "--config", "embedded.toml"});
  EXPECT_NE(
      json.out.find(R"({"image_id":"e0d1c2b3a4958677685940312a1b0c9d","image_name":"MyApps_AOSP_10",)"
                    R"("os_type":"android","os_name":"Android 10","is_public":2,"image_label":"cloud_phone",)"
                    R"("is_support_encrypt":false})"),
      std::string::npos)
      << json.out;
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
            "image_id                          image_name               os_type  os_name     visibility  "
            "image_label");

  auto refused = run_cphfleet({"catalog", "images", "--config", "local.toml"},
                              {"HUAWEICLOUD_SDK_AK=AKTEST0123", "HUAWEICLOUD_SDK_SK=wrong-secret"});
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err.rfind("cphfleet: catalog images: HTTP 401 APIGW.0301 ", 0), 0u) << refused.err;
  EXPECT_EQ(refused.err.find("wrong-secret"), std::string::npos);
}

}  // namespace
}  // namespace cphfleet

#include "emulator/catalog_file.hpp"

#include "api/catalog_rules.hpp"
#include "emulator/state.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace cphfleet {
namespace {

purchase_request request(std::string name) {
  purchase_request r;
  r.server_name = std::move(name);
  r.server_model_name = "physical.rx1.xlarge";
  r.phone_model_name = "aphs1.medium.4.aosp";
  r.image_id = "88b8449b896f3a4f0ad57222dd919899";
  r.band_width.band_width_share_type = 0;
  return r;
}

struct temp_file {
  std::filesystem::path path;
  explicit temp_file(const std::string& text) {
    path = std::filesystem::temp_directory_path() /
           ("cphfleet-catalog-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++) + ".toml");
    std::ofstream(path) << text;
  }
  ~temp_file() { std::filesystem::remove(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

TEST(emulator_catalog_file_test, a_catalog_file_replaces_the_builtin_catalog) {
  temp_file f(R"(
[[server_models]]
server_model_name = "custom.server"
cpu = 8
[[phone_models]]
server_model_name = "custom.server"
phone_model_name = "custom.phone"
status = 1
[[phone_images]]
image_id = "img1"
[[bandwidths]]
band_width_id = "bw1"
band_width_size = 50
band_width_share_type = 1
)");
  catalog c = load_catalog_file(f.path);
  ASSERT_EQ(c.server_models.size(), 1u);
  EXPECT_EQ(c.server_models[0].server_model_name, "custom.server");
  EXPECT_EQ(c.server_models[0].cpu, 8);
  ASSERT_EQ(c.phone_models.size(), 1u);
  EXPECT_EQ(c.phone_models[0].phone_model_name, "custom.phone");
  ASSERT_EQ(c.images.size(), 1u);
  ASSERT_EQ(c.bandwidths.size(), 1u);
  EXPECT_EQ(c.bandwidths[0].band_width_size, 50);

  emulator_state_options o;
  o.cat = c;
  emulator_state st(o);
  auto r = request("x");
  auto problems = check_against_catalog(r, st.catalog_data());
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems.front().code, "CPS.0089");  // what the emulator answers: the first problem
  r.server_model_name = "custom.server";
  r.phone_model_name = "custom.phone";
  r.image_id = "img1";
  EXPECT_TRUE(check_against_catalog(r, st.catalog_data()).empty());
}

TEST(emulator_catalog_file_test, the_sdk_fields_load_and_an_old_file_gets_defaults) {
  temp_file f(R"(
[[server_models]]
server_model_name = "old.server"
product_type = "CPH"
[[server_models]]
server_model_name = "game.server"
product_type = 1
disk_max_num = 2
free_size = 100
extend_spec = { gpu = "G", gpu_count = 2, os_volume_size = 40, os_volume_type = "SSD" }
[[phone_models]]
server_model_name = "game.server"
phone_model_name = "game.phone"
phone_capacity = 8
image_label = "cloud_game"
phone_model_version = 1
fps = "60"
[[phone_models]]
server_model_name = "old.server"
phone_model_name = "old.phone"
[[phone_images]]
image_id = "img2"
is_public = 2
os_name = "Android 11"
is_support_encrypt = true
[[bandwidths]]
band_width_id = "bw1"
band_width_name = "shared"
)");
  catalog c = load_catalog_file(f.path);
  ASSERT_EQ(c.server_models.size(), 2u);
  EXPECT_EQ(c.server_models[0].product_type, 0);
  EXPECT_EQ(c.server_models[1].product_type, 1);
  EXPECT_EQ(c.server_models[1].extend_spec.gpu_count, 2);
  EXPECT_EQ(c.server_models[1].extend_spec.os_volume.size, 40);
  EXPECT_EQ(c.server_models[1].free_size, 100);
  ASSERT_EQ(c.phone_models.size(), 2u);
  EXPECT_EQ(c.phone_models[0].product_type, 1);  // its server model's
  EXPECT_EQ(c.phone_models[0].phone_model_version, 1);
  EXPECT_EQ(c.phone_models[0].fps, "60");
  EXPECT_EQ(c.phone_models[1].product_type, 0);
  EXPECT_EQ(c.phone_models[1].phone_model_version, 0);
  EXPECT_EQ(c.images[0].is_public, 2);
  EXPECT_EQ(c.images[0].is_support_encrypt, true);
  EXPECT_EQ(c.bandwidths[0].band_width_name, "shared");

  temp_file bad("[[phone_images]]\nimage_id = \"a\"\nis_public = 0\n");
  try {
    load_catalog_file(bad.path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              bad.path.string() + ":3:13: phone_images[0].is_public: must be 1 (public) or 2 (private)");
  }
  temp_file big("[[phone_models]]\nphone_model_name = \"a\"\nphone_capacity = 300\n");
  try {
    load_catalog_file(big.path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              big.path.string() + ":3:18: phone_models[0].phone_capacity: must be 0..256");
  }
}

TEST(emulator_catalog_file_test, a_bad_catalog_file_names_the_place) {
  temp_file wrong_type("[[server_models]]\nserver_model_name = \"a\"\ncpu = \"eight\"\n");
  try {
    load_catalog_file(wrong_type.path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              wrong_type.path.string() + ":3:7: server_models[0].cpu: must be an integer");
  }
  temp_file unknown("[[phone_images]]\nimage_id = \"a\"\nimage_nmae = \"b\"\n");
  try {
    load_catalog_file(unknown.path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              unknown.path.string() + ":3:14: phone_images[0].image_nmae: unknown key");
  }
  temp_file syntax("[[bandwidths]\n");
  EXPECT_THROW(load_catalog_file(syntax.path), std::runtime_error);
}

}  // namespace
}  // namespace cphfleet

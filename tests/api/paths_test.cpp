#include "api/paths.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cphfleet {
namespace {

TEST(paths_test, a_path_is_built_and_read_back_the_same) {
  EXPECT_EQ(api_path::of("p", api_path::phones), "/v1/p/cloud-phone/phones");
  EXPECT_EQ(api_path::of("p", api_path::servers, "a%2Fb"), "/v1/p/cloud-phone/servers/a%2Fb");
  for (auto resource : {api_path::phones, api_path::servers, api_path::server_models, api_path::phone_models,
                        api_path::phone_images, api_path::bandwidths}) {
    const std::string path = api_path::of("p%20q", resource);
    auto parts = api_path::parse(path);
    ASSERT_TRUE(parts) << resource;
    EXPECT_EQ(parts->project_id, "p%20q");
    EXPECT_EQ(parts->resource, resource);
    EXPECT_EQ(parts->id, "");
  }
  const std::string path = api_path::of("p", api_path::servers, "id1");
  auto one = api_path::parse(path);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->id, "id1");
}

TEST(paths_test, v2_paths_carry_their_version) {
  const std::string path = api_path::of_version(api_path::version_v2, "p", api_path::servers);
  EXPECT_EQ(path, "/v2/p/cloud-phone/servers");
  auto parts = api_path::parse(path);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->version, "v2");
  EXPECT_EQ(parts->resource, "servers");
  EXPECT_EQ(api_path::parse(api_path::of("p", api_path::servers))->version, "v1");
}

TEST(paths_test, other_shapes_are_not_api_paths) {
  for (std::string_view path :
       {"", "/", "/v1", "/v1/p", "/v1/p/cloud-phone", "/v1/p/cloud-phone/", "/v1//cloud-phone/servers",
        "/v3/p/cloud-phone/servers", "v1/p/cloud-phone/servers", "/v1/p/cloud-phones/servers",
        "/v1/p/cloud-phone/servers/", "/v1/p/cloud-phone/servers/a/b", "/v1/p/cloud-phone//a"})
    EXPECT_FALSE(api_path::parse(path)) << path;
}

}  // namespace
}  // namespace cphfleet

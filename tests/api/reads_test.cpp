#include "api/reads.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace cphfleet {
namespace {
namespace json = boost::json;

std::string error_of(auto f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(api_reads_test, the_builtin_catalog_holds_the_seed_values) {
  catalog c = builtin_catalog();
  auto has = [](const auto& items, auto pred) { return std::any_of(items.begin(), items.end(), pred); };
  EXPECT_TRUE(
      has(c.server_models, [](const auto& m) { return m.server_model_name == "physical.rx1.xlarge"; }));
  EXPECT_TRUE(has(c.phone_models, [](const auto& m) {
    return m.phone_model_name == "aphs1.medium.4.aosp" && m.server_model_name == "physical.rx1.xlarge" &&
           m.status == 1;
  }));
  EXPECT_TRUE(has(c.images, [](const auto& i) { return i.image_id == "88b8449b896f3a4f0ad57222dd919899"; }));
  EXPECT_GE(c.server_models.size(), 2u);
  EXPECT_FALSE(c.bandwidths.empty());
  // Every phone model runs on a server model of the catalog.
  for (const auto& p : c.phone_models)
    EXPECT_TRUE(has(c.server_models, [&](const auto& m) {
      return m.server_model_name == p.server_model_name;
    })) << p.phone_model_name;
}

TEST(api_reads_test, a_server_belongs_to_a_chunk_by_exact_name_or_numbered_suffix) {
  EXPECT_TRUE(server_belongs_to_chunk("web-001", "web-001"));
  EXPECT_TRUE(server_belongs_to_chunk("web-001-0001", "web-001"));
  EXPECT_TRUE(server_belongs_to_chunk("web-001-12", "web-001"));
  EXPECT_FALSE(server_belongs_to_chunk("web-0010-0001", "web-001"));
  EXPECT_FALSE(server_belongs_to_chunk("xweb-001-0001", "web-001"));
  EXPECT_FALSE(server_belongs_to_chunk("web-001-", "web-001"));
  EXPECT_FALSE(server_belongs_to_chunk("web-001-00a1", "web-001"));
  EXPECT_FALSE(server_belongs_to_chunk("web-001-0001-0001", "web-001"));
  EXPECT_FALSE(server_belongs_to_chunk("web-00", "web-001"));
  EXPECT_TRUE(server_belongs_to_chunk("游戏-001-0003", "游戏-001"));
}

TEST(api_reads_test, a_server_is_written_with_the_service_field_names) {
  server_info s{"id1", "web-001-0001",         "physical.rx1.xlarge", "aphs1.medium.4.aosp",
                5,     "2026-11-26T10:00:00Z", "CS2611261000ABCDE",   "00301-12345-0--0"};
  s.charging_mode = 0;
  EXPECT_EQ(
      json::serialize(to_json(s)),
      R"({"server_id":"id1","server_name":"web-001-0001","server_model_name":"physical.rx1.xlarge",)"
      R"("phone_model_name":"aphs1.medium.4.aosp","status":5,"create_time":"2026-11-26T10:00:00Z",)"
      R"("update_time":"","availability_zone":"","keypair_name":"","network_version":"","vpc_id":"",)"
      R"("cidr":"","vpc_cidr":"","subnet_id":"","subnet_cidr":"","addresses":[],"resource_project_id":"",)"
      R"("enterprise_project_id":"",)"
      R"("metadata":{"order_id":"CS2611261000ABCDE","product_id":"00301-12345-0--0","charging_mode":0}})");
  server_info back = server_from_json(to_json(s));
  EXPECT_EQ(back.server_id, s.server_id);
  EXPECT_EQ(back.server_name, s.server_name);
  EXPECT_EQ(back.status, 5);
  EXPECT_EQ(back.create_time, s.create_time);
  EXPECT_EQ(back.order_id, s.order_id);
  EXPECT_EQ(back.product_id, s.product_id);
}

TEST(api_reads_test, a_server_reader_tolerates_missing_and_extra_fields) {
  auto s = server_from_json(json::parse(
      R"({"server_name":"a-0001","status":1,"addresses":[{"x":1}],"metadata":{"order_id":"CS1"},"vpc_id":"v"})"));
  EXPECT_EQ(s.server_name, "a-0001");
  EXPECT_EQ(s.status, 1);
  EXPECT_EQ(s.order_id, "CS1");
  EXPECT_EQ(s.product_id, "");
  EXPECT_EQ(s.server_id, "");
  EXPECT_EQ(server_from_json(json::parse(R"({"server_id":"x","metadata":null})")).server_id, "x");
}

TEST(api_reads_test, a_wrong_type_names_the_field) {
  EXPECT_EQ(error_of([] { server_from_json(json::parse(R"({"status":"5"})")); }),
            "status: must be an integer");
  EXPECT_EQ(error_of([] { server_from_json(json::parse(R"({"server_name":7})")); }),
            "server_name: must be a string");
  EXPECT_EQ(error_of([] { server_from_json(json::parse(R"({"metadata":{"order_id":1}})")); }),
            "metadata.order_id: must be a string");
  EXPECT_EQ(error_of([] { server_from_json(json::parse(R"({"metadata":[]})")); }),
            "metadata: must be an object");
  EXPECT_EQ(error_of([] { server_from_json(json::parse("[]")); }), "server: must be an object");
  EXPECT_EQ(error_of([] { phone_model_from_json(json::parse(R"({"cpu":2.5})")); }),
            "cpu: must be an integer");
  EXPECT_EQ(error_of([] { bandwidth_from_json(json::parse(R"({"band_width_size":true})")); }),
            "band_width_size: must be an integer");
  EXPECT_EQ(phone_model_from_json(json::parse(R"({"cpu":2.0})")).cpu, 2);
}

TEST(api_reads_test, a_whole_double_out_of_range_is_a_wrong_type) {
  // 2^63 as a double equals INT64_MAX as a double: it passed the bound check, and the conversion to
  // int64 was undefined (UBSan under tests/fuzz/reads_fuzz.cpp).
  EXPECT_EQ(error_of([] { server_model_from_json(json::parse(R"({"cpu":9223372036854775808.0})")); }),
            "cpu: must be an integer");
  EXPECT_EQ(error_of([] { server_model_from_json(json::parse(R"({"memory":-9223372036854777856.0})")); }),
            "memory: must be an integer");
  EXPECT_EQ(error_of([] { server_from_json(json::parse(R"({"status":2147483648.0})")); }),
            "status: must be an integer");
  EXPECT_EQ(server_model_from_json(json::parse(R"({"cpu":-9223372036854775808.0})")).cpu, INT64_MIN);
  EXPECT_EQ(server_model_from_json(json::parse(R"({"cpu":9223372036854774784.0})")).cpu, 9223372036854774784);
  EXPECT_EQ(server_from_json(json::parse(R"({"status":-2147483648.0})")).status, INT32_MIN);
  EXPECT_EQ(server_from_json(json::parse(R"({"status":2147483647.0})")).status, INT32_MAX);
}

TEST(api_reads_test, catalog_entries_round_trip) {
  catalog c = builtin_catalog();
  for (const auto& m : c.server_models) {
    auto back = server_model_from_json(to_json(m));
    EXPECT_EQ(back.server_model_name, m.server_model_name);
    EXPECT_EQ(back.server_type, m.server_type);
    EXPECT_EQ(back.cpu, m.cpu);
    EXPECT_EQ(back.memory, m.memory);
    EXPECT_EQ(back.product_type, m.product_type);
  }
  for (const auto& m : c.phone_models) {
    auto back = phone_model_from_json(to_json(m));
    EXPECT_EQ(back.server_model_name, m.server_model_name);
    EXPECT_EQ(back.phone_model_name, m.phone_model_name);
    EXPECT_EQ(back.status, m.status);
    EXPECT_EQ(back.disk, m.disk);
    EXPECT_EQ(back.resolution, m.resolution);
    EXPECT_EQ(back.phone_capacity, m.phone_capacity);
  }
  for (const auto& m : c.images) {
    auto back = phone_image_from_json(to_json(m));
    EXPECT_EQ(back.image_id, m.image_id);
    EXPECT_EQ(back.image_name, m.image_name);
    EXPECT_EQ(back.os_type, m.os_type);
    EXPECT_EQ(back.is_public, m.is_public);
    EXPECT_EQ(back.image_label, m.image_label);
  }
  for (const auto& m : c.bandwidths) {
    auto back = bandwidth_from_json(to_json(m));
    EXPECT_EQ(back.band_width_id, m.band_width_id);
    EXPECT_EQ(back.band_width_size, m.band_width_size);
    EXPECT_EQ(back.band_width_share_type, m.band_width_share_type);
    EXPECT_EQ(back.band_width_charge_mode, m.band_width_charge_mode);
  }
  EXPECT_EQ(json::serialize(to_json(c.bandwidths[0])),
            R"({"band_width_name":"cph-shared-100","band_width_id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",)"
            R"("band_width_size":100,"band_width_share_type":1,"band_width_charge_mode":0,)"
            R"("create_time":"2026-01-05T08:00:00Z","update_time":"2026-01-05T08:00:00Z"})");
}

}  // namespace
}  // namespace cphfleet

// The emulator's read answers against the official SDK's response models (tests/support/sdk_models.hpp),
// its filters and paging as the SDK sends them, and the phones it derives from each server.
#include "emulator/routes.hpp"

#include "emulator/emulator_fixture.hpp"
#include "support/sdk_models.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <regex>
#include <set>
#include <stdexcept>

namespace cphfleet {
namespace {
namespace json = boost::json;
using namespace test;

constexpr std::int64_t t0 = 1'795'000'000'000;  // a fixed clock in ms

std::string api(const std::string& what) { return "/v1/" + pid + "/cloud-phone/" + what; }

json::object get_ok(http_client& c, const std::string& target) {
  auto r = c.request("GET", target);
  EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
  return r.json().as_object();
}

TEST(emulator_sdk_shapes_test, every_read_answer_holds_every_field_of_its_sdk_model) {
  running_emulator emu;
  auto c = emu.client();
  ASSERT_EQ(buy(c, purchase_body("shape", 2)).status, 200u);
  auto list = get_ok(c, servers);
  EXPECT_EQ(sdk_problems(list, "ListCloudPhoneServersResponse"), std::vector<std::string>{});
  std::string server_id(list.at("servers").as_array()[0].at("server_id").as_string());
  EXPECT_EQ(sdk_problems(get_ok(c, servers + "/" + server_id), "ShowCloudPhoneServerDetailResponse"),
            std::vector<std::string>{});
  EXPECT_EQ(sdk_problems(get_ok(c, api("server-models")), "ListCloudPhoneServerModelsResponse"),
            std::vector<std::string>{});
  EXPECT_EQ(sdk_problems(get_ok(c, api("phone-models")), "ListCloudPhoneModelsResponse"),
            std::vector<std::string>{});
  EXPECT_EQ(sdk_problems(get_ok(c, api("phone-images")), "ListCloudPhoneImagesResponse"),
            std::vector<std::string>{});
  EXPECT_EQ(sdk_problems(get_ok(c, api("bandwidths")), "ShowBandwidthDetailResponse"),
            std::vector<std::string>{});
  auto phone_list = get_ok(c, phones + "?server_id=" + server_id);
  EXPECT_EQ(sdk_problems(phone_list, "ListCloudPhonesResponse"), std::vector<std::string>{});
  std::string phone_id(phone_list.at("phones").as_array()[0].at("phone_id").as_string());
  EXPECT_EQ(sdk_problems(get_ok(c, phones + "/" + phone_id), "ShowCloudPhoneDetailResponse"),
            std::vector<std::string>{});
}

TEST(emulator_sdk_shapes_test, enum_values_stay_inside_the_documented_ones) {
  running_emulator emu;
  auto c = emu.client();
  const auto server_models = get_ok(c, api("server-models"));
  for (const auto& m : server_models.at("server_models").as_array()) {
    auto p = m.at("product_type").as_int64();
    EXPECT_TRUE(p == 0 || p == 1) << m;
  }
  std::set<std::int64_t> versions, statuses;
  const auto phone_models = get_ok(c, api("phone-models"));
  for (const auto& m : phone_models.at("phone_models").as_array()) {
    versions.insert(m.at("phone_model_version").as_int64());
    statuses.insert(m.at("status").as_int64());
    EXPECT_TRUE(std::set<std::string>(
                    {"qemu_phone", "cloud_phone", "cloud_phone_1620", "cloud_game", "cloud_game_1620"})
                    .contains(std::string(m.at("image_label").as_string())))
        << m;
  }
  EXPECT_EQ(versions, (std::set<std::int64_t>{0, 1}));
  EXPECT_EQ(statuses, (std::set<std::int64_t>{0, 1}));
  std::set<std::int64_t> visibility;
  const auto images = get_ok(c, api("phone-images"));
  for (const auto& m : images.at("phone_images").as_array()) visibility.insert(m.at("is_public").as_int64());
  EXPECT_EQ(visibility, (std::set<std::int64_t>{1, 2}));
}

TEST(emulator_sdk_shapes_test, the_flavors_existing_jobs_use_are_version_1_0) {
  catalog c = builtin_catalog();
  for (const char* name : {"aphs1.medium.4.aosp", "aphs1.large.4.aosp"}) {
    const phone_model* m = find_phone_model(c, "physical.rx1.xlarge", name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->phone_model_version, 0) << name;
    EXPECT_EQ(m->image_label, "cloud_phone") << name;
  }
}

TEST(emulator_sdk_shapes_test, catalog_filters_and_paging) {
  running_emulator emu;
  auto c = emu.client();
  auto names = [&](const std::string& target, const char* key, const char* field) {
    std::vector<std::string> out;
    const auto answer = get_ok(c, target);  // kept: a range over a temporary's member dangles
    for (const auto& m : answer.at(key).as_array()) out.emplace_back(m.at(field).as_string());
    return out;
  };
  EXPECT_EQ(names(api("server-models?product_type=1"), "server_models", "server_model_name"),
            (std::vector<std::string>{"physical.rx1.xlarge.cg", "physical.kg1.4xlarge.cg"}));
  EXPECT_EQ(names(api("server-models?product_type=0"), "server_models", "server_model_name").size(), 3u);
  EXPECT_EQ(names(api("phone-models?status=0"), "phone_models", "phone_model_name"),
            (std::vector<std::string>{"aphs1.small.2.aosp", "kg1.game.8.aosp"}));
  EXPECT_EQ(names(api("phone-models"), "phone_models", "phone_model_name").size(), 9u);
  EXPECT_EQ(names(api("phone-models?status=1&offset=1&limit=2"), "phone_models", "phone_model_name"),
            (std::vector<std::string>{"aphs1.large.4.aosp", "aphs1.medium.4.aosp.v2"}));
  EXPECT_EQ(names(api("phone-images?image_type=private"), "phone_images", "image_id"),
            std::vector<std::string>{"e0d1c2b3a4958677685940312a1b0c9d"});
  EXPECT_EQ(names(api("phone-images?image_type=public"), "phone_images", "image_id").size(), 5u);
  EXPECT_EQ(names(api("phone-images?image_type=all"), "phone_images", "image_id").size(), 6u);
  EXPECT_TRUE(names(api("phone-images?image_type=share"), "phone_images", "image_id").empty());
  EXPECT_EQ(names(api("bandwidths?offset=1&limit=1"), "band_widths", "band_width_id"),
            std::vector<std::string>{"5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c"});
  const std::pair<std::string, std::string> refused[] = {
      {"server-models?product_type=2", "Parameter: product_type is invalid."},
      {"phone-models?status=3", "Parameter: status is invalid."},
      {"phone-models?limit=101", "Parameter: offset or limit is invalid."},
      {"phone-models?offset=-1", "Parameter: offset or limit is invalid."},
      {"phone-images?image_type=mine", "Parameter: image_type is invalid."},
      {"bandwidths?limit=0", "Parameter: offset or limit is invalid."},
      {"phones?limit=201", "Parameter: offset or limit is invalid."},
      {"phones?status=9", "Parameter: status is invalid."},
      {"servers?status=7", "Parameter: status is invalid."},
      {"servers?network_version=v3", "Parameter: network_version is invalid."},
      {"servers?create_since=yesterday", "Parameter: create_since is invalid."},
  };
  for (const auto& [target, message] : refused) {
    auto r = c.request("GET", api(target));
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(r.error_code(), "CPS.0002") << target;
    EXPECT_EQ(r.error_msg(), message) << target;
  }
  EXPECT_EQ(c.request("GET", phones + "?limit=200").status, 200u);
}

purchase_request request(std::string name, std::int64_t count = 3, std::int64_t auto_pay = 1) {
  return test::purchase_of(std::move(name), count, auto_pay);
}

emulator_state make_state(std::int64_t boot_ms = 2000) {
  emulator_state_options o;
  o.boot_ms = boot_ms;
  o.id_seed = 11;
  return emulator_state(o);
}

TEST(emulator_sdk_shapes_test, every_server_has_its_flavor_s_phones_creating_until_it_is_normal) {
  auto st = make_state(2000);
  const auto& order = st.commit(request("ph", 2), t0);
  const std::string server_id = order.server_ids.at(0);
  const std::string order_id = order.order_id;
  phone_filter f;
  f.server_id = server_id;
  auto creating = st.list_phones(f, 0, 200, t0 + 1999);
  EXPECT_EQ(st.find_server(server_id, t0 + 1999)->status, 1);
  ASSERT_EQ(creating.count, 30);  // aphs1.medium.4.aosp: 30 phones per server
  ASSERT_EQ(creating.phones.size(), 30u);
  for (std::size_t i = 0; i < creating.phones.size(); ++i) {
    const phone_info& p = creating.phones[i];
    EXPECT_EQ(p.status, phone_status::creating);
    EXPECT_EQ(p.phone_name, fmt::format("ph-0001-{}", i + 1));
    EXPECT_TRUE(std::regex_match(p.phone_id, std::regex("[0-9a-f]{32}"))) << p.phone_id;
    EXPECT_EQ(p.server_id, server_id);
    EXPECT_EQ(p.order_id, order_id);
    EXPECT_EQ(p.product_id, product_id_for("physical.rx1.xlarge"));
    EXPECT_EQ(p.image_id, "88b8449b896f3a4f0ad57222dd919899");
  }
  auto running = st.list_phones(f, 0, 200, t0 + 2000);
  EXPECT_EQ(st.find_server(server_id, t0 + 2000)->status, server_status::normal);
  for (const auto& p : running.phones) EXPECT_EQ(p.status, phone_status::running);
  EXPECT_EQ(running.phones[0].update_time, "2026-11-18T11:06:42Z");

  auto one = st.find_phone(running.phones[29].phone_id, t0 + 2000);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->phone_name, "ph-0001-30");
  ASSERT_EQ(one->access_infos.size(), 1u);
  ASSERT_TRUE(one->data_volume);
  EXPECT_EQ(one->data_volume->volume_size, 32);
  std::string past_capacity = running.phones[0].phone_id.substr(0, 30) + "1e";  // phone 31
  EXPECT_FALSE(st.find_phone(past_capacity, t0 + 2000));
  EXPECT_FALSE(st.find_phone("nothing", t0 + 2000));
  EXPECT_EQ(st.list_phones({}, 0, 10, t0).count, 60);
}

TEST(emulator_sdk_shapes_test, phone_filters_and_paging) {
  auto st = make_state(0);
  st.commit(request("old", 1), t0);
  st.commit(request("new", 1), t0 + 1000);
  auto page = st.list_phones({}, 28, 4, t0 + 1000);
  EXPECT_EQ(page.count, 60);
  std::vector<std::string> names;
  for (const auto& p : page.phones) names.push_back(p.phone_name);
  EXPECT_EQ(names, (std::vector<std::string>{"new-0001-29", "new-0001-30", "old-0001-1", "old-0001-2"}));
  phone_filter by_name;
  by_name.phone_name = "old-0001-2";  // 2 and 20..29
  EXPECT_EQ(st.list_phones(by_name, 0, 200, t0 + 1000).count, 11);
  by_name.phone_name = "0001-30";
  EXPECT_EQ(st.list_phones(by_name, 0, 200, t0 + 1000).count, 2);
  by_name.phone_name = "ol";
  EXPECT_EQ(st.list_phones(by_name, 0, 200, t0 + 1000).count, 30);
  phone_filter trial;
  trial.type = 1;
  EXPECT_EQ(st.list_phones(trial, 0, 200, t0 + 1000).count, 0);
  phone_filter failed;
  failed.status = phone_status::creation_failed;
  EXPECT_EQ(st.list_phones(failed, 0, 200, t0 + 1000).count, 0);
}

TEST(emulator_sdk_shapes_test, server_filters_as_the_sdk_sends_them) {
  auto st = make_state(2000);
  st.commit(request("a", 2), t0);
  const std::string later_id = st.commit(request("b", 1), t0 + 10'000).server_ids.at(0);
  auto names = [&](const server_filter& f) {
    std::vector<std::string> out;
    for (const auto& s : st.list_servers(f, 0, 100, t0 + 11'000).servers) out.push_back(s.server_name);
    return out;
  };
  server_filter since;
  since.create_since_s = (t0 + 10'000) / 1000;
  EXPECT_EQ(names(since), std::vector<std::string>{"b-0001"});
  server_filter until;
  until.create_until_s = t0 / 1000;
  EXPECT_EQ(names(until), (std::vector<std::string>{"a-0002", "a-0001"}));
  server_filter normal;
  normal.status = server_status::normal;
  EXPECT_EQ(names(normal), (std::vector<std::string>{"a-0002", "a-0001"}));  // b is still creating
  server_filter by_id;
  by_id.server_id = later_id;
  EXPECT_EQ(names(by_id), std::vector<std::string>{"b-0001"});
  by_id.server_name = "a";  // both filters apply
  EXPECT_TRUE(names(by_id).empty());
  server_filter flavor;
  flavor.phone_model_name = "aphs1.large.4.aosp";
  EXPECT_TRUE(names(flavor).empty());
  flavor.phone_model_name = "aphs1.medium.4.aosp";
  EXPECT_EQ(names(flavor).size(), 3u);
  server_filter v2;
  v2.network_version = "v2";
  EXPECT_TRUE(names(v2).empty());
  v2.network_version = "v1";
  EXPECT_EQ(names(v2), (std::vector<std::string>{"b-0001", "a-0002", "a-0001"}));  // newest first
  server_filter window;
  window.server_name = "a-";
  window.create_since_s = t0 / 1000;
  window.create_until_s = t0 / 1000;
  EXPECT_EQ(st.list_servers(window, 1, 1, t0 + 11'000).count, 2);
}

TEST(emulator_sdk_shapes_test, a_v1_server_carries_its_network_volumes_and_bandwidth) {
  auto st = make_state(0);
  auto r = request("net", 2);
  r.band_width = {};
  r.band_width.band_width_id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
  r.keypair_name = "ops";
  const auto& order = st.commit(r, t0);
  EXPECT_EQ(order.network.network_version, "v1");
  auto first = st.find_server(order.server_ids[0], t0);
  auto second = st.find_server(order.server_ids[1], t0);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->network_version, "v1");
  EXPECT_EQ(first->vpc_id, order.network.vpc_id);
  EXPECT_EQ(first->keypair_name, "ops");
  EXPECT_EQ(first->charging_mode, 0);
  ASSERT_EQ(first->addresses.size(), 1u);
  EXPECT_NE(first->addresses[0].server_ip, second->addresses[0].server_ip);
  ASSERT_EQ(first->band_widths.size(), 1u);
  EXPECT_EQ(first->band_widths[0].band_width_name, "cph-shared-100");
  ASSERT_EQ(first->volumes.size(), 1u);
  EXPECT_EQ(first->volumes[0].volume_size, 40);  // the flavor's os_volume
  EXPECT_EQ(first->security_groups, std::vector<std::string>{order.network.security_group_id});
}

TEST(emulator_sdk_shapes_test, a_forbidden_api_is_refused_with_cps_0001) {
  emulator_options o;
  o.forbidden_apis = {"ListCloudPhoneServers"};
  running_emulator emu(o);
  auto c = emu.client();
  auto r = c.request("GET", servers);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.error_code(), "CPS.0001");
  EXPECT_EQ(r.error_msg(),
            "Insufficient permissions: the policy does not allow ListCloudPhoneServers (emulated refusal).");
  EXPECT_EQ(c.request("GET", api("server-models")).status, 200u);

  emulator_options bad;
  bad.forbidden_apis = {"ListServers"};
  try {
    routes check(bad);
    FAIL() << "an unknown API name was taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "--forbid: unknown API \"ListServers\" (CreateCloudPhoneServer, CreateNet2CloudPhoneServer, "
              "ListCloudPhoneServers, "
              "ShowCloudPhoneServerDetail, ListCloudPhoneServerModels, ListCloudPhoneModels, "
              "ListCloudPhoneImages, ShowBandwidthDetail, ListCloudPhones, ShowCloudPhoneDetail)");
  }
}

}  // namespace
}  // namespace cphfleet

// The client against answers shaped exactly as the official SDK's models describe them
// (tests/fixtures/sdk/*.json, written from the models, each with a field the models do not know), served
// by a scripted server on 127.0.0.1; and what it makes of answers it cannot use.
#include "client/cph_client.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "support/client_under_test.hpp"
#include "support/fixture_server.hpp"
#include "support/sdk_models.hpp"

namespace cphfleet {
namespace {

using namespace std::chrono_literals;
using test::fixture_server;
using test::http_answer;
using test::run_sync;
using test::step;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(CPHFLEET_SOURCE_DIR) + "/tests/fixtures/sdk/" + name + ".json");
  std::stringstream s;
  s << in.rdbuf();
  if (s.str().empty()) throw std::runtime_error("no fixture " + name);
  return s.str();
}

using test::aksk;

struct client_under_test : test::client_under_test {
  explicit client_under_test(const std::string& url) : test::client_under_test(url, aksk()) {}
};

// Answers each read path with its fixture.
fixture_server sdk_service(std::vector<std::string>* targets = nullptr) {
  return fixture_server({step::respond([targets](const http::request<http::string_body>& req) {
    std::string target(req.target());
    if (targets != nullptr) targets->push_back(target);
    std::string_view path = std::string_view(target).substr(0, target.find('?'));
    const std::string base = "/v1/proj1/cloud-phone/";
    std::string name;
    if (path == base + "servers") name = "list_cloud_phone_servers";
    if (path == base + "servers/0a2c3d4e5f60718293a4b5c6d7e8f900") name = "show_cloud_phone_server_detail";
    if (path == base + "server-models") name = "list_cloud_phone_server_models";
    if (path == base + "phone-models") name = "list_cloud_phone_models";
    if (path == base + "phone-images") name = "list_cloud_phone_images";
    if (path == base + "bandwidths") name = "show_bandwidth_detail";
    if (path == base + "phones") name = "list_cloud_phones";
    if (path == base + "phones/c1d2e3f405162738495a6b7c8d9e0f00") name = "show_cloud_phone_detail";
    if (name.empty())
      return http_answer(404, "Not Found", R"({"error_code":"APIGW.0101","error_msg":"no API"})");
    return http_answer(200, "OK", fixture(name));
  })});
}

TEST(sdk_answers_test, the_fixtures_hold_every_field_of_the_sdk_models) {
  const std::pair<const char*, const char*> fixtures[] = {
      {"list_cloud_phone_servers", "ListCloudPhoneServersResponse"},
      {"show_cloud_phone_server_detail", "ShowCloudPhoneServerDetailResponse"},
      {"list_cloud_phone_server_models", "ListCloudPhoneServerModelsResponse"},
      {"list_cloud_phone_models", "ListCloudPhoneModelsResponse"},
      {"list_cloud_phone_images", "ListCloudPhoneImagesResponse"},
      {"show_bandwidth_detail", "ShowBandwidthDetailResponse"},
      {"list_cloud_phones", "ListCloudPhonesResponse"},
      {"show_cloud_phone_detail", "ShowCloudPhoneDetailResponse"},
  };
  for (const auto& [file, model] : fixtures)
    EXPECT_EQ(test::sdk_problems(boost::json::parse(fixture(file)), model), std::vector<std::string>{})
        << file;
}

TEST(sdk_answers_test, servers_are_read_with_every_field) {
  auto server = sdk_service();
  client_under_test c(server.url());
  auto list = c.run(c.client.list_servers("game-003", c.deadline()));
  ASSERT_EQ(classify(list.report, call_kind::read).cls, outcome_class::ordered) << describe(list.report);
  ASSERT_EQ(list.servers.size(), 2u);
  const server_info& s = list.servers[0];
  EXPECT_EQ(s.server_name, "game-003-0002");
  EXPECT_EQ(s.status, 1);
  EXPECT_EQ(s.charging_mode, 0);
  EXPECT_EQ(s.order_id, "CS2611261000ABCDE");
  EXPECT_EQ(s.network_version, "v1");
  EXPECT_EQ(s.keypair_name, "ops-key");
  EXPECT_EQ(s.subnet_cidr, "172.16.0.0/12");
  ASSERT_EQ(s.addresses.size(), 1u);
  EXPECT_EQ(s.addresses[0].public_ip, "198.18.0.1");
  EXPECT_EQ(s.update_time, "2026-11-26T10:00:00Z");
  EXPECT_EQ(list.servers[1].status, server_status::normal);

  auto detail = c.run(c.client.show_server("0a2c3d4e5f60718293a4b5c6d7e8f900", c.deadline()));
  ASSERT_EQ(detail.report.http_status, 200) << describe(detail.report);
  EXPECT_EQ(detail.request_id, "7a1b2c3d4e5f60718293a4b5c6d7e8f9");
  ASSERT_EQ(detail.server.volumes.size(), 1u);
  EXPECT_EQ(detail.server.volumes[0].volume_size, 40);
  ASSERT_EQ(detail.server.band_widths.size(), 1u);
  EXPECT_EQ(detail.server.band_widths[0].band_width_name, "cph-shared-100");
  ASSERT_TRUE(detail.server.share_volume_info);
  EXPECT_EQ(detail.server.share_volume_info->volume_type, "SSD");
  EXPECT_EQ(detail.server.security_groups, std::vector<std::string>{"3f2e1d0c-9b8a-4766-8554-433221100fed"});
}

TEST(sdk_answers_test, the_catalog_is_read_with_every_field) {
  std::vector<std::string> targets;
  auto server = sdk_service(&targets);
  client_under_test c(server.url());
  auto call = c.run(c.client.read_catalog(c.deadline()));
  ASSERT_EQ(call.report.http_status, 200) << describe(call.report);
  ASSERT_EQ(call.items.server_models.size(), 2u);
  const server_model& game = call.items.server_models[1];
  EXPECT_EQ(game.product_type, product_type::cloud_game);
  EXPECT_EQ(game.extend_spec.gpu_count, 4);
  EXPECT_EQ(game.extend_spec.os_volume.size, 40);
  EXPECT_EQ(game.free_size, 100);
  EXPECT_EQ(game.disk_max_num, 2);
  ASSERT_EQ(call.items.phone_models.size(), 2u);
  const phone_model& offline = call.items.phone_models[1];
  EXPECT_EQ(offline.status, 0);
  EXPECT_EQ(offline.phone_model_version, 1);
  EXPECT_EQ(offline.fps, "60");
  EXPECT_EQ(offline.image_label, "cloud_game_1620");
  EXPECT_EQ(offline.phone_capacity, 16);
  ASSERT_EQ(call.items.images.size(), 2u);
  EXPECT_EQ(call.items.images[1].is_public, 2);
  EXPECT_EQ(call.items.images[1].is_support_encrypt, true);
  EXPECT_EQ(call.items.images[0].os_name, "Android 10");
  ASSERT_EQ(call.items.bandwidths.size(), 1u);
  EXPECT_EQ(call.items.bandwidths[0].band_width_charge_mode, 1);
  EXPECT_EQ(call.items.bandwidths[0].update_time, "2026-03-01T12:00:00Z");
  // The two paged catalogs ask for pages; the other two take no paging.
  EXPECT_EQ(targets, (std::vector<std::string>{"/v1/proj1/cloud-phone/server-models",
                                               "/v1/proj1/cloud-phone/phone-models?limit=100&offset=0",
                                               "/v1/proj1/cloud-phone/phone-images",
                                               "/v1/proj1/cloud-phone/bandwidths?limit=100&offset=0"}));
}

TEST(sdk_answers_test, phones_are_read_with_every_field) {
  std::vector<std::string> targets;
  auto server = sdk_service(&targets);
  client_under_test c(server.url());
  phone_query q;
  q.server_id = "0a2c3d4e5f60718293a4b5c6d7e8f900";
  q.status = 2;
  auto list = c.run(c.client.list_phones(q, c.deadline()));
  ASSERT_EQ(classify(list.report, call_kind::read).cls, outcome_class::ordered) << describe(list.report);
  ASSERT_EQ(list.phones.size(), 2u);
  EXPECT_EQ(list.phones[0].phone_name, "game-003-0001-1");
  EXPECT_EQ(list.phones[0].vnc_enable, "false");
  EXPECT_EQ(list.phones[1].status, phone_status::creation_failed);
  EXPECT_EQ(list.phones[1].has_encrypt, true);
  EXPECT_EQ(list.phones[1].traffic_type, "routing");
  EXPECT_EQ(list.phones[1].order_id, "CS2611261000ABCDE");
  EXPECT_EQ(
      targets.at(0),
      "/v1/proj1/cloud-phone/phones?limit=200&offset=0&server_id=0a2c3d4e5f60718293a4b5c6d7e8f900&status=2");

  auto one = c.run(c.client.show_phone("c1d2e3f405162738495a6b7c8d9e0f00", c.deadline()));
  ASSERT_EQ(one.report.http_status, 200) << describe(one.report);
  EXPECT_EQ(one.request_id, "d0718293a4b5c6d7e8f9a0b1c2d3e4f5");
  ASSERT_EQ(one.phone.access_infos.size(), 1u);
  EXPECT_EQ(one.phone.access_infos[0].access_port, 20001);
  EXPECT_EQ(one.phone.access_infos[0].listen_port, 5555);
  EXPECT_EQ(one.phone.property, R"({"com.cph.mainkeys":0})");
  ASSERT_TRUE(one.phone.data_volume);
  EXPECT_EQ(one.phone.data_volume->volume_size, 32);
}

TEST(sdk_answers_test, a_server_query_sends_every_filter_the_sdk_sends) {
  std::vector<std::string> targets;
  auto server = sdk_service(&targets);
  client_under_test c(server.url());
  server_query q;
  q.server_name = "game 3";
  q.server_id = "0a2c";
  q.phone_model_name = "aphs1.medium.4.aosp";
  q.network_version = "v1";
  q.status = 5;
  q.create_since_s = 1795000000;
  q.create_until_s = 1796000000;
  auto list = c.run(c.client.list_servers(q, c.deadline()));
  ASSERT_EQ(list.report.http_status, 200);
  EXPECT_EQ(targets.at(0),
            "/v1/proj1/cloud-phone/servers?limit=100&offset=0&server_name=game%203&server_id=0a2c&"
            "phone_model_name=aphs1.medium.4.aosp&network_version=v1&status=5&create_since=1795000000&"
            "create_until=1796000000");
}

// A fixture with one field changed to `value`.
std::string with(const std::string& name, const std::string& from, const std::string& to) {
  std::string body = fixture(name);
  auto at = body.find(from);
  if (at == std::string::npos) throw std::runtime_error(from + " not in " + name);
  return body.replace(at, from.size(), to);
}

std::string unreadable_message(const std::string& body, auto read) {
  fixture_server server({step::answer(http_answer(200, "OK", body))});
  client_under_test c(server.url());
  auto call = c.run(read(c));
  if (!call.report.transport) return "read";
  EXPECT_EQ(classify(call.report, call_kind::read).cls, outcome_class::retryable);
  return call.report.transport->message;
}

TEST(sdk_answers_test, a_type_the_client_cannot_use_names_the_call_and_the_field) {
  auto models = [](client_under_test& c) {
    return c.client.read_catalog(catalog_kind::server_models, c.deadline());
  };
  EXPECT_EQ(
      unreadable_message(
          with("list_cloud_phone_server_models", R"("product_type": 1)", R"("product_type": "1")"), models),
      "read: unreadable answer: ListCloudPhoneServerModels: server_models[1].product_type: must be an "
      "integer");
  EXPECT_EQ(unreadable_message(with("list_cloud_phone_server_models", R"("os_volume": {"size": 40)",
                                    R"("os_volume": {"size": "40")"),
                               models),
            "read: unreadable answer: ListCloudPhoneServerModels: "
            "server_models[0].extend_spec.os_volume.size: must "
            "be an integer");
  auto servers = [](client_under_test& c) { return c.client.list_servers("game", c.deadline()); };
  EXPECT_EQ(
      unreadable_message(with("list_cloud_phone_servers", R"("charging_mode": 0)", R"("charging_mode": "0")"),
                         servers),
      "read: unreadable answer: ListCloudPhoneServers: servers[0].metadata.charging_mode: must be an "
      "integer");
  EXPECT_EQ(unreadable_message(
                with("list_cloud_phone_servers", R"("addresses": [)", R"("addresses": 7, "x": [)"), servers),
            "read: unreadable answer: ListCloudPhoneServers: servers[0].addresses: must be an array");
  EXPECT_EQ(unreadable_message(R"({"request_id":"r","count":0})", servers),
            "read: unreadable answer: ListCloudPhoneServers: servers: missing");
  auto images = [](client_under_test& c) {
    return c.client.read_catalog(catalog_kind::images, c.deadline());
  };
  EXPECT_EQ(unreadable_message(with("list_cloud_phone_images", R"("is_support_encrypt": true)",
                                    R"("is_support_encrypt": "true")"),
                               images),
            "read: unreadable answer: ListCloudPhoneImages: phone_images[1].is_support_encrypt: must be true "
            "or false");
  auto phones = [](client_under_test& c) { return c.client.list_phones({}, c.deadline()); };
  EXPECT_EQ(unreadable_message(with("list_cloud_phones", R"("status": -8)", R"("status": -8.5)"), phones),
            "read: unreadable answer: ListCloudPhones: phones[1].status: must be an integer");
  auto phone = [](client_under_test& c) { return c.client.show_phone("x", c.deadline()); };
  EXPECT_EQ(unreadable_message(
                with("show_cloud_phone_detail", R"("listen_port": 5555)", R"("listen_port": "5555")"), phone),
            "read: unreadable answer: ShowCloudPhoneDetail: access_infos[0].listen_port: must be an integer");
}

TEST(sdk_answers_test, absent_optional_fields_stay_absent) {
  fixture_server server({step::answer(
      http_answer(200, "OK", R"({"server_models":[{"server_model_name":"m"}],"request_id":null})"))});
  client_under_test c(server.url());
  auto call = c.run(c.client.read_catalog(catalog_kind::server_models, c.deadline()));
  ASSERT_EQ(call.report.http_status, 200) << describe(call.report);
  ASSERT_EQ(call.items.server_models.size(), 1u);
  EXPECT_FALSE(call.items.server_models[0].product_type);
  EXPECT_EQ(call.items.server_models[0].cpu, 0);
}

TEST(sdk_answers_test, every_error_form_the_sdk_reads) {
  EXPECT_EQ(read_error_answer(R"({"errorCode":"APIGW.0308","errorMsg":"limit:5,time:1 second"})", "h").code,
            "APIGW.0308");
  EXPECT_EQ(
      read_error_answer(R"({"errorCode":"APIGW.0308","errorMsg":"limit:5,time:1 second"})", "h").message,
      "limit:5,time:1 second");
  auto sdk =
      read_error_answer(R"({"error_code":"CPS.0001","error_msg":"no permission","request_id":"rb"})", "rh");
  EXPECT_EQ(sdk.code, "CPS.0001");
  EXPECT_EQ(sdk.request_id, "rb");
  EXPECT_EQ(read_error_answer(R"({"code":"APIGW.0301","message":"m"})", "rh").request_id, "rh");
  // A 403 is the IAM policy refusing the call: permanent, and nothing more is sent.
  fixture_server server({step::answer(
      http_answer(403, "Forbidden", R"({"error_code":"CPS.0001","error_msg":"Insufficient permissions"})"))});
  client_under_test c(server.url());
  auto call = c.run(c.client.read_catalog(catalog_kind::images, c.deadline()));
  EXPECT_EQ(call.report.http_status, 403);
  EXPECT_EQ(call.report.error_code, "CPS.0001");
  outcome o = classify(call.report, call_kind::read);
  EXPECT_EQ(o.cls, outcome_class::permanent);
  EXPECT_TRUE(o.stop_run);
}

}  // namespace
}  // namespace cphfleet

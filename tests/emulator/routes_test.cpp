// What the emulated service answers: paths to APIs, the server list's query, and the API answers over
// real sockets.
#include "emulator/routes.hpp"

#include "emulator/emulator_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <limits>

namespace cphfleet {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace test;

std::string route_name(http::verb method, std::string_view path) {
  auto r = route_of(method, path);
  if (!r) return "none";
  static const char* names[] = {"purchase",      "purchase_v2",  "list_servers", "show_server",
                                "server_models", "phone_models", "phone_images", "bandwidths",
                                "list_phones",   "show_phone"};
  static_assert(std::size(names) == k_api_count);
  std::string out = fmt::format("{} {}", names[static_cast<int>(r->api)], r->project_id);
  if (!r->server_id.empty()) out += " " + r->server_id;
  if (!r->phone_id.empty()) out += " " + r->phone_id;
  return out;
}

TEST(emulator_routes_test, paths_name_their_api_and_decode_their_ids) {
  using http::verb;
  EXPECT_EQ(route_name(verb::post, "/v1/p/cloud-phone/phones"), "purchase p");
  EXPECT_EQ(route_name(verb::post, "/v2/p/cloud-phone/servers"), "purchase_v2 p");
  // v2 serves the purchase only: its reads stay v1.
  EXPECT_EQ(route_name(verb::post, "/v2/p/cloud-phone/phones"), "none");
  EXPECT_EQ(route_name(verb::post, "/v2/p/cloud-phone/servers/x"), "none");
  EXPECT_EQ(route_name(verb::get, "/v1/p/cloud-phone/servers"), "list_servers p");
  EXPECT_EQ(route_name(verb::get, "/v1/p/cloud-phone/servers/a%2Fb"), "show_server p a/b");
  EXPECT_EQ(route_name(verb::get, "/v1/p%20q/cloud-phone/server-models"), "server_models p q");
  EXPECT_EQ(route_name(verb::get, "/v1/p/cloud-phone/phone-models"), "phone_models p");
  EXPECT_EQ(route_name(verb::get, "/v1/p/cloud-phone/phone-images"), "phone_images p");
  EXPECT_EQ(route_name(verb::get, "/v1/p/cloud-phone/bandwidths"), "bandwidths p");
  for (std::string_view path :
       {"/", "/v1/p/cloud-phone", "/v1/p/cloud-phone/", "/v1//cloud-phone/servers",
        "/v2/p/cloud-phone/servers", "/v1/p/cloud-phone/servers/", "/v1/p/cloud-phone/servers/a/b",
        "/v1/p/cloud-phone/phones/x/y", "/v1/p/cloud-phone/images", "v1/p/cloud-phone/servers"})
    EXPECT_EQ(route_name(verb::get, path), "none") << path;
  EXPECT_EQ(route_name(verb::get, "/v1/p/cloud-phone/phones"), "list_phones p");
  EXPECT_EQ(route_name(verb::get, "/v1/p/cloud-phone/phones/a%2Fb"), "show_phone p a/b");
  EXPECT_EQ(route_name(verb::post, "/v1/p/cloud-phone/phones/x"), "none");
  EXPECT_EQ(route_name(verb::post, "/v1/p/cloud-phone/servers"), "none");
  EXPECT_EQ(route_name(verb::delete_, "/v1/p/cloud-phone/servers/x"), "none");
}

TEST(emulator_routes_test, the_list_query_takes_strict_integers_only) {
  auto q = parse_list_query("server_name=web%2D&offset=8&limit=4&marker=x");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->filter.server_name, "web-");
  EXPECT_EQ(q->offset, 8);
  EXPECT_EQ(q->limit, 4);
  auto biggest = parse_list_query("offset=9223372036854775807");
  ASSERT_TRUE(biggest);
  EXPECT_EQ(biggest->offset, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(biggest->limit, 100);
  for (std::string_view bad :
       {"offset=9223372036854775808", "offset=99999999999999999999", "offset=-1",
        "offset=-9223372036854775808", "offset=", "offset=abc", "offset=+1", "offset=%201", "offset=1%20",
        "offset=1e3", "offset=0x10", "limit=0", "limit=101", "limit=1.5", "limit=-0x1", "limit"})
    EXPECT_FALSE(parse_list_query(bad)) << bad;
}

TEST(emulator_routes_test, a_page_past_the_largest_offset_is_empty_not_an_overflow) {
  running_emulator emu;
  auto c = emu.client();
  ASSERT_EQ(buy(c, purchase_body("far", 3)).status, 200u);
  for (std::string q : {"?offset=9223372036854775807", "?offset=9223372036854775807&limit=100",
                        "?offset=9223372036854775807&server_name=far", "?offset=9223372036854775700"}) {
    auto page = list(c, q);
    EXPECT_EQ(page.at("count").as_int64(), 3) << q;
    EXPECT_TRUE(page.at("servers").as_array().empty()) << q;
  }
  for (std::string q : {"?offset=9223372036854775808", "?offset=-9223372036854775808", "?offset=1x"}) {
    auto r = c.request("GET", servers + q);
    EXPECT_EQ(r.status, 400u) << q;
    EXPECT_EQ(r.error_code(), "CPS.0002") << q;
  }
}

// ---- over real sockets ----

TEST(emulator_routes_test, unknown_paths_and_methods_are_apigw_0101) {
  running_emulator emu;
  auto c = emu.client();
  for (auto [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/"},
                                                        {"GET", "/v1/" + pid + "/cloud-phone/nothing"},
                                                        {"PUT", phones},
                                                        {"DELETE", servers},
                                                        {"POST", servers},
                                                        {"GET", "/v2/" + pid + "/cloud-phone/servers"},
                                                        {"POST", "/v2/" + pid + "/cloud-phone/phones"},
                                                        {"GET", "/v1//cloud-phone/servers"},
                                                        {"GET", servers + "/a/b"},
                                                        {"GET", "/_emulator/nothing"}}) {
    auto r = c.request(method, target);
    EXPECT_EQ(r.status, 404u) << method << " " << target;
    EXPECT_EQ(r.error_code(), "APIGW.0101") << method << " " << target;
  }
}

TEST(emulator_routes_test, a_project_id_header_that_differs_from_the_path_is_cps_0046) {
  running_emulator emu;
  auto c = emu.client();
  auto r = buy(c, purchase_body("p"), {{"X-Project-Id", "another"}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "CPS.0046");
  auto l = c.request("GET", servers, {{"X-Project-Id", "another"}});
  EXPECT_EQ(l.status, 400u);
  EXPECT_EQ(l.error_code(), "CPS.0046");
  EXPECT_TRUE(orders_of(c).empty());
  // The same id, and a temporary key's security token, are fine.
  EXPECT_EQ(buy(c, purchase_body("p"), {{"X-Project-Id", pid}, {"X-Security-Token", "tok"}}).status, 200u);
}

TEST(emulator_routes_test, a_burst_beyond_the_rate_limit_is_throttled_per_api) {
  emulator_options o;
  o.rate_limit = 5;
  running_emulator emu(o);
  auto c = emu.client();
  int ok = 0, throttled = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto r = buy(c, purchase_body(fmt::format("t{}", i)));
    if (r.status == 200) {
      ++ok;
    } else {
      ASSERT_EQ(r.status, 429u);
      EXPECT_EQ(r.error_code(), "APIGW.0308");
      EXPECT_EQ(
          r.error_msg(),
          "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 second");
      ++throttled;
    }
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(ok, 5) << "the bucket starts full";
  EXPECT_LE(ok, 5 + static_cast<int>(elapsed * 5) + 1) << "never more than burst + rate x time";
  EXPECT_GT(throttled, 0);
  EXPECT_EQ(orders_of(c).size(), static_cast<std::size_t>(ok));
  // Reads have their own bucket.
  EXPECT_EQ(c.request("GET", servers).status, 200u);
  EXPECT_EQ(c.request("GET", "/v1/" + pid + "/cloud-phone/server-models").status, 200u);
  auto stats = c.request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("throttled").to_number<std::uint64_t>(), static_cast<std::uint64_t>(throttled));
  EXPECT_EQ(stats.at("orders").to_number<std::uint64_t>(), static_cast<std::uint64_t>(ok));
}

TEST(emulator_routes_test, the_server_list_filters_pages_and_checks_its_parameters) {
  running_emulator emu;
  auto c = emu.client();
  ASSERT_EQ(buy(c, purchase_body("web-001", 10)).status, 200u);
  ASSERT_EQ(buy(c, purchase_body("web-002", 10)).status, 200u);
  ASSERT_EQ(buy(c, purchase_body("db-001", 3)).status, 200u);

  auto page = list(c, "?server_name=web-&offset=8&limit=4");
  EXPECT_EQ(page.at("count").as_int64(), 20);
  EXPECT_EQ(names_of(page),
            (std::vector<std::string>{"web-002-0002", "web-002-0001", "web-001-0010", "web-001-0009"}));
  EXPECT_EQ(list(c, "?server_name=001").at("count").as_int64(), 15) << "web-002-0001 and -0010 hold 001 too";
  EXPECT_EQ(list(c, "").at("count").as_int64(), 23);
  EXPECT_EQ(list(c, "").at("servers").as_array().size(), 23u);
  EXPECT_EQ(list(c, "?limit=1").at("servers").as_array().size(), 1u);
  EXPECT_EQ(list(c, "?limit=100&offset=30").at("servers").as_array().size(), 0u);
  EXPECT_EQ(names_of(list(c, "?server_name=db-001-0002")), (std::vector<std::string>{"db-001-0002"}));

  for (std::string q : {"?limit=0", "?limit=101", "?limit=x", "?offset=-1", "?offset=", "?limit=1.5"}) {
    auto r = c.request("GET", servers + q);
    EXPECT_EQ(r.status, 400u) << q;
    EXPECT_EQ(r.error_code(), "CPS.0002") << q;
    EXPECT_EQ(r.error_msg(), "Parameter: offset or limit is invalid.") << q;
  }
  auto unknown = c.request("GET", servers + "/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.error_code(), "CPS.0016");
}

TEST(emulator_routes_test, the_catalog_reads_have_the_service_shapes) {
  running_emulator emu;
  auto c = emu.client();
  auto get = [&](const std::string& what) {
    auto r = c.request("GET", "/v1/" + pid + "/cloud-phone/" + what);
    EXPECT_EQ(r.status, 200u) << what;
    return r.json().as_object();
  };
  auto sm = get("server-models");
  EXPECT_EQ(sm.at("server_models").as_array()[0].at("server_model_name").as_string(), "physical.rx1.xlarge");
  auto pm = get("phone-models");
  const auto& p0 = pm.at("phone_models").as_array()[0].as_object();
  for (auto key : {"server_model_name", "phone_model_name", "status", "cpu", "memory", "disk", "resolution",
                   "phone_capacity"})
    EXPECT_TRUE(p0.contains(key)) << key;
  auto im = get("phone-images");
  EXPECT_EQ(im.at("phone_images").as_array()[0].at("image_id").as_string(),
            "88b8449b896f3a4f0ad57222dd919899");
  auto bw = get("bandwidths");
  EXPECT_FALSE(bw.at("band_widths").as_array().empty());
  EXPECT_TRUE(bw.at("band_widths").as_array()[0].as_object().contains("band_width_charge_mode"));
  EXPECT_TRUE(is_request_id(std::string(bw.at("request_id").as_string())));
}

struct rejection {
  std::string what;
  std::function<void(json::object&)> change;
  std::string code;
  std::string message;  // whole message; empty: not checked
};

TEST(emulator_routes_test, invalid_purchases_answer_the_service_codes_and_buy_nothing) {
  running_emulator emu;
  auto c = emu.client();
  std::vector<rejection> cases{
      {"count", [](auto& o) { o["count"] = 11; }, "CPS.0024",
       "Parameter: count: 11 is out of range (allowed: 1..10)"},
      {"name", [](auto& o) { o["server_name"] = "bad name"; }, "CPS.0025", ""},
      {"empty phone model", [](auto& o) { o["phone_model_name"] = ""; }, "CPS.0027", ""},
      {"unknown phone model", [](auto& o) { o["phone_model_name"] = "nope"; }, "CPS.0028",
       "Parameter: phone_model_name: \"nope\" is not a phone model of the service (offered: "
       "aphs1.large.4.aosp, aphs1.medium.4.aosp on physical.rx1.xlarge)"},
      {"empty image", [](auto& o) { o["image_id"] = ""; }, "CPS.0029", ""},
      {"unknown image", [](auto& o) { o["image_id"] = "ffff"; }, "CPS.0030",
       "Parameter: image_id: \"ffff\" is not an image the service offers (see `cphfleet catalog images`)"},
      {"unknown server model", [](auto& o) { o["server_model_name"] = "physical.zz"; }, "CPS.0089",
       "Parameter: server_model_name: \"physical.zz\" is not a server model of the service (offered: "
       "physical.kg1.4xlarge.cg, physical.kg1.4xlarge.cp, physical.rx1.xlarge, physical.rx1.xlarge.cg, "
       "physical.rx1.xlarge.v2)"},
      {"phone model of another server model", [](auto& o) { o["phone_model_name"] = "kg1.large.8.aosp"; },
       "CPS.0257",
       "Parameter: phone_model_name: \"kg1.large.8.aosp\" runs on server model physical.kg1.4xlarge.cp, not "
       "physical.rx1.xlarge (offered: aphs1.large.4.aosp, aphs1.medium.4.aosp on physical.rx1.xlarge)"},
      {"offline phone model", [](auto& o) { o["phone_model_name"] = "aphs1.small.2.aosp"; }, "CPS.0257",
       "Parameter: phone_model_name: \"aphs1.small.2.aosp\" is offline, not on sale (offered: "
       "aphs1.large.4.aosp, aphs1.medium.4.aosp on physical.rx1.xlarge)"},
      {"unknown bandwidth",
       [](auto& o) {
         o["band_width"] = {{"band_width_id", "bw-x"}};
       },
       "CPS.0031",
       "Parameter: band_width.band_width_id: \"bw-x\" is not a shared bandwidth of this account (see "
       "`cphfleet catalog bandwidths`)"},
      {"bandwidth size",
       [](auto& o) {
         o["band_width"] = {{"band_width_share_type", 1}, {"band_width_size", 301}};
       },
       "CPS.0031", ""},
      {"is_auto_pay", [](auto& o) { o["extend_param"].as_object()["is_auto_pay"] = 2; }, "CPS.0060", ""},
      {"wrong type", [](auto& o) { o["count"] = "3"; }, "APIGW.0201", ""},
      {"missing field", [](auto& o) { o.erase("image_id"); }, "APIGW.0201", ""},
  };
  for (const auto& k : cases) {
    auto body = purchase_json("v");
    k.change(body);
    auto r = buy(c, json::serialize(body));
    EXPECT_EQ(r.status, 400u) << k.what;
    EXPECT_EQ(r.error_code(), k.code) << k.what << ": " << r.body;
    if (!k.message.empty()) {
      EXPECT_EQ(r.error_msg(), k.message) << k.what;
    }
  }
  auto malformed = buy(c, "{\"server_name\":");
  EXPECT_EQ(malformed.status, 400u);
  EXPECT_EQ(malformed.error_code(), "APIGW.0201");
  EXPECT_TRUE(orders_of(c).empty());
}

}  // namespace
}  // namespace cphfleet

// The emulator over real sockets on 127.0.0.1: it runs in-process on a thread of its own (or as the
// built cphfleet, for the command line), and the tests talk to it with test_http.hpp's client.
#include "app/service.hpp"
#include "emulator/server.hpp"
#include "api/signer.hpp"
#include "support/test_http.hpp"
#include "support/test_process.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

namespace cphfleet {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using test::header_list;
using test::http_client;
using test::http_result;

const std::string pid = "0123456789abcdef0123456789abcdef";
const std::string phones = "/v1/" + pid + "/cloud-phone/phones";
const std::string servers = "/v1/" + pid + "/cloud-phone/servers";

class running_emulator {
 public:
  explicit running_emulator(emulator_options o = {}) : emu_(ioc_, std::move(o)) {
    port_ = emu_.start().port();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~running_emulator() {
    emu_.stop();
    thread_.join();
  }
  unsigned short port() const { return port_; }
  http_client client(std::chrono::milliseconds timeout = 10s) {
    return http_client("127.0.0.1", port_, timeout);
  }

 private:
  net::io_context ioc_;
  emulator emu_;
  unsigned short port_ = 0;
  std::thread thread_;
};

json::object purchase_json(const std::string& name, std::int64_t count = 1, std::int64_t auto_pay = 1) {
  return json::object{
      {"server_name", name},
      {"server_model_name", "physical.rx1.xlarge"},
      {"phone_model_name", "aphs1.medium.4.aosp"},
      {"image_id", "88b8449b896f3a4f0ad57222dd919899"},
      {"count", count},
      {"band_width", {{"band_width_share_type", 0}}},
      {"extend_param",
       {{"charging_mode", 0}, {"period_type", 2}, {"period_num", 1}, {"is_auto_pay", auto_pay}}}};
}

std::string purchase_body(const std::string& name, std::int64_t count = 1, std::int64_t auto_pay = 1) {
  return json::serialize(purchase_json(name, count, auto_pay));
}

http_result buy(http_client& c, const std::string& body, header_list extra = {}) {
  extra.emplace_back("Content-Type", "application/json");
  return c.request("POST", phones, extra, body);
}

json::array orders_of(http_client& c) {
  auto r = c.request("GET", "/_emulator/orders");
  EXPECT_EQ(r.status, 200u);
  return r.json().at("orders").as_array();
}

json::object list(http_client& c, const std::string& query) {
  auto r = c.request("GET", servers + query);
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.json().as_object();
}

std::vector<std::string> names_of(const json::object& page) {
  std::vector<std::string> out;
  for (const auto& s : page.at("servers").as_array()) out.emplace_back(s.at("server_name").as_string());
  return out;
}

bool is_request_id(const std::string& s) { return std::regex_match(s, std::regex("[0-9a-f]{32}")); }

TEST(emulator_test, a_purchase_answers_an_order_and_creates_its_servers) {
  running_emulator emu;
  auto c = emu.client();
  auto r = buy(c, purchase_body("game-eu-001", 3));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto body = r.json().as_object();
  std::string order_id(body.at("order_id").as_string());
  EXPECT_TRUE(std::regex_match(order_id, std::regex("CS[0-9]{10}[A-Z0-9]{5}"))) << order_id;
  EXPECT_TRUE(
      std::regex_match(std::string(body.at("product_id").as_string()), std::regex("00301-[0-9]{5}-0--0")));
  EXPECT_EQ(std::string(body.at("request_id").as_string()), r.header("X-Request-Id"));
  ASSERT_EQ(body.at("server_ids").as_array().size(), 3u);

  auto page = list(c, "?server_name=game-eu-001");
  EXPECT_EQ(page.at("count").as_int64(), 3);
  EXPECT_EQ(names_of(page),
            (std::vector<std::string>{"game-eu-001-0003", "game-eu-001-0002", "game-eu-001-0001"}));
  const auto& first = page.at("servers").as_array()[0].as_object();
  EXPECT_EQ(first.at("metadata").at("order_id").as_string(), order_id);
  EXPECT_EQ(first.at("status").as_int64(), 1) << "creating right after the order";
  EXPECT_TRUE(std::regex_match(std::string(first.at("create_time").as_string()),
                               std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")));

  std::string id(body.at("server_ids").as_array()[2].as_string());
  auto one = c.request("GET", servers + "/" + id);
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(one.json().at("server_name").as_string(), "game-eu-001-0003");
  EXPECT_EQ(one.json().at("metadata").at("order_id").as_string(), order_id);

  auto orders = orders_of(c);
  ASSERT_EQ(orders.size(), 1u);
  const auto& o = orders[0].as_object();
  EXPECT_EQ(o.at("order_id").as_string(), order_id);
  EXPECT_EQ(o.at("server_name").as_string(), "game-eu-001");
  EXPECT_EQ(o.at("count").as_int64(), 3);
  EXPECT_EQ(o.at("is_auto_pay").as_int64(), 1);
  EXPECT_EQ(o.at("server_ids").as_array(), body.at("server_ids").as_array());
  EXPECT_TRUE(
      std::regex_match(std::string(o.at("created_at").as_string()),
                       std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z")));
}

TEST(emulator_test, every_answer_carries_a_request_id) {
  running_emulator emu;
  auto c = emu.client();
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", servers}, {"GET", "/nowhere"}, {"GET", "/_emulator/stats"}, {"POST", phones}}) {
    auto r = c.request(method, target, {}, method == "POST" ? "{" : "");
    EXPECT_TRUE(is_request_id(r.header("X-Request-Id"))) << target << ": " << r.header("X-Request-Id");
  }
  auto a = c.request("GET", "/nowhere"), b = c.request("GET", "/nowhere");
  EXPECT_NE(a.header("X-Request-Id"), b.header("X-Request-Id"));
  EXPECT_EQ(a.string_field("request_id"), a.header("X-Request-Id"));
}

TEST(emulator_test, unknown_paths_and_methods_are_apigw_0101) {
  running_emulator emu;
  auto c = emu.client();
  for (auto [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/"},
                                                        {"GET", "/v1/" + pid + "/cloud-phone/nothing"},
                                                        {"GET", phones},
                                                        {"DELETE", servers},
                                                        {"POST", servers},
                                                        {"POST", "/v2/" + pid + "/cloud-phone/servers"},
                                                        {"GET", "/v1//cloud-phone/servers"},
                                                        {"GET", servers + "/a/b"},
                                                        {"GET", "/_emulator/nothing"}}) {
    auto r = c.request(method, target);
    EXPECT_EQ(r.status, 404u) << method << " " << target;
    EXPECT_EQ(r.error_code(), "APIGW.0101") << method << " " << target;
  }
}

struct rejection {
  std::string what;
  std::function<void(json::object&)> change;
  std::string code;
  std::string message;  // whole message; empty: not checked
};

TEST(emulator_test, invalid_purchases_answer_the_service_codes_and_buy_nothing) {
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
       "physical.kg1.4xlarge.cp, physical.rx1.xlarge, physical.rx1.xlarge.v2)"},
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

TEST(emulator_test, an_unpaid_order_creates_no_servers_until_it_is_paid) {
  running_emulator emu;
  auto c = emu.client();
  auto r = buy(c, purchase_body("unpaid", 2, 0));
  ASSERT_EQ(r.status, 200u);
  EXPECT_TRUE(r.json().at("server_ids").as_array().empty());
  EXPECT_EQ(list(c, "?server_name=unpaid").at("count").as_int64(), 0);
  ASSERT_EQ(orders_of(c).size(), 1u);

  std::string order_id(r.json().at("order_id").as_string());
  EXPECT_EQ(c.request("POST", "/_emulator/orders/" + order_id + "/pay").status, 200u);
  EXPECT_EQ(list(c, "?server_name=unpaid").at("count").as_int64(), 2);
  EXPECT_EQ(c.request("POST", "/_emulator/orders/" + order_id + "/pay").status, 404u);
}

TEST(emulator_test, a_body_over_12_mb_is_413) {
  running_emulator emu;
  test::raw_connection raw("127.0.0.1", emu.port());
  raw.write(fmt::format(
      "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", phones,
      12 * 1024 * 1024 + 1));
  auto r = raw.read_response();
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.error_code(), "APIGW.0201");
  EXPECT_TRUE(is_request_id(r.header("X-Request-Id")));

  // A client that sends the whole body anyway still reads the answer.
  auto c = emu.client();
  auto whole = buy(c, std::string(12 * 1024 * 1024 + 1, ' '));
  EXPECT_EQ(whole.status, 413u);
  EXPECT_EQ(whole.error_code(), "APIGW.0201");

  // Exactly 12 MB is read (and then found not to be a purchase).
  auto at_limit = buy(c, std::string(12 * 1024 * 1024, ' '));
  EXPECT_EQ(at_limit.status, 400u);
  EXPECT_EQ(at_limit.error_code(), "APIGW.0201");
}

TEST(emulator_test, a_client_that_expects_100_continue_gets_it_before_sending_the_body) {
  running_emulator emu;
  test::raw_connection raw("127.0.0.1", emu.port());
  std::string body = purchase_body("continued");
  raw.write(
      fmt::format("POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                  "Expect: 100-continue\r\n\r\n",
                  phones, body.size()));
  EXPECT_EQ(raw.read_response().status, 100u);
  raw.write(body);
  auto r = raw.read_response();
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST(emulator_test, a_malformed_request_is_400_and_closes) {
  running_emulator emu;
  auto r = test::raw_exchange("127.0.0.1", emu.port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(r.data.find("HTTP/1.1 400"), std::string::npos) << r.data;
  EXPECT_NE(r.data.find("APIGW.0201"), std::string::npos);
  EXPECT_EQ(r.ended_by, net::error::eof);
}

TEST(emulator_test, a_project_id_header_that_differs_from_the_path_is_cps_0046) {
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

// ---- authentication ----

struct signed_call {
  std::string method = "GET";
  std::string path = servers;
  std::string query;
  std::string body;
  std::int64_t date = 0;  // unix seconds; 0 = now
};

signed_call get_call(std::string query) {
  signed_call c;
  c.query = std::move(query);
  return c;
}

signed_call post_call(std::string body) {
  signed_call c;
  c.method = "POST";
  c.path = phones;
  c.body = std::move(body);
  return c;
}

header_list sign(const signed_call& call, unsigned short port, const std::string& ak, const std::string& sk,
                 bool security_token = false) {
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  signing_input in;
  in.method = call.method;
  in.path = call.path;
  in.query = call.query;
  in.body = call.body;
  in.headers = {{"Host", fmt::format("127.0.0.1:{}", port)},
                {"X-Sdk-Date", sdk_date(call.date != 0 ? call.date : now.count())},
                {"X-Project-Id", pid}};
  if (call.method == "POST") in.headers.emplace_back("Content-Type", "application/json");
  if (security_token) in.headers.emplace_back("X-Security-Token", "temporary-token");
  header_list out(in.headers.begin(), in.headers.end());
  out.emplace_back("Authorization", authorization(ak, sk, in));
  return out;
}

http_result send(http_client& c, const signed_call& call, const header_list& headers) {
  return c.request(call.method, call.path + (call.query.empty() ? "" : "?" + call.query), headers, call.body);
}

TEST(emulator_test, aksk_signed_requests_are_accepted) {
  emulator_options o;
  o.ak = "AKTEST";
  o.sk = "secret-key-value";
  running_emulator emu(o);
  auto c = emu.client();
  signed_call list_call = get_call("limit=10&server_name=a%20b&offset=0");
  auto r = send(c, list_call, sign(list_call, emu.port(), o.ak, o.sk));
  EXPECT_EQ(r.status, 200u) << r.body;
  signed_call buy_call = post_call(purchase_body("signed"));
  r = send(c, buy_call, sign(buy_call, emu.port(), o.ak, o.sk, /*security_token=*/true));
  EXPECT_EQ(r.status, 200u) << r.body;
  // The admin endpoints are not signed.
  EXPECT_EQ(orders_of(c).size(), 1u);
}

TEST(emulator_test, aksk_rejects_what_was_not_signed_and_says_which_part_failed) {
  emulator_options o;
  o.ak = "AKTEST";
  o.sk = "secret-key-value";
  running_emulator emu(o);
  auto c = emu.client();
  const std::string prefix = "Incorrect IAM authentication information: ";
  const std::string mismatch =
      prefix +
      "the signature does not match the request (the method, path, query, signed headers or body differ from "
      "what was signed, or the secret key is wrong)";
  auto expect_401 = [&](const http_result& r, const std::string& message, const std::string& what) {
    EXPECT_EQ(r.status, 401u) << what;
    EXPECT_EQ(r.error_code(), "APIGW.0301") << what;
    EXPECT_EQ(r.error_msg(), message) << what;
    EXPECT_EQ(r.body.find(o.sk), std::string::npos) << what;
  };

  signed_call buy_call = post_call(purchase_body("x"));
  auto headers = sign(buy_call, emu.port(), o.ak, o.sk);
  auto tampered = buy_call;
  tampered.body = purchase_body("x", 2);
  auto r = send(c, tampered, headers);
  expect_401(r, mismatch, "tampered body");
  EXPECT_EQ(r.body.find(headers.back().second.substr(headers.back().second.rfind('=') + 1)),
            std::string::npos)
      << "the signature is never echoed";

  signed_call list_call = get_call("limit=10");
  auto changed = list_call;
  changed.query = "limit=11";
  expect_401(send(c, changed, sign(list_call, emu.port(), o.ak, o.sk)), mismatch, "changed query");

  expect_401(send(c, list_call, sign(list_call, emu.port(), o.ak, "wrong-secret")), mismatch, "wrong SK");

  auto stale = list_call;
  stale.date = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch() - std::chrono::minutes(16))
                   .count();
  expect_401(send(c, stale, sign(stale, emu.port(), o.ak, o.sk)),
             prefix + "X-Sdk-Date is more than 15 minutes away from the service's clock", "stale date");

  expect_401(send(c, list_call, sign(list_call, emu.port(), "AKOTHER", o.sk)), prefix + "unknown access key",
             "wrong AK");
  expect_401(c.request("GET", servers), prefix + "Authorization header is missing", "no Authorization");
  expect_401(
      c.request("GET", servers, {{"Authorization", "Bearer x"}}),
      prefix + "Authorization header is not \"SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...\"",
      "other scheme");

  // A signed header that was dropped on the way.
  auto h = sign(list_call, emu.port(), o.ak, o.sk);
  std::erase_if(h, [](const auto& kv) { return kv.first == "X-Project-Id"; });
  expect_401(send(c, list_call, h), prefix + "signed header \"x-project-id\" is not in the request",
             "missing signed header");

  EXPECT_TRUE(orders_of(c).empty());
  auto stats = c.request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("auth_failures").to_number<std::uint64_t>(), 8u);
}

TEST(emulator_test, a_token_is_checked_when_configured) {
  emulator_options o;
  o.token = "iam-token";
  running_emulator emu(o);
  auto c = emu.client();
  EXPECT_EQ(c.request("GET", servers, {{"X-Auth-Token", "iam-token"}}).status, 200u);
  auto wrong = c.request("GET", servers, {{"X-Auth-Token", "other"}});
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.error_code(), "APIGW.0301");
  EXPECT_EQ(wrong.error_msg(),
            "Incorrect IAM authentication information: the X-Auth-Token is invalid or expired");
  auto missing = c.request("GET", servers);
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.error_msg(), "Incorrect IAM authentication information: X-Auth-Token header is missing");
}

// ---- throttling ----

TEST(emulator_test, a_burst_beyond_the_rate_limit_is_throttled_per_api) {
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

// ---- faults ----

TEST(emulator_test, each_fault_kind_does_what_it_says) {
  emulator_options o;
  o.script =
      "1:throttle,2:busy,3:error500,4:error502,5:error503,6:error504,7:drop_before,8:commit_then_504,"
      "9:commit_then_drop,10:slow_commit,11:no_balance";
  running_emulator emu(o);
  auto admin = emu.client();
  auto c = emu.client(2s);
  auto orders = [&] { return orders_of(admin).size(); };

  auto r = buy(c, purchase_body("f1"));
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.error_code(), "APIGW.0308");
  r = buy(c, purchase_body("f2"));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "CPS.0042");
  r = buy(c, purchase_body("f3"));
  EXPECT_EQ(r.status, 500u);
  r = buy(c, purchase_body("f4"));
  EXPECT_EQ(r.status, 502u);
  EXPECT_EQ(r.header("Content-Type"), "text/html");
  EXPECT_NE(r.body.find("<h1>502 Bad Gateway</h1>"), std::string::npos);
  r = buy(c, purchase_body("f5"));
  EXPECT_EQ(r.status, 503u);
  r = buy(c, purchase_body("f6"));
  EXPECT_EQ(r.status, 504u);
  EXPECT_EQ(orders(), 0u) << "nothing taken before commit";

  EXPECT_THROW(buy(c, purchase_body("f7")), boost::system::system_error) << "drop_before";
  EXPECT_EQ(orders(), 0u);

  r = buy(c, purchase_body("f8"));
  EXPECT_EQ(r.status, 504u);
  EXPECT_EQ(orders(), 1u) << "commit_then_504 took the order";

  EXPECT_THROW(buy(c, purchase_body("f9")), boost::system::system_error) << "commit_then_drop";
  ASSERT_EQ(orders(), 2u);
  EXPECT_EQ(orders_of(admin)[1].at("server_name").as_string(), "f9");

  c.set_timeout(300ms);
  try {
    buy(c, purchase_body("f10"));
    ADD_FAILURE() << "slow_commit answered in time";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), beast::error::timeout);
  }
  EXPECT_EQ(orders(), 3u) << "slow_commit took the order";

  c.set_timeout(2s);
  r = buy(c, purchase_body("f11"));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "CPS.0999");
  EXPECT_EQ(orders(), 3u) << "no_balance took nothing";
  EXPECT_EQ(buy(c, purchase_body("f12")).status, 200u) << "purchase 12 is not scripted";
  EXPECT_EQ(admin.request("GET", "/_emulator/stats").json().at("faults").to_number<std::uint64_t>(), 11u);
}

TEST(emulator_test, a_slow_commit_answers_late_to_a_client_that_waits) {
  emulator_options o;
  o.script = "1:slow_commit";
  o.slow_commit_ms = 200;
  running_emulator emu(o);
  auto c = emu.client();
  auto start = std::chrono::steady_clock::now();
  auto r = buy(c, purchase_body("late"));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("Connection"), "close");
}

TEST(emulator_test, the_same_seed_gives_the_same_fault_sequence) {
  auto sequence = [](std::uint64_t seed) {
    emulator_options o;
    o.faults = {{"busy", 0.3}, {"error500", 0.2}, {"throttle", 0.1}};
    o.seed = seed;
    running_emulator emu(o);
    auto c = emu.client();
    std::string out;
    for (int i = 0; i < 30; ++i)
      out += std::to_string(buy(c, purchase_body(fmt::format("s{}", i))).status) + " ";
    return out;
  };
  auto a = sequence(42);
  EXPECT_EQ(a, sequence(42));
  EXPECT_NE(a, sequence(43));
  EXPECT_NE(a.find("200"), std::string::npos);
  EXPECT_NE(a.find("400"), std::string::npos);
}

TEST(emulator_test, faults_change_at_run_time_and_reset_forgets_everything) {
  emulator_options o;
  o.script = "2:busy";
  running_emulator emu(o);
  auto c = emu.client();
  auto set = c.request("POST", "/_emulator/faults", {}, R"({"error503": 1})");
  ASSERT_EQ(set.status, 200u) << set.body;
  EXPECT_EQ(json::serialize(set.json()), R"({"faults":{"error503":1E0}})");
  EXPECT_EQ(buy(c, purchase_body("a")).status, 503u);
  EXPECT_EQ(buy(c, purchase_body("a")).error_code(), "CPS.0042") << "the script still names purchase 2";
  EXPECT_EQ(c.request("POST", "/_emulator/faults", {}, "{}").status, 200u);
  EXPECT_EQ(buy(c, purchase_body("a")).status, 200u);

  auto bad = c.request("POST", "/_emulator/faults", {}, R"({"thrott": 0.1})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.error_msg(),
            "fault \"thrott\": unknown fault kind \"thrott\" (throttle, busy, error500, error502, "
            "error503, error504, commit_then_504, commit_then_drop, drop_before, slow_commit, no_balance)");
  bad = c.request("POST", "/_emulator/faults", {}, R"({"busy": 0.7, "error500": 0.7})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.error_msg(), "fault probabilities add up to 1.4 (at most 1)");
  EXPECT_EQ(c.request("POST", "/_emulator/faults", {}, "[1]").status, 400u);

  ASSERT_EQ(orders_of(c).size(), 1u);
  EXPECT_EQ(c.request("POST", "/_emulator/reset").status, 200u);
  EXPECT_TRUE(orders_of(c).empty());
  EXPECT_EQ(list(c, "").at("count").as_int64(), 0);
  EXPECT_EQ(c.request("GET", "/_emulator/stats").json().at("purchases").to_number<std::uint64_t>(), 0u);
  EXPECT_EQ(buy(c, purchase_body("b")).status, 200u);
  EXPECT_EQ(buy(c, purchase_body("b")).error_code(), "CPS.0042") << "purchases are counted from 1 again";
}

TEST(emulator_test, latency_delays_every_api_answer) {
  emulator_options o;
  o.latency_ms = 150;
  running_emulator emu(o);
  auto c = emu.client();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.request("GET", servers).status, 200u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(buy(c, purchase_body("x", 1, 7)).status, 400u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

// ---- reads ----

TEST(emulator_test, settle_hides_new_servers_until_the_window_passes) {
  emulator_options o;
  o.settle_ms = 300;
  running_emulator emu(o);
  auto c = emu.client();
  auto sent = std::chrono::steady_clock::now();
  auto r = buy(c, purchase_body("settle", 2));
  ASSERT_EQ(r.status, 200u);
  std::string id(r.json().at("server_ids").as_array()[0].as_string());
  EXPECT_EQ(list(c, "?server_name=settle").at("count").as_int64(), 0);
  auto hidden = c.request("GET", servers + "/" + id);
  EXPECT_EQ(hidden.status, 404u);
  EXPECT_EQ(hidden.error_code(), "CPS.0016");

  auto deadline = sent + 5s;
  std::int64_t count = 0;
  while (count == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);  // polling against a deadline, not a guess
    count = list(c, "?server_name=settle").at("count").as_int64();
  }
  EXPECT_EQ(count, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 300ms);
  EXPECT_EQ(c.request("GET", servers + "/" + id).status, 200u);
}

TEST(emulator_test, the_server_list_filters_pages_and_checks_its_parameters) {
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

TEST(emulator_test, the_catalog_reads_have_the_service_shapes) {
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

TEST(emulator_test, a_hundred_concurrent_connections_are_all_served) {
  running_emulator emu;
  std::vector<std::unique_ptr<http_client>> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(std::make_unique<http_client>("127.0.0.1", emu.port()));
    clients.back()->connect();
  }
  // All 100 are open at once; serve them in reverse order of connecting, twice (keep-alive).
  for (int round = 0; round < 2; ++round)
    for (auto it = clients.rbegin(); it != clients.rend(); ++it)
      EXPECT_EQ((*it)->request("GET", servers).status, 200u);
  auto stats = clients[0]->request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("connections").to_number<std::uint64_t>(), 100u);
  EXPECT_EQ(stats.at("requests").to_number<std::uint64_t>(), 201u);
}

// ---- TLS ----

struct test_pki {
  std::filesystem::path dir = test::make_temp_dir("pki");
  std::filesystem::path ca = dir / "ca.pem", other_ca = dir / "other-ca.pem", cert = dir / "server.pem",
                        key = dir / "server.key";
  test_pki() {
    std::ofstream(dir / "ext.cnf") << "subjectAltName=IP:127.0.0.1\n";
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    std::string d = dir.string();
    for (const std::string& cmd :
         {fmt::format(
              "openssl req -x509 {} -keyout {}/ca.key -out {}/ca.pem -days 2 -subj /CN=cphfleet-test-ca", ec,
              d, d),
          fmt::format(
              "openssl req -x509 {} -keyout {}/other.key -out {}/other-ca.pem -days 2 -subj /CN=other-ca", ec,
              d, d),
          fmt::format("openssl req {} -keyout {}/server.key -out {}/server.csr -subj /CN=127.0.0.1", ec, d,
                      d),
          fmt::format("openssl x509 -req -in {0}/server.csr -CA {0}/ca.pem -CAkey {0}/ca.key -CAcreateserial "
                      "-out {0}/server.pem -days 2 -extfile {0}/ext.cnf",
                      d)}) {
      if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
    }
  }
  ~test_pki() { std::filesystem::remove_all(dir); }
};

TEST(emulator_test, https_serves_clients_that_trust_its_ca_only) {
  test_pki pki;
  emulator_options o;
  o.tls_cert = pki.cert.string();
  o.tls_key = pki.key.string();
  running_emulator emu(o);

  ssl::context trusting(ssl::context::tls_client);
  trusting.load_verify_file(pki.ca.string());
  trusting.set_verify_mode(ssl::verify_peer);
  http_client c("127.0.0.1", emu.port(), trusting);
  auto r = c.request("POST", phones, {{"Content-Type", "application/json"}}, purchase_body("tls", 2));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(c.request("GET", servers + "?server_name=tls").json().at("count").as_int64(), 2) << "kept alive";

  ssl::context other(ssl::context::tls_client);
  other.load_verify_file(pki.other_ca.string());
  other.set_verify_mode(ssl::verify_peer);
  http_client stranger("127.0.0.1", emu.port(), other);
  try {
    stranger.connect();
    ADD_FAILURE() << "a client that does not trust the CA connected";
  } catch (const boost::system::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
  }
  // Plain HTTP on the TLS port gets no answer.
  http_client plain("127.0.0.1", emu.port(), 2s);
  EXPECT_THROW(plain.request("GET", servers), boost::system::system_error);
}

TEST(emulator_test, bad_options_are_refused_with_the_option_named) {
  auto error_of = [](emulator_options o) -> std::string {
    net::io_context ioc;
    try {
      emulator e(ioc, std::move(o));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  emulator_options o;
  o.faults = {{"nope", 0.1}};
  EXPECT_EQ(error_of(o).substr(0, 41), "fault \"nope\": unknown fault kind \"nope\" (");
  o = {};
  o.script = "x:busy";
  EXPECT_EQ(error_of(o), "--script \"x:busy\": \"x\" is not a purchase number (1, 2, ...)");
  o = {};
  o.listen = "127.0.0.1";
  EXPECT_EQ(error_of(o), "--listen \"127.0.0.1\": expected HOST:PORT, like 127.0.0.1:0");
  o = {};
  o.listen = "example.com:80";
  EXPECT_EQ(error_of(o), "--listen \"example.com:80\": \"example.com\" is not an IP address");
  o = {};
  o.ak = "a";
  EXPECT_EQ(error_of(o), "--ak and --sk go together: give both or neither");
  o = {};
  o.ak = "a";
  o.sk = "b";
  o.token = "t";
  EXPECT_EQ(error_of(o), "--ak/--sk and --token exclude each other: the emulator checks one kind of auth");
  o = {};
  o.tls_cert = "/nonexistent/cert.pem";
  o.tls_key = "/nonexistent/key.pem";
  EXPECT_EQ(error_of(o).substr(0, 36), "--tls-cert \"/nonexistent/cert.pem\": ");
  o = {};
  o.catalog_file = "/nonexistent/catalog.toml";
  EXPECT_EQ(error_of(o).substr(0, 10), "--catalog:");
  o = {};
  o.rate_limit = -1;
  EXPECT_EQ(error_of(o), "--rate-limit: must be a number of requests per second, at least 0");
}

TEST(emulator_test, embedded_options_come_from_the_config) {
  emulator_config c;
  c.latency_ms = 5;
  c.settle_ms = 6;
  c.rate_limit = 7;
  c.seed = 8;
  c.faults = {{"busy", 0.5}};
  c.script = "1:busy";
  auto o = from(c);
  EXPECT_EQ(o.listen, "127.0.0.1:0");
  EXPECT_EQ(o.latency_ms, 5);
  EXPECT_EQ(o.settle_ms, 6);
  EXPECT_EQ(o.rate_limit, 7);
  EXPECT_EQ(o.seed, 8u);
  EXPECT_EQ(o.faults, c.faults);
  EXPECT_EQ(o.script, "1:busy");
  EXPECT_TRUE(o.ak.empty() && o.token.empty() && o.tls_cert.empty());
}

// The embedded mode: the emulator shares the caller's io_context and thread.
TEST(emulator_test, the_embedded_emulator_runs_on_the_callers_io_context) {
  net::io_context ioc;
  emulator emu(ioc, {});
  auto port = emu.start().port();
  EXPECT_EQ(emu.url(), fmt::format("http://127.0.0.1:{}", port));
  int status = 0;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        beast::tcp_stream stream(co_await net::this_coro::executor);
        co_await stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                      net::use_awaitable);
        http::request<http::string_body> req{http::verb::post, phones, 11};
        req.set(http::field::host, "127.0.0.1");
        req.body() = purchase_body("embedded");
        req.prepare_payload();
        co_await http::async_write(stream, req, net::use_awaitable);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        co_await http::async_read(stream, buffer, res, net::use_awaitable);
        status = res.result_int();
        emu.stop();  // the run ends once the emulator has nothing left to do
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(emu.stats().orders, 1u);
  EXPECT_EQ(emu.stats().purchases, 1u);
}

// ---- the command line ----

TEST(emulator_test, the_command_serves_until_sigterm_and_exits_0) {
  auto dir = test::make_temp_dir("emulator-cli");
  auto port_file = dir / "port";
  test::child_process p(
      {CPHFLEET_BINARY, "emulator", "--listen", "127.0.0.1:0", "--port-file", port_file.string(), "--fault",
       "busy:0.25", "--fault", "throttle:0.5", "--script", "1:error500"},
      {}, dir / "out", dir / "err");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!std::filesystem::exists(port_file) && p.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);  // polling against a deadline for the child to listen
  ASSERT_TRUE(std::filesystem::exists(port_file)) << p.err();
  auto port = static_cast<unsigned short>(std::stoi(test::slurp(port_file)));

  http_client c("127.0.0.1", port);
  EXPECT_EQ(json::serialize(c.request("GET", "/_emulator/faults").json()),
            R"({"faults":{"throttle":5E-1,"busy":2.5E-1}})");
  EXPECT_EQ(buy(c, purchase_body("cli", 2)).status, 500u) << "--script 1:error500";
  EXPECT_EQ(c.request("POST", "/_emulator/faults", {}, "{}").status, 200u);
  auto r = buy(c, purchase_body("cli", 2));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(list(c, "?server_name=cli").at("count").as_int64(), 2);

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0) << p.err();
  EXPECT_NE(p.err().find(fmt::format("emulator listening on http://127.0.0.1:{}", port)), std::string::npos)
      << p.err();
  std::filesystem::remove_all(dir);
}

TEST(emulator_test, the_command_refuses_bad_options_with_exit_2) {
  auto r = test::run_cphfleet({"emulator", "--fault", "bogus:0.1"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--fault \"bogus:0.1\": unknown fault kind \"bogus\""), std::string::npos) << r.err;
  r = test::run_cphfleet({"emulator", "--ak", "only-the-ak"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--ak and --sk go together"), std::string::npos) << r.err;
  r = test::run_cphfleet({"emulator", "--latency", "soon"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 2);
}

// ---- load: run by hand, prints a figure, asserts nothing about time ----
//   build/cphfleet_tests --gtest_also_run_disabled_tests --gtest_filter='*purchases_per_second*'
TEST(emulator_bench, DISABLED_purchases_per_second_with_keep_alive) {
  running_emulator emu;
  constexpr int k_connections = 8;
  constexpr auto k_duration = 3s;
  std::atomic<std::int64_t> done{0};
  net::io_context load;
  auto stop_at = std::chrono::steady_clock::now() + k_duration;
  for (int i = 0; i < k_connections; ++i) {
    net::co_spawn(
        load,
        [&, i]() -> net::awaitable<void> {
          beast::tcp_stream stream(co_await net::this_coro::executor);
          co_await stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), emu.port()),
                                        net::use_awaitable);
          beast::flat_buffer buffer;
          for (int n = 0; std::chrono::steady_clock::now() < stop_at; ++n) {
            http::request<http::string_body> req{http::verb::post, phones, 11};
            req.set(http::field::host, "127.0.0.1");
            req.set(http::field::content_type, "application/json");
            req.body() = purchase_body(fmt::format("bench-{}-{}", i, n), 10);
            req.prepare_payload();
            co_await http::async_write(stream, req, net::use_awaitable);
            http::response<http::string_body> res;
            co_await http::async_read(stream, buffer, res, net::use_awaitable);
            if (res.result_int() != 200) throw std::runtime_error(res.body());
            ++done;
          }
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  }
  auto start = std::chrono::steady_clock::now();
  load.run();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("purchases: %lld in %.2f s = %.0f per second (%d keep-alive connections, 10 servers each)\n",
              static_cast<long long>(done.load()), s, static_cast<double>(done.load()) / s, k_connections);
  auto c = emu.client();
  auto total = list(c, "?limit=1").at("count").as_int64();
  for (const char* when : {"first (indexes the names)", "next"}) {
    auto t = std::chrono::steady_clock::now();
    auto page = list(c, "?server_name=bench-3-1");
    std::printf("list by name over %lld servers, %s: %.3f ms\n", static_cast<long long>(total), when,
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    EXPECT_GT(page.at("count").as_int64(), 0);
  }
}

}  // namespace
}  // namespace cphfleet

#include "client/cph_client.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "api/signer.hpp"
#include "app/service.hpp"
#include "base/diagnostic.hpp"
#include "emulator/server.hpp"
#include "support/client_under_test.hpp"
#include "support/fixture_server.hpp"

namespace cphfleet {
namespace {

using namespace std::chrono_literals;
using test::fixture_server;
using test::http_answer;
using test::run_sync;
using test::step;

using test::aksk;
using test::client_under_test;
using test::fixed_now;

http::request<http::string_body> parse_request(const std::string& raw) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(net::buffer(raw), ec);
  if (ec) throw std::runtime_error("unparsable request: " + ec.message());
  return parser.release();
}

// Checks a request's signature the way the gateway does: rebuild the canonical request from the
// signed headers named in Authorization, and sign it with the SK.
bool signature_valid(const http::request<http::string_body>& req, std::string_view sk) {
  parsed_authorization auth;
  if (!parse_authorization(req[http::field::authorization], auth)) return false;
  std::string target(req.target());
  auto q = target.find('?');
  signing_input in;
  in.method = std::string(req.method_string());
  in.path = target.substr(0, q);
  in.query = q == std::string::npos ? "" : target.substr(q + 1);
  in.body = req.body();
  for (const auto& name : auth.signed_headers) in.headers.emplace_back(name, std::string(req[name]));
  return auth.signature == signature(sk, string_to_sign(canonical_request(in), req["X-Sdk-Date"]));
}

const std::string order_body =
    R"({"request_id":"rq-1","order_id":"CS2024","product_id":"00301-1","server_ids":["s1","s2"]})";

TEST(cph_client_test, purchase_is_signed_with_host_date_project_and_content_type) {
  fixture_server server({step::answer(http_answer(200, "OK", order_body))});
  client_under_test c(server.url(), aksk());
  auto call =
      c.run(c.client.purchase(purchase_api::v1, R"({"server_name":"game-001","count":2})", c.deadline()));
  EXPECT_FALSE(call.report.transport);
  EXPECT_EQ(call.report.http_status, 200);
  EXPECT_EQ(classify(call.report, call_kind::purchase).cls, outcome_class::ordered);
  EXPECT_EQ(call.response.order_id, "CS2024");
  EXPECT_EQ(call.response.product_id, "00301-1");
  EXPECT_EQ(call.response.server_ids, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(call.request_id, "rq-1");

  ASSERT_EQ(server.requests().size(), 1u);
  auto req = parse_request(server.requests()[0]);
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/v1/proj1/cloud-phone/phones");
  EXPECT_EQ(req["X-Sdk-Date"], "20060102T150405Z");
  EXPECT_EQ(req["X-Project-Id"], "proj1");
  EXPECT_EQ(req[http::field::content_type], "application/json");
  EXPECT_EQ(req.body(), R"({"server_name":"game-001","count":2})");
  const std::string authorization_header(req[http::field::authorization]);
  EXPECT_EQ(authorization_header.substr(0, authorization_header.find(", Signature=")),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=content-type;host;x-project-id;x-sdk-date");
  EXPECT_TRUE(signature_valid(req, "SecretKey"));
  EXPECT_FALSE(signature_valid(req, "WrongKey"));
}

TEST(cph_client_test, temporary_keys_send_and_sign_the_security_token) {
  fixture_server server({step::answer(http_answer(200, "OK", order_body))});
  client_under_test c(server.url(), aksk("session-token"));
  c.run(c.client.purchase(purchase_api::v1, "{}", c.deadline()));
  auto req = parse_request(server.requests().at(0));
  EXPECT_EQ(req["X-Security-Token"], "session-token");
  EXPECT_NE(req[http::field::authorization].find("x-security-token"), std::string::npos);
  EXPECT_TRUE(signature_valid(req, "SecretKey"));
}

TEST(cph_client_test, token_auth_sends_x_auth_token_and_no_signature) {
  fixture_server server({step::answer(http_answer(200, "OK", R"({"count":0,"servers":[]})"))});
  credentials t;
  t.type = credentials::kind::token;
  t.auth_token = "MIIEtoken";
  t.project_id = "p2";
  client_under_test c(server.url(), t);
  auto call = c.run(c.client.list_servers("x", c.deadline()));
  EXPECT_EQ(call.report.http_status, 200);
  auto req = parse_request(server.requests().at(0));
  EXPECT_EQ(req["X-Auth-Token"], "MIIEtoken");
  EXPECT_EQ(req.count(http::field::authorization), 0u);
  EXPECT_EQ(req.count("X-Sdk-Date"), 0u);
}

TEST(cph_client_test, service_errors_are_read_from_the_body) {
  fixture_server server({step::answer(http_answer(
      400, "Bad Request",
      R"({"request_id":"rq-7","error_code":"CPS.0024","error_msg":"Parameter: count is invalid."})",
      "X-Request-Id: header-id\r\n"))});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.purchase(purchase_api::v1, "{}", c.deadline()));
  EXPECT_EQ(call.report.http_status, 400);
  EXPECT_EQ(call.report.error_code, "CPS.0024");
  EXPECT_EQ(call.report.error_msg, "Parameter: count is invalid.");
  EXPECT_EQ(call.request_id, "rq-7");
  EXPECT_EQ(classify(call.report, call_kind::purchase).cls, outcome_class::permanent);
}

TEST(cph_client_test, error_bodies_in_every_known_shape) {
  auto gw = read_error_answer(R"({"code":"APIGW.0301","message":"Incorrect IAM authentication information"})",
                              "h1");
  EXPECT_EQ(gw.code, "APIGW.0301");
  EXPECT_EQ(gw.message, "Incorrect IAM authentication information");
  EXPECT_EQ(gw.request_id, "h1");
  auto nested = read_error_answer(R"({"error":{"code":"APIG.0308","message":"limit:5,time:1 second"}})", "");
  EXPECT_EQ(nested.code, "APIG.0308");
  EXPECT_EQ(nested.message, "limit:5,time:1 second");
  auto html = read_error_answer(
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\n</body></html>", "h2");
  EXPECT_EQ(html.code, "");
  EXPECT_EQ(html.message, "<html> <head><title>502 Bad Gateway</title></head> <body> </body></html>");
  EXPECT_EQ(html.request_id, "h2");
  auto unknown_json = read_error_answer(R"({"unexpected":true})", "");
  EXPECT_EQ(unknown_json.message, R"({"unexpected":true})");
  auto empty = read_error_answer("", "");
  EXPECT_EQ(empty.message, "");
}

TEST(cph_client_test, a_long_error_page_is_cut_at_a_character_boundary) {
  std::string page(400, 'x');
  page.replace(298, 3, "\xE6\xB8\xB8");  // a 3-byte character across the limit
  auto e = read_error_answer(page, "");
  EXPECT_EQ(e.message, std::string(298, 'x') + "\xE2\x80\xA6");
}

TEST(cph_client_test, an_html_502_page_is_kept_as_the_message_and_ambiguous) {
  fixture_server server({step::answer(http_answer(502, "Bad Gateway", "<html><body>Bad Gateway</body></html>",
                                                  "X-Request-Id: gw-9\r\n", "text/html"))});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.purchase(purchase_api::v1, "{}", c.deadline()));
  EXPECT_EQ(call.report.http_status, 502);
  EXPECT_EQ(call.report.error_msg, "<html><body>Bad Gateway</body></html>");
  EXPECT_EQ(call.request_id, "gw-9");
  EXPECT_EQ(classify(call.report, call_kind::purchase).cls, outcome_class::ambiguous);
}

TEST(cph_client_test, a_200_without_an_order_id_is_ambiguous_not_ordered) {
  fixture_server server({step::answer(http_answer(200, "OK", R"({"request_id":"rq-2"})"))});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.purchase(purchase_api::v1, "{}", c.deadline()));
  EXPECT_EQ(call.report.http_status, 200);
  ASSERT_TRUE(call.report.transport);
  EXPECT_EQ(call.report.transport->message,
            R"(read: unreadable answer: no order_id in {"request_id":"rq-2"})");
  EXPECT_EQ(classify(call.report, call_kind::purchase).cls, outcome_class::ambiguous);
}

// ---- answers the API does not document -------------------------------------------------------------
// HTTP allows more answers than the API documents. A purchase must come out of each either ordered
// (with its order id) or ambiguous (the ledger's `unknown`, settled by reading the service), never
// permanent: the next run buys a `failed` chunk again.

std::string interim(std::string_view status_line, std::string_view headers = "") {
  return "HTTP/1.1 " + std::string(status_line) + "\r\n" + std::string(headers) + "\r\n";
}

struct scripted_purchase {
  purchase_call call;
  outcome result;
  std::size_t requests_seen = 0;
  int connections_accepted = 0;
};

scripted_purchase purchase_against(step answer) {
  fixture_server server({std::move(answer)});
  client_under_test c(server.url(), aksk());
  scripted_purchase out;
  out.call =
      c.run(c.client.purchase(purchase_api::v1, R"({"server_name":"game-001","count":2})", c.deadline()));
  out.result = classify(out.call.report, call_kind::purchase);
  out.requests_seen = server.requests().size();
  out.connections_accepted = server.accepted();
  return out;
}

std::string describe(const purchase_call& call) {
  return fmt::format("status {} transport {}", call.report.http_status,
                     call.report.transport ? call.report.transport->message : "none");
}

TEST(cph_client_test, interim_answers_before_the_200_are_read_past_and_the_order_is_taken) {
  const std::string preludes[] = {
      interim("100 Continue"),
      interim("102 Processing"),
      interim("103 Early Hints", "Link: </x.css>; rel=preload\r\n"),
      interim("100 Continue") + interim("102 Processing") + interim("102 Processing"),
  };
  for (const auto& prelude : preludes) {
    auto p = purchase_against(step::answer(prelude + http_answer(200, "OK", order_body)));
    EXPECT_EQ(to_string(p.result.cls), "ordered") << prelude << describe(p.call);
    EXPECT_EQ(p.call.report.http_status, 200) << prelude;
    EXPECT_FALSE(p.call.report.transport) << prelude;
    EXPECT_EQ(p.call.response.order_id, "CS2024") << prelude;
    EXPECT_EQ(p.call.response.server_ids, (std::vector<std::string>{"s1", "s2"})) << prelude;
  }
}

TEST(cph_client_test, an_unasked_101_switch_is_ambiguous) {
  auto p = purchase_against(step::garbage(interim("101 Switching Protocols", "Upgrade: h2c\r\n") +
                                          "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
  EXPECT_EQ(to_string(p.result.cls), "ambiguous") << describe(p.call);
  ASSERT_TRUE(p.call.report.transport);
  EXPECT_EQ(p.call.report.transport->message,
            "read: malformed HTTP answer (101 Switching Protocols, unasked)");
  EXPECT_TRUE(p.call.report.transport->request_written);
}

TEST(cph_client_test, a_redirected_purchase_is_ambiguous_and_not_followed) {
  for (int status : {301, 302, 303, 307, 308}) {
    auto p = purchase_against(step::answer(http_answer(status, "Moved", R"({"error_msg":"moved"})",
                                                       "Location: /v1/proj1/cloud-phone/phones\r\n")));
    EXPECT_EQ(p.call.report.http_status, status);
    EXPECT_EQ(to_string(p.result.cls), "ambiguous") << status;
    EXPECT_FALSE(p.result.stop_run) << status;
    EXPECT_EQ(p.requests_seen, 1u) << status << ": a redirect must never be sent again";
    EXPECT_EQ(p.connections_accepted, 1) << status;
  }
}

TEST(cph_client_test, a_2xx_other_than_200_is_ambiguous_even_with_an_order_body) {
  auto no_content = purchase_against(step::answer("HTTP/1.1 204 No Content\r\n\r\n"));
  EXPECT_EQ(no_content.call.report.http_status, 204);
  EXPECT_EQ(to_string(no_content.result.cls), "ambiguous") << describe(no_content.call);
  for (int status : {201, 202}) {
    auto p = purchase_against(step::answer(http_answer(status, "Accepted", order_body)));
    EXPECT_EQ(p.call.report.http_status, status);
    EXPECT_EQ(to_string(p.result.cls), "ambiguous") << status;
  }
}

TEST(cph_client_test, a_200_whose_body_is_not_the_purchase_answer_is_ambiguous) {
  const std::string bodies[] = {
      "<html><body>Welcome to the captive portal</body></html>",
      "",
      "[]",
      R"({"order_id":)",
      R"({"order_id":["CS1"]})",
      R"({"request_id":"rq-3","order_id":"CS2","error_code":"CPS.0200","error_msg":"task failed"})",
  };
  for (const auto& body : bodies) {
    auto p = purchase_against(step::answer(http_answer(200, "OK", body)));
    EXPECT_EQ(p.call.report.http_status, 200) << body;
    EXPECT_EQ(to_string(p.result.cls), "ambiguous") << body;
    ASSERT_TRUE(p.call.report.transport) << body;
    EXPECT_TRUE(p.call.report.transport->request_written) << body;
  }
}

TEST(cph_client_test, a_200_cut_off_mid_body_is_ambiguous) {
  const std::string cut_length =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
      R"({"request_id":"rq-1","order_id":"CS20)";
  const std::string cut_chunk =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "40\r\n{\"request_id\":\"rq-1\",";
  for (const auto& raw : {cut_length, cut_chunk}) {
    auto p = purchase_against(step::garbage(raw));
    EXPECT_EQ(to_string(p.result.cls), "ambiguous") << raw;
    ASSERT_TRUE(p.call.report.transport) << raw;
    EXPECT_EQ(p.call.report.transport->step, transport_step::read) << raw;
    EXPECT_TRUE(p.call.report.transport->request_written) << raw;
    EXPECT_TRUE(p.call.response.order_id.empty()) << raw;
  }
}

TEST(cph_client_test, throttling_reports_retry_after_and_the_limit) {
  fixture_server server({step::answer(http_answer(
      429, "Too Many Requests",
      R"({"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second"})",
      "Retry-After: 2\r\n"))});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.purchase(purchase_api::v1, "{}", c.deadline()));
  auto o = classify(call.report, call_kind::purchase);
  EXPECT_EQ(o.cls, outcome_class::retryable);
  EXPECT_TRUE(o.throttled);
  EXPECT_EQ(o.throttle_limit, 10);
  EXPECT_EQ(o.retry_after_s, 2);
}

// A server list of `total` servers named `<name>-NNNN`, newest first, served by offset and limit.
std::string list_page(const http::request<http::string_body>& req, int total, int& pages_served,
                      std::string& last_target) {
  ++pages_served;
  last_target = std::string(req.target());
  auto url = boost::urls::parse_origin_form(req.target()).value();
  auto params = url.params();
  int offset = std::stoi((*params.find("offset")).value);
  int limit = std::stoi((*params.find("limit")).value);
  std::string name = (*params.find("server_name")).value;
  boost::json::array servers;
  for (int i = offset; i < std::min(total, offset + limit); ++i) {
    servers.push_back(boost::json::object{{"server_id", "id-" + std::to_string(i)},
                                          {"server_name", fmt::format("{}-{:04}", name, total - i)},
                                          {"status", 5},
                                          {"metadata", boost::json::object{{"order_id", "o1"}}}});
  }
  return http_answer(200, "OK",
                     boost::json::serialize(boost::json::object{{"count", total}, {"servers", servers}}));
}

TEST(cph_client_test, list_servers_reads_every_page) {
  int pages = 0;
  std::string last;
  fixture_server server({step::respond([&](const auto& req) { return list_page(req, 250, pages, last); })});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.list_servers("游戏 eu", c.deadline()));
  ASSERT_EQ(classify(call.report, call_kind::read).cls, outcome_class::ordered);
  ASSERT_EQ(call.servers.size(), 250u);
  EXPECT_EQ(call.servers.front().server_name, "游戏 eu-0250");
  EXPECT_EQ(call.servers.back().server_id, "id-249");
  EXPECT_EQ(call.servers.back().order_id, "o1");
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(last, "/v1/proj1/cloud-phone/servers?limit=100&offset=200&server_name=%E6%B8%B8%E6%88%8F%20eu");
  EXPECT_EQ(c.http.stats().connections_opened, 1);
  for (const auto& raw : server.requests()) EXPECT_TRUE(signature_valid(parse_request(raw), "SecretKey"));
}

TEST(cph_client_test, list_servers_of_an_exact_page_multiple_stops_at_the_count) {
  int pages = 0;
  std::string last;
  fixture_server server({step::respond([&](const auto& req) { return list_page(req, 200, pages, last); })});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.list_servers("g", c.deadline()));
  EXPECT_EQ(call.servers.size(), 200u);
  EXPECT_EQ(pages, 2);
}

TEST(cph_client_test, list_servers_keeps_a_server_once_when_pages_shift) {
  // A server created while paging pushes the list down by one: the first server of page two is the
  // last of page one.
  int pages = 0;
  fixture_server server({step::respond([&](const http::request<http::string_body>& req) {
    ++pages;
    bool first = req.target().find("offset=0") != std::string_view::npos;
    boost::json::array servers;
    for (int i = first ? 0 : 99; i < (first ? 100 : 120); ++i) {
      servers.push_back(boost::json::object{{"server_id", "id-" + std::to_string(i)}, {"server_name", "g"}});
    }
    return http_answer(200, "OK",
                       boost::json::serialize(boost::json::object{{"count", 121}, {"servers", servers}}));
  })});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.list_servers("g", c.deadline()));
  EXPECT_EQ(call.servers.size(), 120u);
  EXPECT_EQ(pages, 2);
}

TEST(cph_client_test, a_failed_page_fails_the_whole_list) {
  int pages = 0;
  fixture_server server({step::respond([&](const http::request<http::string_body>& req) {
    if (++pages == 1) {
      std::string last;
      int dummy = 0;
      return list_page(req, 150, dummy, last);
    }
    return http_answer(503, "Service Unavailable", R"({"error_code":"CPS.0005","error_msg":"busy"})");
  })});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.list_servers("g", c.deadline()));
  EXPECT_EQ(call.report.http_status, 503);
  EXPECT_TRUE(call.servers.empty());
  EXPECT_EQ(classify(call.report, call_kind::read).cls, outcome_class::retryable);
}

TEST(cph_client_test, a_garbled_list_is_a_retryable_read_failure) {
  fixture_server server({step::answer(http_answer(200, "OK", R"({"servers":"nope"})"))});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.list_servers("g", c.deadline()));
  ASSERT_TRUE(call.report.transport);
  EXPECT_EQ(call.report.transport->step, transport_step::read);
  EXPECT_EQ(classify(call.report, call_kind::read).cls, outcome_class::retryable);
}

TEST(cph_client_test, show_server_reads_one_flat_object) {
  fixture_server server({step::answer(http_answer(
      200, "OK",
      R"({"request_id":"r","server_id":"abc","server_name":"g-001-0001","status":5,"metadata":{"order_id":"o9","product_id":"p9"}})"))});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.show_server("abc", c.deadline()));
  EXPECT_EQ(call.report.http_status, 200);
  EXPECT_EQ(call.server.server_name, "g-001-0001");
  EXPECT_EQ(call.server.order_id, "o9");
  EXPECT_EQ(parse_request(server.requests().at(0)).target(), "/v1/proj1/cloud-phone/servers/abc");
}

TEST(cph_client_test, catalog_reads_each_kind_from_its_path) {
  fixture_server server({step::respond([](const http::request<http::string_body>& req) {
    std::string_view t = req.target();
    t = t.substr(0, t.find('?'));
    std::string body;
    if (t.ends_with("/server-models")) {
      body =
          R"({"server_models":[{"server_model_name":"physical.rx1.xlarge","server_type":"arm","cpu":64,"memory":256,"product_type":0}]})";
    } else if (t.ends_with("/phone-models")) {
      body =
          R"({"phone_models":[{"server_model_name":"physical.rx1.xlarge","phone_model_name":"aphs1.medium.4.aosp","status":1,"cpu":4,"memory":8}]})";
    } else if (t.ends_with("/phone-images")) {
      body =
          R"({"phone_images":[{"image_id":"88b8449b896f3a4f0ad57222dd919899","image_name":"android","os_type":"Android","is_public":1}]})";
    } else if (t.ends_with("/bandwidths")) {
      body =
          R"({"band_widths":[{"band_width_id":"bw1","band_width_size":100,"band_width_share_type":1,"band_width_charge_mode":0}]})";
    } else {
      return http_answer(404, "Not Found", R"({"error_code":"APIGW.0101","error_msg":"no such API"})");
    }
    return http_answer(200, "OK", body);
  })});
  client_under_test c(server.url(), aksk());
  auto call = c.run(c.client.read_catalog(c.deadline()));
  ASSERT_EQ(call.report.http_status, 200);
  ASSERT_EQ(call.items.server_models.size(), 1u);
  EXPECT_EQ(call.items.server_models[0].cpu, 64);
  ASSERT_EQ(call.items.phone_models.size(), 1u);
  EXPECT_EQ(call.items.phone_models[0].phone_model_name, "aphs1.medium.4.aosp");
  ASSERT_EQ(call.items.images.size(), 1u);
  EXPECT_EQ(call.items.images[0].image_id, "88b8449b896f3a4f0ad57222dd919899");
  ASSERT_EQ(call.items.bandwidths.size(), 1u);
  EXPECT_EQ(call.items.bandwidths[0].band_width_size, 100);
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(cph_client_test, the_paths_live_in_one_place) {
  EXPECT_EQ(cph_paths::purchase("p"), "/v1/p/cloud-phone/phones");
  EXPECT_EQ(cph_paths::servers("p"), "/v1/p/cloud-phone/servers");
  EXPECT_EQ(cph_paths::server("p", "a/b"), "/v1/p/cloud-phone/servers/a%2Fb");
  EXPECT_EQ(cph_paths::catalog("p", catalog_kind::images), "/v1/p/cloud-phone/phone-images");
  EXPECT_EQ(cph_paths::catalog("p", catalog_kind::bandwidths), "/v1/p/cloud-phone/bandwidths");
}

// ---- against the emulator --------------------------------------------------------------------------

purchase_request seed_purchase(std::string name, std::int64_t count) {
  purchase_request r;
  r.server_name = std::move(name);
  r.server_model_name = "physical.rx1.xlarge";
  r.phone_model_name = "aphs1.medium.4.aosp";
  r.image_id = "88b8449b896f3a4f0ad57222dd919899";
  r.count = count;
  r.band_width.band_width_share_type = 0;
  r.extend_param.is_auto_pay = 1;
  return r;
}

struct emulated {
  explicit emulated(emulator_options o, credentials creds, https_client_options client_options = {})
      : emu(io, std::move(o)),
        url((emu.start(), emu.url())),
        http(io.get_executor(), parse_endpoint(url), std::move(client_options)),
        client(http, std::move(creds)) {}
  template <typename T>
  T run(net::awaitable<T> a) {
    return run_sync(io, std::move(a));
  }
  std::chrono::steady_clock::time_point deadline() { return std::chrono::steady_clock::now() + 5s; }
  net::io_context io;
  emulator emu;
  std::string url;
  https_client http;
  cph_client client;
};

emulator_options signed_emulator() {
  emulator_options o;
  o.ak = "AccessKey";
  o.sk = "SecretKey";
  return o;
}

TEST(cph_client_emulator_test, signed_purchases_are_accepted_and_listed_back_over_every_page) {
  emulated e(signed_emulator(), aksk());
  for (int chunk = 1; chunk <= 11; ++chunk) {
    auto call = e.run(e.client.purchase(
        purchase_api::v1, to_body(seed_purchase(fmt::format("pg-{:03}", chunk), 10)), e.deadline()));
    ASSERT_EQ(classify(call.report, call_kind::purchase).cls, outcome_class::ordered)
        << call.report.http_status << " " << call.report.error_code << " " << call.report.error_msg;
    EXPECT_FALSE(call.response.order_id.empty());
    EXPECT_FALSE(call.request_id.empty());
  }
  auto list = e.run(e.client.list_servers("pg-", e.deadline()));
  ASSERT_EQ(classify(list.report, call_kind::read).cls, outcome_class::ordered) << list.report.error_msg;
  EXPECT_EQ(list.servers.size(), 110u);
  auto chunk_7 = std::count_if(list.servers.begin(), list.servers.end(), [](const server_info& s) {
    return server_belongs_to_chunk(s.server_name, "pg-007");
  });
  EXPECT_EQ(chunk_7, 10);
  EXPECT_EQ(e.http.stats().connections_opened, 1);

  auto one = e.run(e.client.show_server(list.servers.front().server_id, e.deadline()));
  ASSERT_EQ(one.report.http_status, 200) << one.report.error_msg;
  EXPECT_EQ(one.server.server_name, list.servers.front().server_name);
  EXPECT_FALSE(one.server.order_id.empty());
}

TEST(cph_client_emulator_test, a_wrong_secret_key_is_refused_and_stops_the_run) {
  auto wrong = aksk();
  wrong.secret_key = "NotTheSecretKey";
  emulated e(signed_emulator(), wrong);
  auto call =
      e.run(e.client.purchase(purchase_api::v1, to_body(seed_purchase("wrong-001", 1)), e.deadline()));
  EXPECT_EQ(call.report.http_status, 401);
  EXPECT_EQ(call.report.error_code, "APIGW.0301");
  auto o = classify(call.report, call_kind::purchase);
  EXPECT_EQ(o.cls, outcome_class::permanent);
  EXPECT_TRUE(o.stop_run);
  EXPECT_EQ(e.emu.stats().orders, 0u);
}

TEST(cph_client_emulator_test, temporary_keys_and_tokens_are_accepted) {
  emulated with_token_key(signed_emulator(), aksk("security-token"));
  auto a = with_token_key.run(with_token_key.client.list_servers("x", with_token_key.deadline()));
  EXPECT_EQ(a.report.http_status, 200) << a.report.error_msg;

  emulator_options o;
  o.token = "iam-token";
  credentials t;
  t.type = credentials::kind::token;
  t.auth_token = "iam-token";
  t.project_id = "proj1";
  emulated with_token(o, t);
  auto b = with_token.run(with_token.client.list_servers("x", with_token.deadline()));
  EXPECT_EQ(b.report.http_status, 200) << b.report.error_msg;
}

TEST(cph_client_emulator_test, a_service_error_comes_back_with_its_code) {
  emulated e(signed_emulator(), aksk());
  auto bad = seed_purchase("bad-001", 11);
  auto call = e.run(e.client.purchase(purchase_api::v1, to_body(bad), e.deadline()));
  EXPECT_EQ(call.report.http_status, 400);
  EXPECT_EQ(call.report.error_code, "CPS.0024");
  EXPECT_FALSE(call.request_id.empty());
  EXPECT_EQ(classify(call.report, call_kind::purchase).cls, outcome_class::permanent);
}

TEST(cph_client_emulator_test, the_catalog_reads_back_the_builtin_one) {
  emulated e(signed_emulator(), aksk());
  auto call = e.run(e.client.read_catalog(e.deadline()));
  ASSERT_EQ(call.report.http_status, 200) << call.report.error_msg;
  auto expected = builtin_catalog();
  ASSERT_EQ(call.items.server_models.size(), expected.server_models.size());
  EXPECT_EQ(call.items.server_models[0].server_model_name, expected.server_models[0].server_model_name);
  ASSERT_EQ(call.items.phone_models.size(), expected.phone_models.size());
  EXPECT_EQ(call.items.phone_models[2].status, 0);
  ASSERT_EQ(call.items.images.size(), expected.images.size());
  EXPECT_EQ(call.items.images[0].image_id, expected.images[0].image_id);
  ASSERT_EQ(call.items.bandwidths.size(), expected.bandwidths.size());
  EXPECT_EQ(call.items.bandwidths[1].band_width_size, 300);
}

TEST(cph_client_emulator_test, https_to_the_emulator_with_a_private_ca) {
  auto o = signed_emulator();
  o.tls_cert = test::pki().server.cert.string();
  o.tls_key = test::pki().server.key.string();
  https_client_options trust;
  trust.ca_file = test::pki().ca_cert;
  emulated e(o, aksk(), trust);
  ASSERT_EQ(e.url.rfind("https://127.0.0.1:", 0), 0u) << e.url;
  for (int i = 0; i < 3; ++i) {
    auto call = e.run(e.client.list_servers("x", e.deadline()));
    ASSERT_EQ(call.report.http_status, 200) << (call.report.transport ? call.report.transport->message : "");
  }
  EXPECT_EQ(e.http.stats().tls_handshakes, 1);
}

TEST(cph_client_emulator_test, commit_then_drop_is_ambiguous_and_the_order_is_found_by_listing) {
  auto o = signed_emulator();
  o.script = "1:commit_then_drop";
  emulated e(o, aksk());
  auto call = e.run(e.client.purchase(purchase_api::v1, to_body(seed_purchase("drop-001", 3)), e.deadline()));
  ASSERT_TRUE(call.report.transport);
  EXPECT_TRUE(call.report.transport->request_written);
  EXPECT_EQ(classify(call.report, call_kind::purchase).cls, outcome_class::ambiguous);
  auto list = e.run(e.client.list_servers("drop-001", e.deadline()));
  EXPECT_EQ(list.servers.size(), 3u);
}

TEST(cph_client_emulator_test, an_embedded_config_gives_a_session_with_no_credentials) {
  config cfg;
  cfg.path = "config/embedded.toml";
  cfg.endpoint = "embedded";
  net::io_context io;
  service_session session(io, cfg);
  EXPECT_EQ(session.project_id(), embedded_project_id);
  EXPECT_EQ(session.describe().rfind("embedded emulator at http://127.0.0.1:", 0), 0u) << session.describe();
  auto call = run_sync(io, session.api().purchase(purchase_api::v1, to_body(seed_purchase("emb-001", 2)),
                                                  std::chrono::steady_clock::now() + 5s));
  EXPECT_EQ(classify(call.report, call_kind::purchase).cls, outcome_class::ordered) << call.report.error_msg;
  EXPECT_EQ(session.connections_opened(), 1);
}

TEST(cph_client_emulator_test, a_plain_http_endpoint_elsewhere_is_an_input_error) {
  config cfg;
  cfg.path = "config/x.toml";
  cfg.endpoint = "http://cph.example.com";
  cfg.auth = auth_method::token;
  cfg.project_id = "p";
  struct scoped_token {
    scoped_token() { ::setenv("CPHFLEET_AUTH_TOKEN", "t", 1); }
    ~scoped_token() { ::unsetenv("CPHFLEET_AUTH_TOKEN"); }
  } token;
  net::io_context io;
  try {
    service_session session(io, cfg);
    FAIL() << "accepted";
  } catch (const input_error& e) {
    ASSERT_EQ(e.errors.size(), 1u);
    EXPECT_EQ(
        e.errors[0].to_string(),
        "config/x.toml: cloud.endpoint: \"http://cph.example.com\": plain http:// only for loopback hosts "
        "(127.0.0.0/8, ::1, localhost): use https://");
  }
}

}  // namespace
}  // namespace cphfleet

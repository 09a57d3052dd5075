#include "api/purchase_body.hpp"
#include "support/api_rules.hpp"

#include "base/text.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <functional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

namespace cphfleet {

namespace {

purchase_request valid_request() {
  purchase_request r;
  r.server_name = "game-001";
  r.server_model_name = "physical.rx1.xlarge";
  r.phone_model_name = "aphs1.medium.4.aosp";
  r.image_id = "88b8449b896f3a4f0ad57222dd919899";
  r.count = 10;
  r.band_width.band_width_share_type = 0;
  r.extend_param.charging_mode = 0;
  r.extend_param.period_type = 2;
  r.extend_param.period_num = 1;
  r.extend_param.is_auto_pay = 1;
  return r;
}

port_spec port(std::string name, std::int64_t number, bool internet = true) {
  return port_spec{std::move(name), number, internet};
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

using testing::rule_case;

void check_rules(const std::vector<rule_case>& cases) { testing::check_rules(valid_request(), cases); }

constexpr std::string_view bad = "APIGW.0201";

TEST(api_model_test, a_valid_request_breaks_no_rule) { EXPECT_TRUE(validate(valid_request()).empty()); }

TEST(api_model_test, server_name_rules) {
  check_rules({
      {"empty",
       [](auto& r) { r.server_name = ""; },
       {{"server_name", "is empty (allowed: 1..60 characters)", "CPS.0025"}}},
      {"60 characters", [](auto& r) { r.server_name = std::string(60, 'a'); }, {}},
      {"61 characters",
       [](auto& r) { r.server_name = std::string(61, 'a'); },
       {{"server_name", "is 61 characters long (allowed: 1..60 characters)", "CPS.0025"}}},
      {"60 Chinese characters (180 bytes)", [](auto& r) { r.server_name = repeat("云", 60); }, {}},
      {"61 Chinese characters",
       [](auto& r) { r.server_name = repeat("云", 61); },
       {{"server_name", "is 61 characters long (allowed: 1..60 characters)", "CPS.0025"}}},
      {"space",
       [](auto& r) { r.server_name = "game eu"; },
       {{"server_name",
         "'game eu' has characters that are not allowed (allowed: ASCII letters, digits, Chinese characters, "
         "_ "
         "and -)",
         "CPS.0025"}}},
      {"kana are not CJK ideographs",
       [](auto& r) { r.server_name = "ゲーム"; },
       {{"server_name",
         "'ゲーム' has characters that are not allowed (allowed: ASCII letters, digits, Chinese characters, "
         "_ and -)",
         "CPS.0025"}}},
      {"underscore, dash, digits, Chinese", [](auto& r) { r.server_name = "云_game-01"; }, {}},
  });
}

TEST(api_model_test, flavor_and_image_rules_carry_their_own_codes) {
  check_rules({
      {"server model empty",
       [](auto& r) { r.server_model_name = ""; },
       {{"server_model_name", "is empty (allowed: 1..64 bytes)", "CPS.0089"}}},
      {"server model 65 bytes",
       [](auto& r) { r.server_model_name = std::string(65, 'm'); },
       {{"server_model_name", "is 65 bytes long (allowed: 1..64 bytes)", "CPS.0089"}}},
      {"phone model empty",
       [](auto& r) { r.phone_model_name = ""; },
       {{"phone_model_name", "is empty (allowed: 1..64 bytes)", "CPS.0027"}}},
      {"phone model 65 bytes",
       [](auto& r) { r.phone_model_name = std::string(65, 'p'); },
       {{"phone_model_name", "is 65 bytes long (allowed: 1..64 bytes)", "CPS.0028"}}},
      {"phone model 64 bytes", [](auto& r) { r.phone_model_name = std::string(64, 'p'); }, {}},
      {"image empty",
       [](auto& r) { r.image_id = ""; },
       {{"image_id", "is empty (allowed: 1..32 bytes)", "CPS.0029"}}},
      {"image 33 bytes",
       [](auto& r) { r.image_id = std::string(33, 'i'); },
       {{"image_id", "is 33 bytes long (allowed: 1..32 bytes)", "CPS.0030"}}},
  });
}

TEST(api_model_test, count_is_one_to_ten_per_call) {
  check_rules({
      {"0", [](auto& r) { r.count = 0; }, {{"count", "0 is out of range (allowed: 1..10)", "CPS.0024"}}},
      {"1", [](auto& r) { r.count = 1; }, {}},
      {"10", [](auto& r) { r.count = 10; }, {}},
      {"11", [](auto& r) { r.count = 11; }, {{"count", "11 is out of range (allowed: 1..10)", "CPS.0024"}}},
  });
}

TEST(api_model_test, band_width_rules) {
  check_rules({
      {"share type missing",
       [](auto& r) { r.band_width.band_width_share_type.reset(); },
       {{"band_width.band_width_share_type",
         "is missing (required when band_width_id is not set: 0 dedicated or 1 shared)", "CPS.0031"}}},
      {"share type 2",
       [](auto& r) { r.band_width.band_width_share_type = 2; },
       {{"band_width.band_width_share_type", "2 is not a share type (allowed: 0 dedicated, 1 shared)",
         "CPS.0031"}}},
      {"shared without size",
       [](auto& r) { r.band_width.band_width_share_type = 1; },
       {{"band_width.band_width_size", "is missing (required for a shared bandwidth: 1..300 Mbit/s)",
         "CPS.0031"}}},
      {"shared 300",
       [](auto& r) {
         r.band_width.band_width_share_type = 1;
         r.band_width.band_width_size = 300;
       },
       {}},
      {"shared 301",
       [](auto& r) {
         r.band_width.band_width_share_type = 1;
         r.band_width.band_width_size = 301;
       },
       {{"band_width.band_width_size", "301 is out of range (allowed: 1..300)", "CPS.0031"}}},
      {"dedicated size 0",
       [](auto& r) { r.band_width.band_width_size = 0; },
       {{"band_width.band_width_size", "0 is out of range (allowed: 1..300)", "CPS.0031"}}},
      {"an existing bandwidth wins over type and size",
       [](auto& r) {
         r.band_width.band_width_id = "bw-1";
         r.band_width.band_width_share_type = 7;
         r.band_width.band_width_size = 5000;
       },
       {}},
      {"empty id",
       [](auto& r) { r.band_width.band_width_id = ""; },
       {{"band_width.band_width_id", "is empty (allowed: the id of an existing shared bandwidth)",
         "CPS.0031"}}},
      {"id 65 bytes",
       [](auto& r) { r.band_width.band_width_id = std::string(65, 'b'); },
       {{"band_width.band_width_id", "is 65 bytes long (allowed: 1..64 bytes)", "CPS.0031"}}},
  });
}

TEST(api_model_test, billing_rules_depend_on_the_period_type) {
  check_rules({
      {"charging mode 1",
       [](auto& r) { r.extend_param.charging_mode = 1; },
       {{"extend_param.charging_mode", "1 is not a charging mode (allowed: 0, prepaid by period)",
         std::string(bad)}}},
      {"9 months", [](auto& r) { r.extend_param.period_num = 9; }, {}},
      {"10 months",
       [](auto& r) { r.extend_param.period_num = 10; },
       {{"extend_param.period_num", "10 is out of range (allowed: 1..9)", std::string(bad)}}},
      {"0 months",
       [](auto& r) { r.extend_param.period_num = 0; },
       {{"extend_param.period_num", "0 is out of range (allowed: 1..9)", std::string(bad)}}},
      {"10 years",
       [](auto& r) {
         r.extend_param.period_type = 3;
         r.extend_param.period_num = 10;
       },
       {}},
      {"11 years",
       [](auto& r) {
         r.extend_param.period_type = 3;
         r.extend_param.period_num = 11;
       },
       {{"extend_param.period_num", "11 is out of range (allowed: 1..10)", std::string(bad)}}},
      {"period type 1",
       [](auto& r) { r.extend_param.period_type = 1; },
       {{"extend_param.period_type", "1 is not a period type (allowed: 2 month, 3 year)", std::string(bad)}}},
      {"auto pay 2",
       [](auto& r) { r.extend_param.is_auto_pay = 2; },
       {{"extend_param.is_auto_pay", "2 is not allowed (allowed: 0 leave unpaid, 1 pay from balance)",
         "CPS.0060"}}},
      {"auto pay 0", [](auto& r) { r.extend_param.is_auto_pay = 0; }, {}},
      {"auto pay unset", [](auto& r) { r.extend_param.is_auto_pay.reset(); }, {}},
  });
}

TEST(api_model_test, optional_field_rules) {
  check_rules({
      {"keypair 64 bytes", [](auto& r) { r.keypair_name = std::string(64, 'k'); }, {}},
      {"keypair 65 bytes",
       [](auto& r) { r.keypair_name = std::string(65, 'k'); },
       {{"keypair_name", "is 65 bytes long (allowed: 1..64 bytes)", std::string(bad)}}},
      {"keypair empty",
       [](auto& r) { r.keypair_name = ""; },
       {{"keypair_name", "is empty (allowed: 1..64 bytes)", std::string(bad)}}},
      {"network address", [](auto& r) { r.subnet_cidr = "172.31.0.0/16"; }, {}},
      {"host bits set",
       [](auto& r) { r.subnet_cidr = "10.0.0.1/8"; },
       {{"subnet_cidr", "'10.0.0.1/8' is not an IPv4 CIDR (allowed: a.b.c.d/n, n 0..32, no host bits set)",
         std::string(bad)}}},
      {"prefix 33",
       [](auto& r) { r.subnet_cidr = "10.0.0.0/33"; },
       {{"subnet_cidr", "'10.0.0.0/33' is not an IPv4 CIDR (allowed: a.b.c.d/n, n 0..32, no host bits set)",
         std::string(bad)}}},
  });
}

TEST(api_model_test, port_rules) {
  check_rules({
      {"two distinct ports",
       [](auto& r) {
         r.ports = {port("a", 10000), port("b", 50000)};
       },
       {}},
      {"name empty",
       [](auto& r) { r.ports = {port("", 20000)}; },
       {{"ports[0].name", "is empty (allowed: 1..16 bytes)", std::string(bad)}}},
      {"name 17 bytes",
       [](auto& r) { r.ports = {port(std::string(17, 'n'), 20000)}; },
       {{"ports[0].name", "is 17 bytes long (allowed: 1..16 bytes)", std::string(bad)}}},
      {"adb reserved",
       [](auto& r) { r.ports = {port("adb", 20000)}; },
       {{"ports[0].name", "'adb' is reserved (allowed: any name but adb and vnc)", std::string(bad)}}},
      {"Vnc reserved in any case",
       [](auto& r) { r.ports = {port("Vnc", 20000)}; },
       {{"ports[0].name", "'Vnc' is reserved (allowed: any name but adb and vnc)", std::string(bad)}}},
      {"name twice",
       [](auto& r) {
         r.ports = {port("s", 20000), port("s", 20001)};
       },
       {{"ports[1].name", "'s' is used twice (allowed: each port name once)", std::string(bad)}}},
      {"port 9999",
       [](auto& r) { r.ports = {port("s", 9999)}; },
       {{"ports[0].listen_port", "9999 is out of range (allowed: 10000..50000)", std::string(bad)}}},
      {"port 50001",
       [](auto& r) { r.ports = {port("s", 50001)}; },
       {{"ports[0].listen_port", "50001 is out of range (allowed: 10000..50000)", std::string(bad)}}},
      {"number twice",
       [](auto& r) {
         r.ports = {port("a", 20000), port("b", 20000)};
       },
       {{"ports[1].listen_port", "20000 is used twice (allowed: each port number once)", std::string(bad)}}},
  });
}

TEST(api_model_test, every_broken_rule_is_reported_not_just_the_first) {
  purchase_request r = valid_request();
  r.count = 0;
  r.image_id = "";
  r.ports = {port("adb", 1)};
  EXPECT_EQ(validate(r),
            (std::vector<api_error>{
                {"image_id", "is empty (allowed: 1..32 bytes)", "CPS.0029"},
                {"count", "0 is out of range (allowed: 1..10)", "CPS.0024"},
                {"ports[0].name", "'adb' is reserved (allowed: any name but adb and vnc)", std::string(bad)},
                {"ports[0].listen_port", "1 is out of range (allowed: 10000..50000)", std::string(bad)},
            }));
}

TEST(api_model_test, single_value_helpers) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("game"), 4u);
  EXPECT_EQ(utf8_length("云手机"), 3u);
  EXPECT_EQ(utf8_length("\xff\xfe"), 2u);  // invalid UTF-8 counts bytes
  EXPECT_TRUE(is_valid_server_name_chars("云_A-9"));
  EXPECT_FALSE(is_valid_server_name_chars("a.b"));
  EXPECT_FALSE(is_valid_server_name_chars("\xe4\xb8"));  // a cut-off Chinese character
  EXPECT_FALSE(is_valid_server_name_chars("\xC1\xA1"));  // an overlong 'a' is not an 'a'
  EXPECT_TRUE(is_valid_ipv4_cidr("0.0.0.0/0"));
  EXPECT_TRUE(is_valid_ipv4_cidr("192.168.1.128/25"));
  EXPECT_FALSE(is_valid_ipv4_cidr("192.168.1.129/25"));
  EXPECT_FALSE(is_valid_ipv4_cidr("10.0.0.0"));
  EXPECT_FALSE(is_valid_ipv4_cidr("256.0.0.0/8"));
  EXPECT_FALSE(is_valid_ipv4_cidr("010.0.0.0/8"));
  EXPECT_FALSE(is_valid_ipv4_cidr("10.0.0/8"));
  EXPECT_FALSE(is_valid_ipv4_cidr("10.0.0.0/"));
}

TEST(api_model_test, body_has_string_booleans_integer_numbers_and_no_unset_fields) {
  purchase_request r = valid_request();
  EXPECT_EQ(to_body(r),
            "{\"server_name\":\"game-001\",\"server_model_name\":\"physical.rx1.xlarge\","
            "\"phone_model_name\":\"aphs1.medium.4.aosp\",\"image_id\":\"88b8449b896f3a4f0ad57222dd919899\","
            "\"count\":10,\"band_width\":{\"band_width_share_type\":0},"
            "\"extend_param\":{\"charging_mode\":0,\"period_type\":2,\"period_num\":1,\"is_auto_pay\":1}}");

  r.server_name = "云-001";
  r.band_width.band_width_share_type = 1;
  r.band_width.band_width_size = 50;
  r.extend_param.is_auto_pay.reset();
  r.keypair_name = "kp";
  r.vnc_enable = false;
  r.ports = {port("stream", 20000, true), port("ctl", 20001, false)};
  r.subnet_cidr = "172.31.0.0/16";
  EXPECT_EQ(to_body(r),
            "{\"server_name\":\"云-001\",\"server_model_name\":\"physical.rx1.xlarge\","
            "\"phone_model_name\":\"aphs1.medium.4.aosp\",\"image_id\":\"88b8449b896f3a4f0ad57222dd919899\","
            "\"count\":10,\"band_width\":{\"band_width_share_type\":1,\"band_width_size\":50},"
            "\"extend_param\":{\"charging_mode\":0,\"period_type\":2,\"period_num\":1},"
            "\"keypair_name\":\"kp\",\"vnc_enable\":\"false\","
            "\"ports\":[{\"name\":\"stream\",\"listen_port\":20000,\"internet_accessible\":\"true\"},"
            "{\"name\":\"ctl\",\"listen_port\":20001,\"internet_accessible\":\"false\"}],"
            "\"subnet_cidr\":\"172.31.0.0/16\"}");
}

TEST(api_model_test, a_body_reads_back_as_the_request_it_came_from) {
  purchase_request r = valid_request();
  r.band_width.band_width_id = "bw-1";
  r.keypair_name = "kp";
  r.vnc_enable = true;
  r.ports = {port("stream", 20000, true), port("ctl", 20001, false)};
  r.subnet_cidr = "172.31.0.0/16";
  parsed_purchase p = parse_purchase(to_body(r));
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(to_body(p.request), to_body(r));
}

std::vector<api_error> parse_errors(std::string_view body) { return parse_purchase(body).errors; }

// A sound body with one member replaced by `value` (JSON text), or removed when `value` is empty.
std::string body_with(std::string_view member, std::string_view value) {
  boost::json::object o = boost::json::parse(
                              "{\"server_name\":\"g\",\"server_model_name\":\"m\",\"phone_model_name\":\"p\","
                              "\"image_id\":\"i\",\"count\":1,\"band_width\":{\"band_width_share_type\":0},"
                              "\"extend_param\":{\"charging_mode\":0,\"period_type\":2,\"period_num\":1}}")
                              .as_object();
  if (!member.empty()) {
    o.erase(member);
    if (!value.empty()) o[member] = boost::json::parse(value);
  }
  return boost::json::serialize(o);
}

TEST(api_model_test, malformed_or_mistyped_bodies_are_apigw_0201_naming_the_field) {
  EXPECT_TRUE(parse_errors(body_with("", "")).empty());
  EXPECT_EQ(parse_errors("{\"server_name\":"),
            (std::vector<api_error>{
                {"body", "is not valid JSON: incomplete JSON (allowed: a JSON object)", std::string(bad)}}));
  EXPECT_EQ(
      parse_errors("[1]"),
      (std::vector<api_error>{{"body", "is not a JSON object (allowed: a JSON object)", std::string(bad)}}));
  EXPECT_EQ(parse_errors(body_with("server_name", "")),
            (std::vector<api_error>{{"server_name", "is missing (required)", std::string(bad)}}));
  EXPECT_EQ(parse_errors(body_with("server_name", "null")),
            (std::vector<api_error>{{"server_name", "is missing (required)", std::string(bad)}}));
  EXPECT_EQ(
      parse_errors(body_with("count", "\"10\"")),
      (std::vector<api_error>{{"count", "has the wrong type (allowed: an integer)", std::string(bad)}}));
  EXPECT_EQ(
      parse_errors(body_with("count", "1.5")),
      (std::vector<api_error>{{"count", "has the wrong type (allowed: an integer)", std::string(bad)}}));
  EXPECT_EQ(
      parse_errors(body_with("band_width", "5")),
      (std::vector<api_error>{{"band_width", "has the wrong type (allowed: an object)", std::string(bad)}}));
  EXPECT_EQ(parse_errors(body_with("extend_param", "{\"charging_mode\":0,\"period_type\":2}")),
            (std::vector<api_error>{{"extend_param.period_num", "is missing (required)", std::string(bad)}}));
  EXPECT_EQ(
      parse_errors(body_with("vnc_enable", "true")),
      (std::vector<api_error>{{"vnc_enable", "has the wrong type (allowed: a string)", std::string(bad)}}));
  EXPECT_EQ(parse_errors(body_with("ports", "{}")),
            (std::vector<api_error>{
                {"ports", "has the wrong type (allowed: an array of objects)", std::string(bad)}}));
  EXPECT_EQ(
      parse_errors(body_with("ports", "[1]")),
      (std::vector<api_error>{{"ports[0]", "has the wrong type (allowed: an object)", std::string(bad)}}));
  EXPECT_EQ(parse_errors(body_with("ports", "[{\"name\":\"s\",\"listen_port\":\"1\"}]")),
            (std::vector<api_error>{
                {"ports[0].listen_port", "has the wrong type (allowed: an integer)", std::string(bad)},
                {"ports[0].internet_accessible", "is missing (required)", std::string(bad)},
            }));
}

TEST(api_model_test, string_booleans_read_true_only_for_true_in_any_case) {
  EXPECT_EQ(parse_purchase(body_with("vnc_enable", "\"TRUE\"")).request.vnc_enable, true);
  EXPECT_EQ(parse_purchase(body_with("vnc_enable", "\"yes\"")).request.vnc_enable, false);
  auto p = parse_purchase(
      body_with("ports", "[{\"name\":\"s\",\"listen_port\":20000,\"internet_accessible\":\"True\"}]"));
  ASSERT_EQ(p.request.ports.size(), 1u);
  EXPECT_TRUE(p.request.ports[0].internet_accessible);
}

}  // namespace
}  // namespace cphfleet

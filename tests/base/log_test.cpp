#include "base/log.hpp"

#include "base/text.hpp"
#include "base/time_text.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {
namespace {

namespace json = boost::json;

std::string text_line(std::string_view message, const log_fields& fields = {}) {
  return format_log_line(log_format::text, log_level::info, "T", message, fields);
}
std::string json_line(std::string_view message, const log_fields& fields = {}) {
  return format_log_line(log_format::json, log_level::info, "T", message, fields);
}

// Boost.JSON's parser refuses invalid UTF-8 unless told otherwise, so a line it reads is valid JSON.
json::object parse_json(const std::string& line) {
  json::error_code ec;
  json::value v = json::parse(line, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << line;
  return v.is_object() ? v.as_object() : json::object{};
}

// Sends log lines to a vector for the test's lifetime, then restores stderr and the settings.
class captured_log {
 public:
  explicit captured_log(log_settings s) : saved_(current_log_settings()) {
    configure_log(s);
    set_log_sink([this](std::string_view line) { lines.emplace_back(line); });
  }
  ~captured_log() {
    set_log_sink({});
    configure_log(saved_);
  }
  std::vector<std::string> lines;

 private:
  log_settings saved_;
};

TEST(log_test, text_line_writes_plain_values_bare_and_numbers_as_numbers) {
  EXPECT_EQ(text_line("plan", {{"job", "demo"},
                               {"calls", 3},
                               {"servers", std::size_t{47}},
                               {"dry", false},
                               {"ratio", 0.25},
                               {"delta", -2}}),
            "T info plan job=demo calls=3 servers=47 dry=false ratio=0.25 delta=-2");
  EXPECT_EQ(format_log_line(log_format::text, log_level::warn, "2026-11-26T10:00:00.123Z", "unknown", {}),
            "2026-11-26T10:00:00.123Z warn unknown");
}

TEST(log_test, text_value_with_a_special_character_is_quoted_with_escapes) {
  struct row {
    std::string value;
    std::string written;
  };
  for (const row& r : std::vector<row>{
           {"", R"(k="")"},
           {"a b", R"(k="a b")"},
           {"a \"b\"\nc", R"(k="a \"b\"\nc")"},
           {"C:\\dir", R"(k="C:\\dir")"},
           {"a=b", R"(k="a=b")"},
           {"x\ty\r", R"(k="x\ty\r")"},
           {"\x1b[31mred", R"(k="\x1b[31mred")"},  // a terminal escape is shown, not run
           {std::string("nul\0", 4), R"(k="nul\x00")"},
           {"del\x7f", R"(k="del\x7f")"},
           {"云手机", "k=云手机"},
           {"a'b,c;d", "k=a'b,c;d"},
           {"bad\xff", "k=bad\xEF\xBF\xBD"},
           {"cut \xe4\xb8", "k=\"cut \xEF\xBF\xBD\xEF\xBF\xBD\""},
       }) {
    EXPECT_EQ(text_line("m", {{"k", r.value}}), "T info m " + r.written) << ::testing::PrintToString(r.value);
  }
}

TEST(log_test, text_message_keeps_to_one_line) {
  EXPECT_EQ(text_line("first\nsecond\r\n", {{"k", "v"}}), R"(T info first\nsecond\r\n k=v)");
  EXPECT_EQ(text_line("say \"hi\" = \\ok"), R"(T info say "hi" = \ok)");  // only control characters change
  EXPECT_EQ(text_line("bad \xC0\xAF"), "T info bad \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(log_test, json_line_carries_numbers_and_booleans_as_json_types) {
  EXPECT_EQ(json_line("run finished", {{"exit_code", 0},
                                       {"requests", std::uint64_t{8}},
                                       {"stopped", true},
                                       {"run_id", "20261126T034743Z-88befc"},
                                       {"count", "10"}}),
            R"({"time":"T","level":"info","msg":"run finished","exit_code":0,"requests":8,"stopped":true,)"
            R"("run_id":"20261126T034743Z-88befc","count":"10"})");

  json::object o = parse_json(json_line("m", {{"ratio", 0.25},
                                              {"big", std::numeric_limits<std::uint64_t>::max()},
                                              {"low", std::numeric_limits<std::int64_t>::min()},
                                              {"inf", std::numeric_limits<double>::infinity()}}));
  ASSERT_TRUE(o.contains("ratio") && o.at("ratio").is_double());
  EXPECT_EQ(o.at("ratio").as_double(), 0.25);
  ASSERT_TRUE(o.at("big").is_uint64());
  EXPECT_EQ(o.at("big").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(o.at("low").is_int64());
  EXPECT_EQ(o.at("low").as_int64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(o.at("inf"), json::value("inf"));  // JSON has no infinity: written as text
}

TEST(log_test, json_line_replaces_invalid_utf8_so_it_always_parses) {
  const std::string fffd = "\xEF\xBF\xBD";
  std::string line = json_line("body: \xff\xfe", {{"error",
                                                   "a\xC0\xAF"
                                                   "b"},
                                                  {"key\x80", "v"}});
  json::object o = parse_json(line);
  EXPECT_EQ(o.at("msg"), json::value("body: " + fffd + fffd));
  EXPECT_EQ(o.at("error"), json::value("a" + fffd + fffd + "b"));
  EXPECT_EQ(o.at("key" + fffd), json::value("v"));
}

TEST(log_test, every_byte_in_any_message_or_value_gives_one_parseable_line) {
  std::vector<std::string> nasty;
  for (int b = 0; b < 256; ++b) nasty.emplace_back(1, static_cast<char>(b));
  nasty.insert(nasty.end(),
               {"\r\n", "\"}\n{\"level\":\"error\"", "\\u0000", "\xF4\x90\x80\x80", "\xED\xA0\x80",
                "\xE2\x80\xA8 line separator", "k=v x=\"y\"", std::string(3, '\0')});
  for (const std::string& s : nasty) {
    const std::string what = ::testing::PrintToString(s);
    std::string j = json_line(s, {{"v", s}, {"key " + s, 1}});
    EXPECT_EQ(j.find('\n'), std::string::npos) << what;
    json::object o = parse_json(j);
    EXPECT_EQ(o.at("msg"), json::value(to_valid_utf8(s))) << what;
    EXPECT_EQ(o.at("v"), json::value(to_valid_utf8(s))) << what;

    std::string t = text_line(s, {{"v", s}});
    EXPECT_EQ(t.find_first_of(std::string_view("\n\r\0", 3)), std::string::npos) << what;
    EXPECT_TRUE(is_valid_utf8(t)) << what;
  }
}

TEST(log_test, log_sends_lines_that_pass_the_level_to_the_sink) {
  captured_log captured({log_format::text, log_level::warn});
  log(log_level::info, "below the level", {{"k", 1}});
  log(log_level::warn, "purchase refused", {{"chunk", "game-001"}, {"attempt", 2}});
  log_error("ledger {}", "locked");
  ASSERT_EQ(captured.lines.size(), 2u);
  const std::string& first = captured.lines[0];
  ASSERT_GT(first.size(), 25u);
  EXPECT_TRUE(parse_utc_rfc3339(first.substr(0, 24))) << first;
  EXPECT_EQ(first.substr(24), " warn purchase refused chunk=game-001 attempt=2\n");
  EXPECT_EQ(captured.lines[1].substr(24), " error ledger locked\n");
}

TEST(log_test, json_log_lines_parse_and_carry_the_time) {
  captured_log captured({log_format::json, log_level::debug});
  log(log_level::debug, "retrying", {{"chunk", "eu-002"}, {"delay_ms", 1500}});
  ASSERT_EQ(captured.lines.size(), 1u);
  ASSERT_TRUE(captured.lines[0].ends_with("}\n"));
  json::object o = parse_json(captured.lines[0]);
  EXPECT_TRUE(parse_utc_rfc3339(o.at("time").as_string())) << captured.lines[0];
  EXPECT_EQ(o.at("level"), json::value("debug"));
  EXPECT_EQ(o.at("delay_ms"), json::value(1500));
}

TEST(log_test, redact_shows_four_characters_whatever_their_width) {
  EXPECT_EQ(redact(""), "");
  EXPECT_EQ(redact("AKIDEXAMPLE"), "AKID\xE2\x80\xA6");
  EXPECT_EQ(redact("云手机密钥"), "云手机密\xE2\x80\xA6");
  EXPECT_EQ(redact("ab"), "ab\xE2\x80\xA6");
}

}  // namespace
}  // namespace cphfleet

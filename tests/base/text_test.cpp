#include "base/text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {
namespace {

TEST(text_test, trim_takes_spaces_and_tabs_off_both_ends_and_nothing_else) {
  struct row {
    std::string_view in, out;
  };
  for (const row& r : std::vector<row>{
           {"", ""},
           {"   ", ""},
           {"a", "a"},
           {" \ta b\t ", "a b"},
           {"\na\r", "\na\r"},  // CR and LF are not whitespace to drop: a value carrying them is suspect
           {"\xC2\xA0x", "\xC2\xA0x"},  // a no-break space is a character, not padding
       }) {
    EXPECT_EQ(trim(r.in), r.out) << '"' << r.in << '"';
  }
}

TEST(text_test, to_lower_and_iequals_touch_ascii_letters_only) {
  EXPECT_EQ(to_lower("X-Sdk-Date"), "x-sdk-date");
  EXPECT_EQ(to_lower("HTTPS://Example.COM:443"), "https://example.com:443");
  EXPECT_EQ(to_lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // "Été": UTF-8 bytes unchanged
  EXPECT_EQ(to_lower(""), "");
  EXPECT_TRUE(iequals("TRUE", "true"));
  EXPECT_TRUE(iequals("AdB", "adb"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("true ", "true"));
  EXPECT_FALSE(iequals("tru", "true"));
  EXPECT_FALSE(iequals("[", "{"));  // 0x5B and 0x7B differ by the case bit but are not letters
}

TEST(text_test, hex_value_reads_both_cases_and_refuses_the_rest) {
  EXPECT_EQ(hex_value('0'), 0);
  EXPECT_EQ(hex_value('9'), 9);
  EXPECT_EQ(hex_value('a'), 10);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value('G'), -1);
  EXPECT_EQ(hex_value('%'), -1);
  EXPECT_EQ(hex_value('\0'), -1);
}

TEST(text_test, hex_encode_is_lowercase_and_hex_decode_is_strict) {
  EXPECT_EQ(hex_encode(""), "");
  EXPECT_EQ(hex_encode(std::string_view("\x00\x01\xAB\xFF", 4)), "0001abff");
  const unsigned char digest[] = {0xDE, 0xAD, 0xBE, 0xEF};
  EXPECT_EQ(hex_encode(digest, sizeof digest), "deadbeef");

  EXPECT_EQ(hex_decode("0001abff"), std::string("\x00\x01\xAB\xFF", 4));
  EXPECT_EQ(hex_decode("DEADbeef"), std::string("\xDE\xAD\xBE\xEF"));
  EXPECT_EQ(hex_decode(""), std::string());
  EXPECT_EQ(hex_decode("abc"), std::nullopt);   // odd length
  EXPECT_EQ(hex_decode("zz"), std::nullopt);    // not hex
  EXPECT_EQ(hex_decode("0x12"), std::nullopt);  // no prefix
  EXPECT_EQ(hex_decode(" 12"), std::nullopt);
}

TEST(text_test, percent_encode_keeps_unreserved_characters_and_writes_uppercase_hex) {
  EXPECT_EQ(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(percent_encode("a b+c/d?e=f&g"), "a%20b%2Bc%2Fd%3Fe%3Df%26g");
  EXPECT_EQ(percent_encode("云"), "%E4%BA%91");
  EXPECT_EQ(percent_encode(std::string_view("\x00", 1)), "%00");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(text_test, percent_decode_reads_either_case_and_keeps_a_malformed_escape) {
  struct row {
    std::string_view in;
    bool plus_is_space;
    std::string out;
  };
  for (const row& r : std::vector<row>{
           {"a%20b", false, "a b"},
           {"%e4%BA%91", false, "云"},
           {"a+b", false, "a+b"},
           {"a+b", true, "a b"},
           {"%2B", true, "+"},  // an encoded plus stays a plus
           {"100%", false, "100%"},
           {"%4", false, "%4"},
           {"%zz", false, "%zz"},
           {"%%41", false, "%A"},
           {"", false, ""},
       }) {
    EXPECT_EQ(percent_decode(r.in, r.plus_is_space), r.out) << r.in;
  }
  EXPECT_EQ(percent_decode(percent_encode("ümlaut & /x y")), "ümlaut & /x y");
}

TEST(text_test, utf8_decoding_is_strict_and_counts_each_bad_byte_once) {
  struct row {
    std::string_view in;
    std::size_t length;
    bool valid;
  };
  for (const row& r : std::vector<row>{
           {"", 0, true},
           {"game", 4, true},
           {"云手机", 3, true},
           {"\xF0\x9F\x98\x80", 1, true},  // U+1F600, four bytes
           {"\xff\xfe", 2, false},
           {"\xe4\xb8", 2, false},          // a cut-off Chinese character
           {"\xC0\xAF", 2, false},          // overlong '/'
           {"\xC1\xA1", 2, false},          // overlong 'a': must not pass a character check as 'a'
           {"\xE0\x80\xAF", 3, false},      // overlong, three bytes
           {"\xED\xA0\x80", 3, false},      // a UTF-16 surrogate
           {"\xF4\x90\x80\x80", 4, false},  // above U+10FFFF
           {"\x80x", 2, false},             // a stray continuation byte
           {"a\xE4\xB8\xAD\xff", 3, false},
       }) {
    EXPECT_EQ(utf8_length(r.in), r.length) << ::testing::PrintToString(std::string(r.in));
    EXPECT_EQ(is_valid_utf8(r.in), r.valid) << ::testing::PrintToString(std::string(r.in));
  }
}

TEST(text_test, next_code_point_returns_the_value_and_moves_past_it) {
  std::string_view s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\xFF";
  std::size_t i = 0;
  EXPECT_EQ(next_code_point(s, i), U'a');
  EXPECT_EQ(i, 1u);
  EXPECT_EQ(next_code_point(s, i), U'\u00E9');
  EXPECT_EQ(i, 3u);
  EXPECT_EQ(next_code_point(s, i), U'\u4E2D');
  EXPECT_EQ(i, 6u);
  EXPECT_EQ(next_code_point(s, i), U'\U0001F600');
  EXPECT_EQ(i, 10u);
  EXPECT_EQ(next_code_point(s, i), utf8_invalid);
  EXPECT_EQ(i, 11u);
}

TEST(text_test, to_valid_utf8_replaces_each_bad_byte_with_a_replacement_character) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(to_valid_utf8("plain 云"), "plain 云");
  EXPECT_EQ(to_valid_utf8("a\xFF"
                          "b"),
            "a" + fffd + "b");
  EXPECT_EQ(to_valid_utf8("\xe4\xb8"), fffd + fffd);
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), fffd + fffd);
  EXPECT_EQ(to_valid_utf8(""), "");
  EXPECT_TRUE(is_valid_utf8(to_valid_utf8("\x80\xBF\xF8\xED\xA0\x80")));
}

TEST(text_test, append_utf8_writes_every_length_and_refuses_what_is_not_a_character) {
  std::string out;
  append_utf8(out, U'a');
  append_utf8(out, U'\u00E9');
  append_utf8(out, U'\u4E2D');
  append_utf8(out, U'\U0001F600');
  EXPECT_EQ(out, "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
  out.clear();
  append_utf8(out, 0xD800);
  append_utf8(out, 0x110000);
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(text_test, parse_integer_takes_the_whole_string_and_refuses_overflow) {
  struct row {
    std::string_view in;
    std::optional<std::int64_t> out;
  };
  for (const row& r : std::vector<row>{
           {"0", 0},
           {"42", 42},
           {"-7", -7},
           {"007", 7},
           {"9223372036854775807", INT64_MAX},
           {"-9223372036854775808", INT64_MIN},
           {"9223372036854775808", std::nullopt},  // one past the top
           {"", std::nullopt},
           {"+1", std::nullopt},
           {" 1", std::nullopt},
           {"1 ", std::nullopt},
           {"1x", std::nullopt},
           {"1.0", std::nullopt},
           {"0x10", std::nullopt},
           {"-", std::nullopt},
       }) {
    EXPECT_EQ(parse_integer<std::int64_t>(r.in), r.out) << '"' << r.in << '"';
  }
  EXPECT_EQ(parse_integer<std::uint64_t>("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_integer<std::uint64_t>("-1"), std::nullopt);  // no sign on an unsigned type
  EXPECT_EQ(parse_integer<unsigned char>("255"), 255);
  EXPECT_EQ(parse_integer<unsigned char>("256"), std::nullopt);
  EXPECT_EQ(parse_integer<int>("-2147483649"), std::nullopt);
}

}  // namespace
}  // namespace cphfleet

#include "input/credentials_file.hpp"

#include "support/temp_files.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

namespace cphfleet {
namespace {

using testing::temp_files;

std::vector<std::string> messages(const input_error& e) {
  std::vector<std::string> out;
  for (const auto& d : e.errors) out.push_back(d.to_string());
  return out;
}

std::vector<std::string> parse_errors(std::string_view text) {
  try {
    parse_credentials_file(text, "creds");
  } catch (const input_error& e) {
    return messages(e);
  }
  return {};
}

std::vector<std::string> read_errors(const std::string& path) {
  try {
    read_credentials_file(path);
  } catch (const input_error& e) {
    return messages(e);
  }
  return {};
}

TEST(credentials_file_test, basic_is_read_with_comments_whitespace_and_other_sections_around_it) {
  auto f = parse_credentials_file(
      "# written by hand\r\n"
      "; another comment\n"
      "\n"
      "[global]\n"
      "ak = GLOBALAK\n"
      "sk = globalsk\n"
      "  [basic]  \n"
      "  AK =  ABCDEFGHIJ  \n"
      "sk:secretvalue\n"
      "project_id = 0123456789abcdef0123456789abcdef\r\n"
      "security_token = tok=en/with+signs\n"
      "iam_endpoint = https://iam.example.com\n"
      "[other]\n"
      "sk = not-this-one\n",
      "creds");
  EXPECT_EQ(f.ak, "ABCDEFGHIJ");
  EXPECT_EQ(f.sk, "secretvalue");
  EXPECT_EQ(f.project_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(f.security_token, "tok=en/with+signs");  // split at the first = only
  EXPECT_EQ(f.line, 7);
}

TEST(credentials_file_test, a_file_without_basic_or_without_sk_reads_as_what_it_holds) {
  auto none = parse_credentials_file("[global]\nak = A\nsk = B\n", "creds");
  EXPECT_EQ(none.ak, "");
  EXPECT_EQ(none.line, 0);
  auto half = parse_credentials_file("[basic]\nak = ABCD\n", "creds");
  EXPECT_EQ(half.ak, "ABCD");
  EXPECT_EQ(half.sk, "");  // load_credentials says what is missing (credentials_test)
  // The SDK's section names are case-sensitive: [BASIC] is another section.
  EXPECT_EQ(parse_credentials_file("[BASIC]\nak = A\nsk = B\n", "creds").ak, "");
}

TEST(credentials_file_test, a_malformed_line_is_named_by_its_line_and_never_quoted) {
  EXPECT_EQ(parse_errors("[basic]\nak = ABCD\nthisisasecretpastedalone\n"),
            (std::vector<std::string>{"creds:3:1: credentials file: the line is neither a [section], a key = "
                                      "value pair nor a comment starting with # or ;"}));
  EXPECT_EQ(parse_errors("ak = ABCD\n"),
            (std::vector<std::string>{
                "creds:1:1: credentials file: a key before any [section] (allowed: keys under [basic])"}));
  EXPECT_EQ(parse_errors("[basic\n"),
            (std::vector<std::string>{"creds:1:1: credentials file: a section header "
                                      "has no closing ] (allowed: [basic])"}));
  EXPECT_EQ(parse_errors("[basic]\nsk = a\nSK = b\n"),
            (std::vector<std::string>{"creds:3:1: basic.sk: is given twice in [basic] (allowed: once)"}));
  EXPECT_EQ(parse_errors("[basic]\nak = a\n[basic]\n"),
            (std::vector<std::string>{
                "creds:3:1: credentials file: [basic] is given twice, first on line 1 (allowed: once)"}));
}

TEST(credentials_file_test, a_file_others_can_read_is_refused_naming_chmod) {
  temp_files dir;
  auto path = dir.write("credentials", "[basic]\nak = ABCD\nsk = secret\n");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_EQ(read_errors(path), (std::vector<std::string>{
                                   "credentials: the credentials file has mode 0640: other users may read it "
                                   "or change it (allowed: only its owner: chmod 600 credentials)"}));
  ASSERT_EQ(::chmod(path.c_str(), 0602), 0);
  EXPECT_EQ(read_errors(path).size(), 1u);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto f = read_credentials_file(path);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->sk, "secret");
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(read_credentials_file(path).has_value());
}

TEST(credentials_file_test, a_missing_file_is_nothing_and_a_folder_or_a_huge_file_is_refused) {
  temp_files dir;
  EXPECT_EQ(read_credentials_file("nope"), std::nullopt);
  std::filesystem::create_directory("folder");
  ASSERT_EQ(::chmod("folder", 0700), 0);
  EXPECT_EQ(read_errors("folder"),
            (std::vector<std::string>{"folder: the credentials file is not a regular file"}));
  auto big = dir.write("big", std::string(max_credentials_file_bytes + 1, '#'));
  ASSERT_EQ(::chmod(big.c_str(), 0600), 0);
  EXPECT_EQ(read_errors(big),
            (std::vector<std::string>{"big: the credentials file is 65537 bytes (allowed: at most 65536)"}));
}

}  // namespace
}  // namespace cphfleet

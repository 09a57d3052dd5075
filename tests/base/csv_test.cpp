#include "base/csv.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cphfleet::csv {
namespace {

using cells = std::vector<std::string>;

std::vector<cells> read_all(std::string_view text) {
  reader r(text);
  std::vector<cells> out;
  while (auto rec = r.next()) out.push_back(*rec);
  return out;
}

std::string parse_error_of(std::string_view text) {
  try {
    read_all(text);
  } catch (const parse_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(csv_test, plain_cells_are_written_bare_and_records_end_with_crlf) {
  EXPECT_EQ(format_record({"a", "b c", "", "中文"}), "a,b c,,中文\r\n");
  EXPECT_EQ(format_record({""}), "\r\n");
}

TEST(csv_test, cells_with_comma_quote_cr_or_lf_are_quoted_with_quotes_doubled) {
  EXPECT_EQ(format_record({"a,b", "say \"hi\"", "x\r\ny", "x\ny", "x\rz"}),
            "\"a,b\",\"say \"\"hi\"\"\",\"x\r\ny\",\"x\ny\",\"x\rz\"\r\n");
}

TEST(csv_test, cells_a_spreadsheet_would_run_are_written_behind_a_quote) {
  EXPECT_EQ(format_record({"=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx", "a=b"}),
            "'=SUM(A1),'+1,'-1,'@cmd,'\tx,\"'\rx\",a=b\r\n");
}

TEST(csv_test, a_cell_starting_with_a_quote_gets_one_more_only_when_a_formula_character_follows) {
  EXPECT_EQ(format_record({"'=x", "''-1", "'hello", "'", "it's"}), "''=x,'''-1,'hello,',it's\r\n");
}

TEST(csv_test, awkward_cells_round_trip) {
  cells awkward = {"",
                   "plain",
                   "a,b",
                   "\"",
                   "\"\"",
                   "say \"hi\", then go",
                   "x\r\ny",
                   "x\ny",
                   "x\r",
                   "\r\n",
                   "=1+2",
                   "+1",
                   "-1",
                   "@SUM(A1)",
                   "\tlead",
                   "\rlead",
                   "'",
                   "'=x",
                   "''=x",
                   "'hello",
                   "''",
                   "'\t",
                   "=",
                   "-",
                   "中文,名字",
                   "游戏服务器-001",
                   "ünïcødé\n\"q\"",
                   "trailing space ",
                   " leading",
                   ";a;b"};
  std::string text = format_record(awkward) + format_record({"second"});
  auto records = read_all(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], awkward);
  EXPECT_EQ(records[1], cells{"second"});
  // One cell per record as well, so every cell is also seen first and last in its record.
  for (const auto& cell : awkward) {
    auto one = read_all(format_record({cell}));
    ASSERT_EQ(one.size(), 1u) << cell;
    EXPECT_EQ(one[0], cells{cell});
  }
}

TEST(csv_test, unguarded_formula_and_plain_leading_quote_read_back_as_written) {
  // Typed by hand, without the guard: nothing to undo.
  auto records = read_all("=x,'hello,'\r\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], (cells{"=x", "'hello", "'"}));
}

TEST(csv_test, reads_lf_only_line_ends_and_a_last_record_without_line_end) {
  auto records = read_all("a,b\nc,d\r\ne,f");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], (cells{"a", "b"}));
  EXPECT_EQ(records[1], (cells{"c", "d"}));
  EXPECT_EQ(records[2], (cells{"e", "f"}));
}

TEST(csv_test, trailing_comma_is_an_empty_last_cell_and_blank_line_one_empty_cell) {
  auto records = read_all("a,\n\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], (cells{"a", ""}));
  EXPECT_EQ(records[1], (cells{""}));
  EXPECT_TRUE(read_all("").empty());
}

TEST(csv_test, multi_line_quoted_cells_keep_line_numbers_right) {
  reader r("h1,h2\n\"line one\nline two\nline three\",x\nlast,y\n");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.line(), 1);
  auto rec = r.next();
  ASSERT_TRUE(rec);
  EXPECT_EQ(r.line(), 2);
  EXPECT_EQ(*rec, (cells{"line one\nline two\nline three", "x"}));
  rec = r.next();
  ASSERT_TRUE(rec);
  EXPECT_EQ(r.line(), 5);
  EXPECT_EQ(*rec, (cells{"last", "y"}));
  EXPECT_FALSE(r.next());
}

TEST(csv_test, reusing_the_cells_vector_gives_each_record_its_own_cell_count) {
  reader r("a,b,c\nd\n");
  cells c;
  ASSERT_TRUE(r.next(c));
  EXPECT_EQ(c, (cells{"a", "b", "c"}));
  ASSERT_TRUE(r.next(c));
  EXPECT_EQ(c, cells{"d"});
  EXPECT_FALSE(r.next(c));
}

TEST(csv_test, malformed_input_is_reported_with_line_and_column) {
  EXPECT_EQ(parse_error_of("a,b\nc,\"open\nstill open"), "2:3: unterminated quoted cell (no closing quote)");
  EXPECT_EQ(parse_error_of("a,b\r\nc,d\"e\r\n"),
            "2:4: quote inside an unquoted cell (quote the cell and double the quote)");
  EXPECT_EQ(parse_error_of("\"a\"b,c\n"),
            "1:4: unexpected character after a closing quote (a quote inside a cell is doubled)");
  EXPECT_EQ(parse_error_of("a\rb\n"), "1:2: carriage return outside quotes not followed by a line feed");
  // Columns count characters, not bytes.
  EXPECT_EQ(parse_error_of("中文,a\"b\n"),
            "1:5: quote inside an unquoted cell (quote the cell and double the quote)");
}

TEST(csv_test, parse_error_carries_line_column_and_detail) {
  try {
    read_all("x\n\"");
    FAIL() << "no error";
  } catch (const parse_error& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 1);
    EXPECT_EQ(e.detail, "unterminated quoted cell (no closing quote)");
  }
}

}  // namespace
}  // namespace cphfleet::csv

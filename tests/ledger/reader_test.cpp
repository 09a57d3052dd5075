#include "ledger/reader.hpp"
#include "ledger/index.hpp"
#include "support/ledger_rows.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cphfleet {
namespace {

const std::string& header = test::ledger_header_text;

using test::make_row;

std::string error_of(std::string_view text) {
  try {
    parse_ledger(text, "orders.csv");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

// A valid row with one cell replaced, to aim a check at one column.
std::string row_with(std::size_t column, std::string_view value) {
  std::vector<std::string> cells = make_row("f", "f-001", 10, chunk_status::ordered).to_cells();
  cells[column] = value;
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + cells[i];
  return out + "\r\n";
}

class temp_dir {
 public:
  temp_dir() {
    path_ = std::filesystem::temp_directory_path() /
            ("cphfleet_ledger_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(ledger_reader_test, every_field_round_trips_through_the_file_format) {
  ledger_row r = make_row("游戏服务器", "游戏服务器-001", 10, chunk_status::unknown);
  r.attempt = 6;
  r.http_status = 504;
  r.error_code = "-1";
  r.error_msg = "=HYPERLINK(\"x\"), then\r\na second line";
  r.request_id = "req-1";
  r.order_id = "+order";
  r.product_id = "@p";
  r.server_ids = {"a", "b"};
  r.project_id = "'=p";
  r.request = R"({"server_name":"游戏服务器-001","count":10,"ports":[{"name":"a,b"}]})";
  ledger_row empty_ids = make_row("f", "f-001", 1, chunk_status::failed);

  auto rows = parse_ledger(ledger_header() + format_row(r) + format_row(empty_ids), "orders.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].to_cells(), r.to_cells());
  EXPECT_EQ(rows[0].http_status, 504);
  EXPECT_EQ(rows[0].server_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rows[1].to_cells(), empty_ids.to_cells());
  EXPECT_EQ(rows[1].http_status, 0);
  EXPECT_TRUE(rows[1].server_ids.empty());
}

TEST(ledger_reader_test, a_hand_written_ledger_with_a_multi_line_error_message_reads_back_right) {
  std::string text =
      "time,run_id,job,fleet,chunk,count,status,attempt,http_status,error_code,error_msg,request_id,order_id,"
      "product_id,server_ids,project_id,request\n"
      "2026-11-26T10:00:00.000Z,r1,demo,x,x-001,10,failed,2,400,CPS.0024,\"Parameter: count is invalid.\n"
      "See \"\"the docs\"\", line two\",req-9,,,,p1,{}\n"
      "\n"
      "2026-11-26T10:00:01.000Z,r1,demo,x,x-002,7,ordered,1,200,,,req-10,CS1,PR1,s1;s2,p1,{}\n";
  auto rows = parse_ledger(text, "orders.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].error_msg, "Parameter: count is invalid.\nSee \"the docs\", line two");
  EXPECT_EQ(rows[0].status, chunk_status::failed);
  EXPECT_EQ(rows[0].http_status, 400);
  EXPECT_EQ(rows[0].request_id, "req-9");
  EXPECT_EQ(rows[1].chunk, "x-002");
  EXPECT_EQ(rows[1].count, 7);
  EXPECT_EQ(rows[1].server_ids, (std::vector<std::string>{"s1", "s2"}));
  // The row after the two-line cell is counted from its own line.
  EXPECT_EQ(error_of(text + "t,r,j,x,x-003,ten,ordered,1,,,,,,,,,\n"),
            "orders.csv:6: column 6 'count': 'ten' is not a server count (an integer 1..10)");
}

TEST(ledger_reader_test, a_header_that_differs_is_refused_naming_the_difference) {
  std::string wrong = header;
  wrong.replace(wrong.find("status"), 6, "state");
  EXPECT_EQ(error_of(wrong), "orders.csv:1: header column 7 is 'state', expected 'status'");
  EXPECT_EQ(error_of("time,run_id,job\r\n"),
            "orders.csv:1: header ends after column 3, expected column 4 'fleet'");
  EXPECT_EQ(error_of(header.substr(0, header.size() - 2) + ",extra\r\n"),
            "orders.csv:1: header column 18 is 'extra', expected the end of the header");
  EXPECT_EQ(error_of("\r\n" + header), "orders.csv:1: header column 1 is '', expected 'time'");
}

TEST(ledger_reader_test, malformed_rows_are_refused_naming_file_line_and_column) {
  EXPECT_EQ(error_of(header + "a,b,c\r\n"), "orders.csv:2: row has 3 cells, expected 17");
  EXPECT_EQ(error_of(header + row_with(6, "done")),
            "orders.csv:2: column 7 'status': 'done' is not a status (sending, ordered, retrying, failed, "
            "unknown)");
  EXPECT_EQ(error_of(header + row_with(5, "")),
            "orders.csv:2: column 6 'count': '' is not a server count (an integer 1..10)");
  EXPECT_EQ(error_of(header + row_with(5, "11")),
            "orders.csv:2: column 6 'count': '11' is not a server count (an integer 1..10)");
  EXPECT_EQ(error_of(header + row_with(5, "3.0")),
            "orders.csv:2: column 6 'count': '3.0' is not a server count (an integer 1..10)");
  EXPECT_EQ(error_of(header + row_with(7, "x")),
            "orders.csv:2: column 8 'attempt': 'x' is not an attempt number (an integer >= 0)");
  EXPECT_EQ(
      error_of(header + row_with(8, "OK")),
      "orders.csv:2: column 9 'http_status': 'OK' is not an HTTP status (empty, or an integer 100..599)");
  EXPECT_EQ(error_of(header + row_with(3, "")),
            "orders.csv:2: column 4 'fleet': empty (every row names its fleet)");
  EXPECT_EQ(error_of(header + row_with(4, "")),
            "orders.csv:2: column 5 'chunk': empty (every row names its chunk)");
  EXPECT_EQ(error_of(header + row_with(10, "bad\"quote")),
            "orders.csv:2:60: quote inside an unquoted cell (quote the cell and double the quote)");
}

TEST(ledger_reader_test, empty_text_and_a_byte_order_mark_are_accepted) {
  EXPECT_TRUE(parse_ledger("", "orders.csv").empty());
  EXPECT_TRUE(parse_ledger(header, "orders.csv").empty());
  auto rows = parse_ledger("\xEF\xBB\xBF" + header + row_with(0, "t"), "orders.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].time, "t");
}

TEST(ledger_reader_test, a_missing_file_is_an_empty_ledger) {
  temp_dir dir;
  EXPECT_TRUE(read_ledger(dir.path() / "nothing-here.csv").empty());
}

TEST(ledger_reader_test, reads_a_file_and_names_it_in_errors) {
  temp_dir dir;
  auto path = dir.path() / "orders.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << ledger_header() << format_row(make_row("x", "x-001", 10, chunk_status::ordered))
        << format_row(make_row("x", "x-002", 4, chunk_status::sending));
  }
  auto rows = read_ledger(path);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].chunk, "x-002");
  EXPECT_EQ(rows[1].status, chunk_status::sending);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << "short,row\r\n";
  }
  try {
    read_ledger(path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ":4: row has 2 cells, expected 17");
  }
}

// More than a few of the reader's 1 MiB pieces, with quoted cells holding line feeds, so that
// pieces are cut next to (and between) multi-line records.
std::string big_ledger_text(int chunks) {
  std::string text = ledger_header();
  for (int i = 1; i <= chunks; ++i) {
    std::string chunk = fmt::format("x-{:03}", i);
    ledger_row sending = make_row("x", chunk, 1 + i % 10, chunk_status::sending, fmt::format("s{}", i));
    sending.request = fmt::format("{{\"server_name\":\"{}\",\"note\":\"{}\"}}", chunk, std::string(400, 'r'));
    ledger_row answer = sending;
    answer.time = fmt::format("a{}", i);
    answer.status = i % 7 == 0    ? chunk_status::failed
                    : i % 11 == 0 ? chunk_status::unknown
                                  : chunk_status::ordered;
    answer.error_msg = "first line\nsecond, \"quoted\" line\n";
    answer.server_ids = {"id1", "id2"};
    text += format_row(sending) + format_row(answer);
  }
  return text;
}

TEST(ledger_reader_test, the_state_read_in_pieces_answers_as_the_whole_ledger_with_planning_cells_only) {
  temp_dir dir;
  auto path = dir.path() / "orders.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "\xEF\xBB\xBF" << big_ledger_text(3000);
  }
  ASSERT_GT(std::filesystem::file_size(path), 2u << 20);  // three pieces
  ledger_index full(read_ledger(path));
  ledger_index state = read_ledger_index(path, ledger_cells::state);
  EXPECT_EQ(state.rows().size(), 3000u);
  EXPECT_EQ(state.fleets(), full.fleets());
  auto a = full.chunks_of("x");
  auto b = state.chunks_of("x");
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i]->chunk, a[i]->chunk);
    EXPECT_EQ(b[i]->fleet, a[i]->fleet);
    EXPECT_EQ(b[i]->count, a[i]->count);
    EXPECT_EQ(b[i]->status, a[i]->status);
    EXPECT_EQ(b[i]->attempt, a[i]->attempt);
    EXPECT_EQ(b[i]->time, a[i]->time);
    // Dropped: nothing planning reads.
    EXPECT_EQ(b[i]->request, "");
    EXPECT_EQ(b[i]->error_msg, "");
    EXPECT_TRUE(b[i]->server_ids.empty());
  }
  EXPECT_EQ(a.back()->error_msg, "first line\nsecond, \"quoted\" line\n");
  fleet_totals ft = full.totals("x"), st = state.totals("x");
  EXPECT_EQ(st.ordered_servers, ft.ordered_servers);
  EXPECT_EQ(st.failed_chunks, ft.failed_chunks);
  EXPECT_EQ(st.unresolved_chunks, ft.unresolved_chunks);
  EXPECT_EQ(st.last_activity, "a3000");
}

TEST(ledger_reader_test, the_state_read_in_pieces_reports_errors_at_the_same_line_as_the_whole_read) {
  temp_dir dir;
  auto path = dir.path() / "orders.csv";
  std::string text = big_ledger_text(3000);
  for (const std::string& bad :
       {std::string("short,row\r\n"), row_with(6, "bought"), std::string("\"never closed,\r\nand on\r\n")}) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << text << bad << format_row(make_row("x", "x-001", 1, chunk_status::ordered));
    }
    std::string whole, pieces;
    try {
      read_ledger(path);
    } catch (const std::runtime_error& e) {
      whole = e.what();
    }
    try {
      read_ledger_index(path, ledger_cells::state);
    } catch (const std::runtime_error& e) {
      pieces = e.what();
    }
    // 3000 rows of 2 records; every answer record spans 3 lines.
    EXPECT_NE(whole.find(":12002:"), std::string::npos) << whole;
    EXPECT_EQ(pieces, whole);
  }
}

TEST(ledger_reader_test, the_state_of_a_missing_or_empty_ledger_is_empty_and_a_bad_header_is_an_error) {
  temp_dir dir;
  EXPECT_TRUE(read_ledger_index(dir.path() / "nothing-here.csv", ledger_cells::state).rows().empty());
  auto path = dir.path() / "orders.csv";
  { std::ofstream out(path, std::ios::binary); }
  EXPECT_TRUE(read_ledger_index(path, ledger_cells::state).rows().empty());
  {
    std::ofstream out(path, std::ios::binary);
    out << "time,run_id\r\n";
  }
  try {
    read_ledger_index(path, ledger_cells::state);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ":1: header ends after column 2, expected column 3 'job'");
  }
}

// What read_ledger hands on and reports, and what it logs, for a file holding `text`.
struct read_back {
  std::vector<ledger_row> rows;
  ledger_read read;
  std::string log;
};
read_back read_file_holding(const std::filesystem::path& path, const std::string& text) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  read_back r;
  ::testing::internal::CaptureStderr();
  try {
    r.read = read_ledger(path, [&](ledger_row&& row) { r.rows.push_back(std::move(row)); });
  } catch (...) {
    ::testing::internal::GetCapturedStderr();
    throw;
  }
  r.log = ::testing::internal::GetCapturedStderr();
  return r;
}

TEST(ledger_reader_test, a_torn_last_row_is_left_out_with_a_warning_and_the_file_is_left_alone) {
  temp_dir dir;
  auto path = dir.path() / "orders.csv";
  ledger_row answer = make_row("x", "x-001", 10, chunk_status::ordered);
  answer.error_msg = "two\nlines, \"quoted\"";
  answer.request = R"({"server_name":"x-001","count":10})";
  std::string whole = header + format_row(make_row("x", "x-001", 10, chunk_status::sending));
  std::string torn = format_row(answer);
  // Cut in an unquoted cell, inside the quoted message (past its line feed), inside the request.
  for (std::size_t cut : {std::size_t{30}, torn.find("lines"), torn.size() - 8}) {
    read_back r = read_file_holding(path, whole + torn.substr(0, cut));
    ASSERT_EQ(r.rows.size(), 1u) << cut;
    EXPECT_EQ(r.rows[0].status, chunk_status::sending);
    EXPECT_TRUE(r.read.torn);
    EXPECT_EQ(r.read.whole, whole.size());
    EXPECT_NE(r.log.find("torn record"), std::string::npos) << r.log;
    EXPECT_NE(r.log.find(path.string()), std::string::npos) << r.log;
    EXPECT_EQ(std::filesystem::file_size(path), whole.size() + cut);  // a reader never cuts
  }
}

TEST(ledger_reader_test, a_whole_last_row_without_its_line_break_is_a_row_and_no_warning) {
  temp_dir dir;
  auto path = dir.path() / "orders.csv";
  std::string row = format_row(make_row("x", "x-001", 10, chunk_status::ordered));
  for (std::string end : {std::string(""), std::string("\r")}) {
    read_back r = read_file_holding(path, header + row.substr(0, row.size() - 2) + end);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_TRUE(r.read.unterminated);
    EXPECT_FALSE(r.read.torn);
    EXPECT_EQ(r.read.whole, header.size() + row.size() - 2);
    EXPECT_EQ(r.log, "");
  }
}

TEST(ledger_reader_test, header_only_and_bom_only_ledgers_are_empty_ledgers) {
  temp_dir dir;
  auto path = dir.path() / "orders.csv";
  const std::string bom = "\xEF\xBB\xBF";
  const std::string bare = header.substr(0, header.size() - 2);
  for (const std::string& text : {bare, bom, bom + bare, bom + header, header}) {
    read_back r = read_file_holding(path, text);
    EXPECT_TRUE(r.rows.empty());
    EXPECT_FALSE(r.read.torn) << text;
    EXPECT_EQ(r.read.header, text != bom) << text;
    EXPECT_EQ(r.read.whole, text.size()) << text;
    EXPECT_EQ(r.log, "") << text;
  }
  // A header cut by a crash holds no rows either, and is said to be torn.
  read_back cut = read_file_holding(path, bom + "time,run_id,jo");
  EXPECT_TRUE(cut.read.torn);
  EXPECT_FALSE(cut.read.header);
  EXPECT_EQ(cut.read.whole, bom.size());
}

TEST(ledger_reader_test, an_open_quote_where_no_cell_is_ever_quoted_is_an_error_not_a_tear) {
  EXPECT_EQ(error_of(header + "\"2026-11-26T10:00"),
            "orders.csv:2:1: unterminated quoted cell (no closing quote)");
  EXPECT_EQ(error_of(header + "t,r,j,x,x-001,11,sen"), "orders.csv:2: row has 7 cells, expected 17");
}

TEST(ledger_reader_test, a_device_a_fifo_or_a_folder_is_refused_before_reading) {
  temp_dir dir;
  ASSERT_EQ(::mkfifo((dir.path() / "fifo.csv").c_str(), 0600), 0);
  std::filesystem::create_directories(dir.path() / "folder.csv");
  for (const auto& path :
       {std::filesystem::path("/dev/zero"), dir.path() / "fifo.csv", dir.path() / "folder.csv"}) {
    try {
      read_ledger(path);
      ADD_FAILURE() << "read " << path;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).find(path.string() + ": not a regular file"), 0u) << e.what();
    }
  }
}

TEST(ledger_reader_test, a_record_longer_than_the_cap_is_an_error) {
  temp_dir dir;
  auto path = dir.path() / "orders.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << header << format_row(make_row("x", "x-001", 10, chunk_status::ordered))
        << std::string(max_ledger_record + 10, 'x') << "\r\n";
  }
  try {
    read_ledger(path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ":3: a record longer than 1048576 bytes: not a ledger");
  }
}

TEST(ledger_reader_test, unsettled_keeps_all_cells_of_open_rows_and_the_state_and_order_of_ordered_ones) {
  std::string text = header;
  for (chunk_status s : {chunk_status::ordered, chunk_status::failed, chunk_status::unknown}) {
    ledger_row r = make_row("x", "x-001", 10, s);
    r.request = R"({"server_name":"x-001","count":10})";
    r.order_id = "CS1";
    text += format_row(r);
  }
  std::vector<ledger_row> rows;
  ledger_read_options options;
  options.cells = ledger_cells::unsettled;
  parse_ledger(
      text, "orders.csv", [&](ledger_row&& r) { rows.push_back(std::move(r)); }, options);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].request, "");
  EXPECT_EQ(rows[0].order_id, "CS1");
  EXPECT_EQ(rows[0].job, "");
  EXPECT_EQ(rows[0].count, 10);
  for (std::size_t i : {1u, 2u}) {
    EXPECT_EQ(rows[i].request, R"({"server_name":"x-001","count":10})");
    EXPECT_EQ(rows[i].job, "demo");
  }
}

TEST(ledger_reader_test, each_row_is_told_where_its_record_is_in_the_file) {
  temp_dir dir;
  auto path = dir.path() / "orders.csv";
  std::string text = "\xEF\xBB\xBF" + big_ledger_text(3000);  // pieces cut next to multi-line records
  std::string last = format_row(make_row("x", "x-001", 1, chunk_status::ordered));
  text += "\r\n" + last.substr(0, last.size() - 2);  // a blank line, then a row without its line break
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> records;
  std::vector<ledger_row> rows;
  ledger_read_options options;
  options.on_record = [&](std::uint64_t offset, std::uint64_t size) { records.emplace_back(offset, size); };
  read_ledger(
      path, [&](ledger_row&& r) { rows.push_back(std::move(r)); }, options);
  ASSERT_EQ(rows.size(), 6001u);
  ASSERT_EQ(records.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string record = text.substr(records[i].first, records[i].second);
    auto again = parse_ledger(header + record, "orders.csv");
    ASSERT_EQ(again.size(), 1u) << i;
    EXPECT_EQ(format_row(again[0]), format_row(rows[i])) << i;
    if (HasFailure()) break;
  }
}

TEST(ledger_reader_test, a_second_pass_reads_no_further_than_its_limit) {
  std::string one = header + format_row(make_row("x", "x-001", 10, chunk_status::sending));
  std::string two = one + format_row(make_row("x", "x-001", 10, chunk_status::ordered));
  std::vector<ledger_row> rows;
  ledger_read_options options;
  options.limit = one.size();
  ledger_read read = parse_ledger(
      two, "orders.csv", [&](ledger_row&& r) { rows.push_back(std::move(r)); }, options);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, chunk_status::sending);
  EXPECT_EQ(read.size, one.size());
}

}  // namespace
}  // namespace cphfleet

#include "ledger/row.hpp"
#include "support/ledger_rows.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cphfleet {
namespace {

const std::string& header = test::ledger_header_text;

using test::make_row;

TEST(ledger_row_test, header_is_the_contract_columns_in_order) { EXPECT_EQ(ledger_header(), header); }

TEST(ledger_row_test, status_names_round_trip_and_unknown_names_are_refused) {
  for (auto s : {chunk_status::sending, chunk_status::ordered, chunk_status::retrying, chunk_status::failed,
                 chunk_status::unknown}) {
    EXPECT_EQ(parse_chunk_status(to_string(s)), s);
  }
  EXPECT_FALSE(parse_chunk_status("Ordered"));
  EXPECT_FALSE(parse_chunk_status(""));
  EXPECT_TRUE(is_unresolved(chunk_status::sending));
  EXPECT_TRUE(is_unresolved(chunk_status::unknown));
  EXPECT_FALSE(is_unresolved(chunk_status::failed));
}

TEST(ledger_row_test, a_row_is_written_with_empty_http_status_for_zero_and_ids_joined_by_semicolon) {
  ledger_row r = make_row("game-eu", "game-eu-001", 3, chunk_status::ordered);
  r.server_ids = {"s1", "s2", "s3"};
  r.order_id = "CS123";
  r.request = R"({"server_name":"game-eu-001","count":3})";
  EXPECT_EQ(format_row(r),
            "2026-11-26T10:00:00.000Z,r1,demo,game-eu,game-eu-001,3,ordered,1,,,,,CS123,,s1;s2;s3,,"
            "\"{\"\"server_name\"\":\"\"game-eu-001\"\",\"\"count\"\":3}\"\r\n");
}

}  // namespace
}  // namespace cphfleet

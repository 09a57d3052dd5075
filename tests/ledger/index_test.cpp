#include "ledger/index.hpp"
#include "support/ledger_rows.hpp"
#include "support/test_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace cphfleet {
namespace {

using test::make_row;

TEST(ledger_index_test, index_keeps_the_latest_row_per_chunk_and_totals_per_fleet) {
  ledger_index index({
      make_row("x", "x-001", 10, chunk_status::sending, "t1"),
      make_row("x", "x-001", 10, chunk_status::ordered, "t2"),
      make_row("x", "x-002", 10, chunk_status::sending, "t3"),
      make_row("y", "y-001", 5, chunk_status::failed, "t4"),
      make_row("x", "x-002", 10, chunk_status::unknown, "t5"),
      make_row("x", "x-003", 7, chunk_status::retrying, "t6"),
      make_row("x", "x-004", 3, chunk_status::failed, "t7"),
      make_row("x", "x-005", 2, chunk_status::ordered, "t8"),
      make_row("y", "y-001", 5, chunk_status::ordered, "t9"),
  });
  ASSERT_NE(index.latest("x-001"), nullptr);
  EXPECT_EQ(index.latest("x-001")->status, chunk_status::ordered);
  EXPECT_EQ(index.latest("x-002")->status, chunk_status::unknown);
  EXPECT_EQ(index.latest("x-009"), nullptr);
  EXPECT_EQ(index.rows().size(), 9u);

  fleet_totals x = index.totals("x");
  EXPECT_EQ(x.ordered_servers, 12);
  EXPECT_EQ(x.ordered_chunks, 2);
  EXPECT_EQ(x.failed_chunks, 1);
  EXPECT_EQ(x.retrying_chunks, 1);
  EXPECT_EQ(x.unresolved_chunks, 1);
  EXPECT_EQ(x.last_activity, "t8");
  fleet_totals y = index.totals("y");
  EXPECT_EQ(y.ordered_servers, 5);
  EXPECT_EQ(y.failed_chunks, 0);
  EXPECT_EQ(y.last_activity, "t9");
  fleet_totals none = index.totals("z");
  EXPECT_EQ(none.ordered_servers, 0);
  EXPECT_EQ(none.last_activity, "");
  EXPECT_EQ(index.fleets(), (std::vector<std::string>{"x", "y"}));

  index.add(make_row("y", "y-001", 5, chunk_status::unknown, "t10"));
  EXPECT_EQ(index.totals("y").ordered_servers, 0);
  EXPECT_EQ(index.totals("y").unresolved_chunks, 1);
}

TEST(ledger_index_test, a_latest_only_index_answers_as_the_full_one_holding_one_row_per_chunk) {
  std::vector<ledger_row> rows{
      make_row("x", "x-001", 10, chunk_status::sending, "t1"),
      make_row("x", "x-001", 10, chunk_status::ordered, "t2"),
      make_row("x", "x-002", 10, chunk_status::sending, "t3"),
      make_row("y", "y-001", 5, chunk_status::failed, "t4"),
      make_row("x", "x-002", 10, chunk_status::unknown, "t5"),
      make_row("x", "x-003", 7, chunk_status::retrying, "t6"),
  };
  ledger_index full(rows);
  ledger_index latest(rows, ledger_history::latest_only);
  EXPECT_EQ(full.rows().size(), 6u);
  ASSERT_EQ(latest.rows().size(), 4u);
  // In the order the chunks first appeared.
  EXPECT_EQ(latest.rows()[0].time, "t2");
  EXPECT_EQ(latest.rows()[1].time, "t5");
  EXPECT_EQ(latest.rows()[2].time, "t4");
  EXPECT_EQ(latest.rows()[3].time, "t6");
  // The first chunk gets the newest row: the fleet's last activity follows the adds, not the positions.
  for (ledger_index* index : {&full, &latest}) {
    index->add(make_row("x", "x-001", 10, chunk_status::failed, "t7"));
    EXPECT_EQ(index->latest("x-001")->status, chunk_status::failed);
    EXPECT_EQ(index->latest("x-002")->status, chunk_status::unknown);
    fleet_totals x = index->totals("x");
    EXPECT_EQ(x.ordered_servers, 0);
    EXPECT_EQ(x.failed_chunks, 1);
    EXPECT_EQ(x.retrying_chunks, 1);
    EXPECT_EQ(x.unresolved_chunks, 1);
    EXPECT_EQ(x.last_activity, "t7");
    EXPECT_EQ(index->totals("y").last_activity, "t4");
    EXPECT_EQ(index->fleets(), (std::vector<std::string>{"x", "y"}));
    std::vector<std::string> order;
    for (const ledger_row* r : index->chunks_of("x")) order.push_back(r->chunk);
    EXPECT_EQ(order, (std::vector<std::string>{"x-001", "x-002", "x-003"}));
  }
  EXPECT_EQ(latest.rows().size(), 4u);
}

TEST(ledger_index_test, a_latest_only_index_refuses_a_chunk_of_another_fleet_and_keeps_its_row) {
  ledger_index index({}, ledger_history::latest_only);
  index.add(make_row("a", "a-001", 1, chunk_status::failed, "t1"));
  try {
    index.add(make_row("b", "a-001", 1, chunk_status::ordered, "t2"));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "ledger: chunk 'a-001' is recorded for fleet 'a' and for fleet 'b'");
  }
  ASSERT_EQ(index.rows().size(), 1u);
  EXPECT_EQ(index.latest("a-001")->status, chunk_status::failed);
  EXPECT_EQ(index.totals("a").last_activity, "t1");
  EXPECT_TRUE(index.chunks_of("b").empty());
}

TEST(ledger_index_test, chunks_of_a_fleet_come_in_numeric_chunk_order) {
  ledger_index index;
  for (const char* c : {"x-1000", "x-010", "x-999", "x-002", "x-001", "x-10000"}) {
    index.add(make_row("x", c, 1, chunk_status::ordered));
  }
  index.add(make_row("xy", "xy-001", 1, chunk_status::ordered));
  std::vector<std::string> order;
  for (const ledger_row* r : index.chunks_of("x")) order.push_back(r->chunk);
  EXPECT_EQ(order, (std::vector<std::string>{"x-001", "x-002", "x-010", "x-999", "x-1000", "x-10000"}));
  EXPECT_TRUE(index.chunks_of("nope").empty());
}

TEST(ledger_index_test, a_chunk_recorded_for_two_fleets_is_refused) {
  ledger_index index;
  index.add(make_row("a", "a-001", 1, chunk_status::failed));
  try {
    index.add(make_row("b", "a-001", 1, chunk_status::ordered));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "ledger: chunk 'a-001' is recorded for fleet 'a' and for fleet 'b'");
  }
}

// 2026-11-26T10:00:00Z in Unix milliseconds.
constexpr std::int64_t ten_o_clock_ms = 1795687200000;

TEST(ledger_index_test, an_unresolved_chunk_keeps_the_time_of_its_latest_sending_row) {
  for (ledger_history history : {ledger_history::every_row, ledger_history::latest_only}) {
    ledger_index index({}, history);
    index.add(make_row("x", "x-001", 10, chunk_status::sending, "2026-11-26T09:00:00.000Z"));
    index.add(make_row("x", "x-001", 10, chunk_status::retrying, "2026-11-26T09:00:01.000Z"));
    EXPECT_EQ(index.sending_time_ms("x-001"), std::nullopt);  // settled for now: nothing kept
    index.add(make_row("x", "x-001", 10, chunk_status::sending, "2026-11-26T10:00:00.000Z"));
    EXPECT_EQ(index.sending_time_ms("x-001"), ten_o_clock_ms);
    // Settled as unknown hours later, and again by a later run: the send is still what counts.
    index.add(make_row("x", "x-001", 10, chunk_status::unknown, "2026-11-26T10:00:30.000Z"));
    index.add(make_row("x", "x-001", 10, chunk_status::unknown, "2026-11-26T16:00:00.000Z"));
    EXPECT_EQ(index.sending_time_ms("x-001"), ten_o_clock_ms);
    EXPECT_EQ(index.unresolved(), (std::vector<std::string>{"x-001"}));
    index.add(make_row("x", "x-001", 10, chunk_status::ordered, "2026-11-26T16:05:00.000Z"));
    EXPECT_EQ(index.sending_time_ms("x-001"), std::nullopt);
    EXPECT_TRUE(index.unresolved().empty());
  }
}

TEST(ledger_index_test, an_unknown_chunk_without_a_sending_row_has_no_sending_time) {
  ledger_index index({make_row("x", "x-001", 10, chunk_status::unknown, "2026-11-26T10:00:00.000Z"),
                      make_row("x", "x-002", 10, chunk_status::sending, "not a time")});
  EXPECT_EQ(index.sending_time_ms("x-001"), std::nullopt);
  EXPECT_EQ(index.sending_time_ms("x-002"), std::nullopt);
  auto open = index.unresolved();
  std::sort(open.begin(), open.end());
  EXPECT_EQ(open, (std::vector<std::string>{"x-001", "x-002"}));
}

TEST(ledger_index_test, the_sending_time_survives_a_ledger_read_with_unsettled_cells) {
  test::temp_dir dir("index");
  auto path = dir.path() / "orders.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << test::ledger_header_text
        << format_row(make_row("x", "x-001", 10, chunk_status::sending, "2026-11-26T10:00:00.000Z"))
        << format_row(make_row("x", "x-001", 10, chunk_status::unknown, "2026-11-26T15:00:00.000Z"));
  }
  ledger_index index = read_ledger_index(path, ledger_cells::unsettled);
  EXPECT_EQ(index.sending_time_ms("x-001"), ten_o_clock_ms);
}

TEST(ledger_index_test, the_chunk_holding_an_order_is_found_by_its_order_id) {
  for (ledger_history history : {ledger_history::every_row, ledger_history::latest_only}) {
    ledger_index index({}, history);
    ledger_row a = make_row("x", "x-001", 10, chunk_status::ordered);
    a.order_id = "CS2611261000ABCDE";
    index.add(a);
    ledger_row b = make_row("x", "x-002", 10, chunk_status::unknown);
    index.add(b);
    EXPECT_EQ(index.chunk_of_order("CS2611261000ABCDE"), "x-001");
    EXPECT_EQ(index.chunk_of_order("CS2611261000ZZZZZ"), "");
    EXPECT_EQ(index.chunk_of_order(""), "");
    b.status = chunk_status::ordered;
    b.order_id = "CS2611261000FGHIJ";
    index.add(b);
    EXPECT_EQ(index.chunk_of_order("CS2611261000FGHIJ"), "x-002");
    EXPECT_EQ(index.chunk_of_order("CS2611261000ABCDE"), "x-001");
  }
}

TEST(ledger_index_test, a_latest_only_index_forgets_an_order_its_chunk_no_longer_records) {
  ledger_index index({}, ledger_history::latest_only);
  ledger_row a = make_row("x", "x-001", 10, chunk_status::ordered);
  a.order_id = "CS1";
  index.add(a);
  a.order_id = "CS2";  // adopted another order
  index.add(a);
  EXPECT_EQ(index.chunk_of_order("CS1"), "");
  EXPECT_EQ(index.chunk_of_order("CS2"), "x-001");
}

TEST(ledger_index_test, the_order_ids_of_ordered_rows_survive_a_ledger_read_with_unsettled_cells) {
  test::temp_dir dir("index");
  auto path = dir.path() / "orders.csv";
  ledger_row a = make_row("x", "x-001", 10, chunk_status::ordered);
  a.order_id = "CS2611261000ABCDE";
  {
    std::ofstream out(path, std::ios::binary);
    out << test::ledger_header_text << format_row(a);
  }
  ledger_index index = read_ledger_index(path, ledger_cells::unsettled);
  EXPECT_EQ(index.chunk_of_order("CS2611261000ABCDE"), "x-001");
}

}  // namespace
}  // namespace cphfleet

#include "app/audit.hpp"

#include "base/time_text.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

ledger_row row(std::string chunk, chunk_status status, std::string order, std::int64_t count,
               std::string time = "2026-01-01T00:00:00.000Z") {
  ledger_row r;
  r.time = std::move(time);
  r.fleet = "eu";
  r.chunk = std::move(chunk);
  r.status = status;
  r.order_id = std::move(order);
  r.count = count;
  return r;
}

server_info server(std::string name, std::string order) {
  server_info s;
  s.server_name = name;
  s.server_id = "id-" + name + "-" + order;
  s.order_id = std::move(order);
  return s;
}

const auto later = std::chrono::system_clock::from_time_t(1900000000);

TEST(audit_test, chunk_of_server_reads_only_the_fleets_own_names) {
  EXPECT_EQ(chunk_of_server("eu", "eu-003-0001"), "eu-003");
  EXPECT_EQ(chunk_of_server("eu", "eu-1000-0010"), "eu-1000");
  EXPECT_EQ(chunk_of_server("eu", "eu-003"), "eu-003");
  EXPECT_EQ(chunk_of_server("eu", "eu-west-001-0001"), std::nullopt);
  EXPECT_EQ(chunk_of_server("eu", "xeu-001-0001"), std::nullopt);
  EXPECT_EQ(chunk_of_server("eu", "eu-001-a"), std::nullopt);
  EXPECT_EQ(chunk_of_server("eu", "eu-"), std::nullopt);
}

TEST(audit_test, ledger_and_account_that_match_agree) {
  ledger_index idx(
      {row("eu-001", chunk_status::sending, "", 2), row("eu-001", chunk_status::ordered, "CS1", 2)});
  auto a = audit_fleet("eu", idx, {server("eu-001-0001", "CS1"), server("eu-001-0002", "CS1")}, later,
                       std::chrono::seconds(180));
  EXPECT_TRUE(a.agrees());
  EXPECT_EQ(a.ledger_servers, 2);
  EXPECT_EQ(a.account_servers, 2);
}

TEST(audit_test, a_server_of_a_chunk_the_ledger_does_not_hold_as_ordered_is_an_orphan) {
  ledger_index idx({row("eu-001", chunk_status::failed, "", 1)});
  auto a = audit_fleet("eu", idx, {server("eu-001-0001", "CS7"), server("eu-002-0001", "CS8")}, later,
                       std::chrono::seconds(180));
  ASSERT_EQ(a.orphans.size(), 2u);
  EXPECT_EQ(a.orphans[0].chunk, "eu-001");
  EXPECT_EQ(a.orphans[0].why, "the ledger holds this chunk as failed");
  EXPECT_EQ(a.orphans[1].chunk, "eu-002");
  EXPECT_EQ(a.orphans[1].why, "the ledger has no row for this chunk");
  EXPECT_FALSE(a.agrees());
}

TEST(audit_test, a_second_order_under_an_ordered_chunk_is_a_duplicate_orphan) {
  ledger_index idx({row("eu-001", chunk_status::ordered, "CS1", 1)});
  auto a = audit_fleet("eu", idx, {server("eu-001-0001", "CS1"), server("eu-001-0001", "CS2")}, later,
                       std::chrono::seconds(180));
  ASSERT_EQ(a.orphans.size(), 1u);
  EXPECT_EQ(a.orphans[0].order_id, "CS2");
  EXPECT_EQ(a.orphans[0].why, "a duplicate: the ledger holds order CS1 for this chunk");
}

TEST(audit_test, an_ordered_chunk_without_servers_is_a_phantom_once_settled) {
  ledger_index idx({row("eu-001", chunk_status::ordered, "CS1", 3)});
  auto a = audit_fleet("eu", idx, {}, later, std::chrono::seconds(180));
  ASSERT_EQ(a.phantoms.size(), 1u);
  EXPECT_EQ(a.phantoms[0].chunk, "eu-001");
  EXPECT_EQ(a.phantoms[0].count, 3);

  auto ordered_at = *parse_utc_rfc3339("2026-01-01T00:00:00.000Z");
  auto b = audit_fleet("eu", idx, {}, ordered_at + std::chrono::seconds(10), std::chrono::seconds(180));
  EXPECT_TRUE(b.phantoms.empty());
  EXPECT_EQ(b.pending, (std::vector<std::string>{"eu-001"}));
}

}  // namespace
}  // namespace cphfleet

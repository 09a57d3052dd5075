#include "app/account_check.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

ledger_row row(std::string chunk, chunk_status status, std::string order_id = "") {
  ledger_row r;
  r.fleet = "eu";
  r.chunk = std::move(chunk);
  r.count = 2;
  r.status = status;
  r.order_id = std::move(order_id);
  return r;
}

server_info server(std::string name, std::string id, std::string order_id) {
  server_info s;
  s.server_name = std::move(name);
  s.server_id = std::move(id);
  s.order_id = std::move(order_id);
  return s;
}

TEST(account_check_test, servers_of_chunks_the_ledger_holds_or_is_settling_are_its_own) {
  ledger_index index({row("eu-001", chunk_status::ordered, "o1"), row("eu-002", chunk_status::unknown),
                      row("eu-003", chunk_status::sending)},
                     ledger_history::latest_only);
  auto found = unrecorded_servers(
      "eu", index,
      {server("eu-001-0001", "s1", "o1"), server("eu-002-0001", "s2", "o2"), server("eu-003-1", "s3", "o3")});
  EXPECT_TRUE(found.empty());
}

TEST(account_check_test, servers_of_chunks_the_ledger_lacks_or_gave_up_are_unrecorded) {
  ledger_index index({row("eu-001", chunk_status::failed), row("eu-002", chunk_status::retrying)},
                     ledger_history::latest_only);
  auto found =
      unrecorded_servers("eu", index,
                         {server("eu-001-0002", "s2", "o1"), server("eu-001-0001", "s1", "o1"),
                          server("eu-002-0001", "s3", "o2"), server("eu-007-0001", "s4", "o3"),
                          server("eu-007-0002", "s5", "o4"),
                          // Another fleet's names that the substring list also returns.
                          server("eu-west-001-0001", "x1", "o9"), server("xeu-001-0001", "x2", "o9")});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].chunk, "eu-001");
  EXPECT_EQ(found[0].server_ids, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(found[0].order_ids, (std::vector<std::string>{"o1"}));
  EXPECT_EQ(found[0].why, "the ledger holds this chunk as failed");
  EXPECT_EQ(found[1].chunk, "eu-002");
  EXPECT_EQ(found[1].why, "the ledger holds this chunk as retrying");
  EXPECT_EQ(found[2].chunk, "eu-007");
  EXPECT_EQ(found[2].order_ids, (std::vector<std::string>{"o3", "o4"}));  // bought twice
  EXPECT_EQ(found[2].why, "the ledger has no row for this chunk");
}

}  // namespace
}  // namespace cphfleet

#include "send/reconcile.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

server_info server(std::string name, std::string id, std::string order,
                   std::string created = "2026-01-01T00:00:00Z") {
  server_info s;
  s.server_name = std::move(name);
  s.server_id = std::move(id);
  s.order_id = std::move(order);
  s.product_id = "p-" + s.order_id;
  s.create_time = std::move(created);
  return s;
}

TEST(reconcile_test, servers_of_the_chunk_mean_ordered_with_their_order_id) {
  auto d = decide("eu-003", true, {server("eu-003-0002", "b", "CS1"), server("eu-003-0001", "a", "CS1")});
  EXPECT_EQ(d.status, chunk_status::ordered);
  EXPECT_EQ(d.order_id, "CS1");
  EXPECT_EQ(d.product_id, "p-CS1");
  EXPECT_EQ(d.server_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(d.extra_orders.empty());
}

TEST(reconcile_test, names_that_only_contain_the_chunk_do_not_count) {
  // The list filter is a substring match: eu-0031 and xeu-003 are other chunks' servers.
  auto d = decide("eu-003", true,
                  {server("eu-0031-0001", "a", "CS1"), server("xeu-003-0001", "b", "CS2"),
                   server("eu-003-x", "c", "CS3")});
  EXPECT_EQ(d.status, chunk_status::retrying);
}

TEST(reconcile_test, nothing_found_with_auto_pay_means_nothing_was_bought) {
  auto d = decide("eu-003", true, {});
  EXPECT_EQ(d.status, chunk_status::retrying);
  EXPECT_TRUE(d.order_id.empty());
}

TEST(reconcile_test, nothing_found_without_auto_pay_stays_unknown) {
  // An unpaid order creates no servers: the list cannot tell.
  auto d = decide("eu-003", false, {});
  EXPECT_EQ(d.status, chunk_status::unknown);
}

TEST(reconcile_test, two_orders_under_one_name_take_the_oldest_and_name_the_other) {
  auto d = decide("eu-003", true,
                  {server("eu-003-0001", "new", "CS9", "2026-01-02T00:00:00Z"),
                   server("eu-003-0001", "old", "CS1", "2026-01-01T00:00:00Z")});
  EXPECT_EQ(d.status, chunk_status::ordered);
  EXPECT_EQ(d.order_id, "CS1");
  EXPECT_EQ(d.extra_orders, (std::vector<std::string>{"CS9"}));
}

TEST(reconcile_test, a_single_server_named_exactly_as_the_chunk_counts) {
  auto d = decide("eu-003", true, {server("eu-003", "a", "CS1")});
  EXPECT_EQ(d.status, chunk_status::ordered);
}

}  // namespace
}  // namespace cphfleet

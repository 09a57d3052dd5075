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

// ---- the billing witness

// 2026-11-26T10:00:00Z
constexpr std::int64_t sent_ms = 1795687200000;

chunk_ask ask(std::string chunk, std::int64_t count = 10, bool auto_pay = true,
              std::optional<std::int64_t> sending_ms = sent_ms) {
  chunk_ask a;
  a.chunk = std::move(chunk);
  a.count = count;
  a.period_type = 2;
  a.period_num = 1;
  a.auto_pay = auto_pay;
  a.sending_ms = sending_ms;
  return a;
}

order_evidence order(std::string id, std::int64_t count, int status = order_status::completed,
                     std::string created = "2026-11-26T10:00:02Z", std::int64_t period_num = 1) {
  order_evidence e;
  e.order.order_id = std::move(id);
  e.order.service_type_code = std::string(cph_service_type);
  e.order.status = status;
  e.order.create_time = std::move(created);
  bss_order_detail d;
  d.order = e.order;
  bss_order_line line;
  line.subscription_num = count;
  line.period_type = 2;
  line.period_num = period_num;
  d.lines.push_back(line);
  e.detail = d;
  return e;
}

TEST(reconcile_test, the_window_starts_fifteen_minutes_before_the_send_or_nowhere) {
  EXPECT_EQ(clock_skew_margin, std::chrono::minutes(15));
  EXPECT_EQ(window_start_s(sent_ms), sent_ms / 1000 - 900);
  EXPECT_EQ(window_start_s(sent_ms + 999), sent_ms / 1000 - 900);  // floored: the service has no fraction
  EXPECT_EQ(window_start_s(std::nullopt), std::nullopt);
}

TEST(reconcile_test, an_ask_is_read_from_the_recorded_body) {
  const std::string body =
      R"({"server_name":"eu-003","server_model_name":"physical.rx1.xlarge","phone_model_name":)"
      R"("aphs1.medium.4.aosp","image_id":"88b8449b896f3a4f0ad57222dd919899","count":7,)"
      R"("band_width":{"band_width_share_type":0},"extend_param":{"charging_mode":0,"period_type":3,"period_num":2,"is_auto_pay":0}})";
  auto a = ask_of("eu-003", body, sent_ms);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->count, 7);
  EXPECT_EQ(a->period_type, 3);
  EXPECT_EQ(a->period_num, 2);
  EXPECT_FALSE(a->auto_pay);
  EXPECT_EQ(a->sending_ms, sent_ms);
  EXPECT_FALSE(ask_of("eu-003", "not json", sent_ms));
}

TEST(reconcile_test, an_order_fits_by_count_period_service_window_and_state) {
  EXPECT_EQ(fit(ask("eu-003"), order("CS1", 10)), order_fit::matches);
  EXPECT_EQ(fit(ask("eu-003"), order("CS1", 9)), order_fit::ruled_out);
  EXPECT_EQ(fit(ask("eu-003"), order("CS1", 10, order_status::completed, "2026-11-26T10:00:02Z", 2)),
            order_fit::ruled_out);
  EXPECT_EQ(fit(ask("eu-003"), order("CS1", 10, order_status::cancelled)), order_fit::ruled_out);
  EXPECT_EQ(fit(ask("eu-003"), order("CS1", 10, order_status::pending_payment)), order_fit::matches);
  // The margin: an order stamped 14 minutes before the send is in the window, 16 minutes is not.
  EXPECT_EQ(fit(ask("eu-003"), order("CS1", 10, 5, "2026-11-26T09:46:00Z")), order_fit::matches);
  EXPECT_EQ(fit(ask("eu-003"), order("CS1", 10, 5, "2026-11-26T09:44:00Z")), order_fit::ruled_out);
  EXPECT_EQ(fit(ask("eu-003", 10, true, std::nullopt), order("CS1", 10, 5, "2020-01-01T00:00:00Z")),
            order_fit::matches);
  order_evidence other = order("CS1", 10);
  other.order.service_type_code = "hws.service.type.ebs";
  EXPECT_EQ(fit(ask("eu-003"), other), order_fit::ruled_out);
  order_evidence unread = order("CS1", 10);
  unread.detail.reset();
  EXPECT_EQ(fit(ask("eu-003"), unread), order_fit::undetermined);
}

TEST(reconcile_test, servers_under_the_name_settle_the_chunk_whatever_billing_shows) {
  auto d = decide_with_billing(ask("eu-003"), {server("eu-003-0001", "a", "CS7")},
                               {order("CS1", 10), order("CS2", 10)}, {});
  EXPECT_EQ(d.status, chunk_status::ordered);
  EXPECT_EQ(d.order_id, "CS7");
  EXPECT_TRUE(d.candidate_orders.empty());
}

TEST(reconcile_test, no_order_and_no_server_means_nothing_was_bought_paid_or_not) {
  for (bool auto_pay : {true, false}) {
    auto d = decide_with_billing(ask("eu-003", 10, auto_pay), {}, {}, {});
    EXPECT_EQ(d.status, chunk_status::retrying);
    EXPECT_EQ(d.reason,
              "billing shows no order that could be the chunk's and no server carries its name: nothing was "
              "bought");
  }
  // Orders of another size, or cancelled, cannot be the chunk's.
  auto d = decide_with_billing(ask("eu-003"), {},
                               {order("CS1", 5), order("CS2", 10, order_status::cancelled)}, {});
  EXPECT_EQ(d.status, chunk_status::retrying);
}

TEST(reconcile_test, the_one_matching_order_no_other_chunk_could_claim_settles_the_chunk) {
  auto d = decide_with_billing(ask("eu-003"), {}, {order("CS1", 10), order("CS2", 5)},
                               {ask("eu-004", 5), ask("eu-005", 10, true, sent_ms + 3600 * 1000)});
  EXPECT_EQ(d.status, chunk_status::ordered);
  EXPECT_EQ(d.order_id, "CS1");
  EXPECT_TRUE(d.server_ids.empty());
  EXPECT_EQ(d.reason,
            "billing: order CS1 (status 5) is the only order since the send that fits the chunk's count and "
            "period, and no other unresolved chunk fits it; no server shows yet");
}

TEST(reconcile_test, an_unpaid_chunk_settles_from_its_pending_payment_order) {
  auto d = decide_with_billing(ask("eu-003", 10, false), {},
                               {order("CS1", 10, order_status::pending_payment)}, {});
  EXPECT_EQ(d.status, chunk_status::ordered);
  EXPECT_EQ(d.order_id, "CS1");
}

TEST(reconcile_test, an_order_two_open_chunks_could_claim_leaves_the_chunk_unknown) {
  auto d = decide_with_billing(ask("eu-003"), {}, {order("CS1", 10)}, {ask("eu-004")});
  EXPECT_EQ(d.status, chunk_status::unknown);
  EXPECT_EQ(d.candidate_orders, (std::vector<std::string>{"CS1"}));
  EXPECT_EQ(d.reason,
            "billing: order CS1 fits the chunk, but also unresolved chunk(s) eu-004: settle it with "
            "`cphfleet reconcile --adopt-order eu-003=ORDER_ID`");
}

TEST(reconcile_test, two_orders_that_could_be_the_chunks_leave_it_unknown_naming_both) {
  auto d = decide_with_billing(ask("eu-003"), {}, {order("CS2", 10), order("CS1", 10)}, {});
  EXPECT_EQ(d.status, chunk_status::unknown);
  EXPECT_EQ(d.candidate_orders, (std::vector<std::string>{"CS1", "CS2"}));
  EXPECT_EQ(d.reason,
            "billing: orders that could be the chunk's: CS1, CS2 (2 fitting its count and period, the others "
            "unread): settle it with `cphfleet reconcile --adopt-order eu-003=ORDER_ID`");
  // An order whose details could not be read could be the chunk's as well.
  order_evidence unread = order("CS2", 10);
  unread.detail.reset();
  auto u = decide_with_billing(ask("eu-003"), {}, {order("CS1", 10), unread}, {});
  EXPECT_EQ(u.status, chunk_status::unknown);
  EXPECT_EQ(u.candidate_orders, (std::vector<std::string>{"CS1", "CS2"}));
  auto only_unread = decide_with_billing(ask("eu-003"), {}, {unread}, {});
  EXPECT_EQ(only_unread.status, chunk_status::unknown);  // never a re-send on an order it cannot read
}

}  // namespace
}  // namespace cphfleet

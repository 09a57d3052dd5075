#include "emulator/state.hpp"

#include "emulator/emulator_fixture.hpp"

#include "base/time_text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <regex>
#include <set>

namespace cphfleet {
namespace {

constexpr std::int64_t t0 = 1'795'000'000'000;  // 2026-11-18T...Z, a fixed clock in ms

purchase_request request(std::string name, std::int64_t count = 3, std::int64_t auto_pay = 1) {
  return test::purchase_of(std::move(name), count, auto_pay);
}

emulator_state make_state(std::int64_t settle_ms = 0, std::int64_t boot_ms = 2000) {
  emulator_state_options o;
  o.settle_ms = settle_ms;
  o.boot_ms = boot_ms;
  o.id_seed = 7;
  return emulator_state(o);
}

std::vector<std::string> names(const server_page& p) {
  std::vector<std::string> out;
  for (const auto& s : p.servers) out.push_back(s.server_name);
  return out;
}

TEST(emulator_state_test, an_auto_paid_order_creates_count_servers_named_after_it) {
  auto st = make_state();
  const auto& o = st.commit(request("game-eu-001", 3), t0);
  EXPECT_TRUE(std::regex_match(o.order_id, std::regex("CS[0-9]{10}[A-Z0-9]{5}"))) << o.order_id;
  EXPECT_EQ(o.product_id, product_id_for("physical.rx1.xlarge"));
  ASSERT_EQ(o.server_ids.size(), 3u);
  auto page = st.list_servers("", 0, 100, t0);
  EXPECT_EQ(page.count, 3);
  EXPECT_EQ(names(page),
            (std::vector<std::string>{"game-eu-001-0003", "game-eu-001-0002", "game-eu-001-0001"}));
  for (const auto& s : page.servers) {
    EXPECT_EQ(s.order_id, o.order_id);
    EXPECT_EQ(s.product_id, o.product_id);
    EXPECT_EQ(s.server_model_name, "physical.rx1.xlarge");
    EXPECT_EQ(s.phone_model_name, "aphs1.medium.4.aosp");
    EXPECT_EQ(s.create_time, rfc3339_s(t0));
    EXPECT_EQ(s.server_id.size(), 32u);
  }
}

// offset + limit once overflowed here (undefined behaviour, which UBSan reports): a query may ask for
// any page.
TEST(emulator_state_test, the_largest_offsets_read_an_empty_page) {
  auto st = make_state();
  st.commit(request("far", 3), t0);
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  for (std::int64_t offset : {max, max - 1, max - 99, max - 100}) {
    auto all = st.list_servers("", offset, 100, t0);
    EXPECT_EQ(all.count, 3) << offset;
    EXPECT_TRUE(all.servers.empty()) << offset;
    auto named = st.list_servers("far", offset, 100, t0);
    EXPECT_EQ(named.count, 3) << offset;
    EXPECT_TRUE(named.servers.empty()) << offset;
  }
  EXPECT_EQ(names(st.list_servers("", 2, max, t0)), std::vector<std::string>{"far-0001"});
}

TEST(emulator_state_test, order_id_stamps_the_minute_in_utc) {
  auto st = make_state();
  // 2020-07-27T17:27:45Z, the spec's example order CS2007271727F9XJE.
  const auto& o = st.commit(request("a"), 1'595'870'865'000);
  EXPECT_EQ(o.order_id.substr(0, 12), "CS2007271727");
}

TEST(emulator_state_test, order_ids_are_unique) {
  auto st = make_state();
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.insert(st.commit(request(fmt::format("n{}", i), 1), t0).order_id);
  EXPECT_EQ(ids.size(), 2000u);
}

TEST(emulator_state_test, an_unpaid_order_creates_no_servers_until_paid) {
  auto st = make_state();
  auto order_id = st.commit(request("unpaid", 2, 0), t0).order_id;
  EXPECT_TRUE(st.orders().back().server_ids.empty());
  EXPECT_EQ(st.list_servers("", 0, 100, t0 + 1000).count, 0);

  EXPECT_TRUE(st.pay(order_id, t0 + 5000));
  EXPECT_FALSE(st.pay(order_id, t0 + 5000)) << "paid already";
  EXPECT_FALSE(st.pay("CS0000000000XXXXX", t0));
  auto page = st.list_servers("unpaid", 0, 100, t0 + 5000);
  EXPECT_EQ(names(page), (std::vector<std::string>{"unpaid-0002", "unpaid-0001"}));
  EXPECT_EQ(page.servers[0].create_time, rfc3339_s(t0 + 5000));
}

TEST(emulator_state_test, an_absent_is_auto_pay_leaves_the_order_unpaid) {
  auto st = make_state();
  auto r = request("x");
  r.extend_param.is_auto_pay.reset();
  EXPECT_TRUE(st.commit(r, t0).server_ids.empty());
}

TEST(emulator_state_test, servers_stay_hidden_until_the_settle_window_passes) {
  auto st = make_state(/*settle_ms=*/10'000);
  const auto& o = st.commit(request("s", 2), t0);
  std::string id = o.server_ids[0];
  EXPECT_EQ(st.list_servers("", 0, 100, t0 + 9'999).count, 0);
  EXPECT_EQ(st.list_servers("s", 0, 100, t0 + 9'999).count, 0);
  EXPECT_FALSE(st.find_server(id, t0 + 9'999));
  EXPECT_EQ(st.list_servers("", 0, 100, t0 + 10'000).count, 2);
  EXPECT_EQ(st.list_servers("s", 0, 100, t0 + 10'000).count, 2);
  ASSERT_TRUE(st.find_server(id, t0 + 10'000));
  EXPECT_EQ(st.find_server(id, t0 + 10'000)->server_name, "s-0001");
}

TEST(emulator_state_test, a_server_is_creating_then_running_after_the_boot_time) {
  auto st = make_state(/*settle_ms=*/1000, /*boot_ms=*/2000);
  std::string id = st.commit(request("b", 1), t0).server_ids[0];
  EXPECT_EQ(st.find_server(id, t0 + 1000)->status, 1);
  EXPECT_EQ(st.find_server(id, t0 + 2999)->status, 1);
  EXPECT_EQ(st.find_server(id, t0 + 3000)->status, 5);
}

TEST(emulator_state_test, the_list_is_newest_first_with_offset_limit_and_total_count) {
  auto st = make_state();
  st.commit(request("f-001", 10), t0);
  st.commit(request("f-002", 10), t0 + 1);
  st.commit(request("g-001", 5), t0 + 2);
  auto page = st.list_servers("f-", 8, 4, t0 + 10);
  EXPECT_EQ(page.count, 20);
  EXPECT_EQ(names(page), (std::vector<std::string>{"f-002-0002", "f-002-0001", "f-001-0010", "f-001-0009"}));
  auto all = st.list_servers("", 23, 100, t0 + 10);
  EXPECT_EQ(all.count, 25);
  EXPECT_EQ(names(all), (std::vector<std::string>{"f-001-0002", "f-001-0001"}));
  EXPECT_TRUE(st.list_servers("", 25, 100, t0 + 10).servers.empty());
  EXPECT_EQ(st.list_servers("", 25, 100, t0 + 10).count, 25);
}

TEST(emulator_state_test, the_name_filter_is_a_substring_match) {
  auto st = make_state();
  st.commit(request("web-001", 2), t0);
  st.commit(request("xweb-001", 1), t0);
  st.commit(request("web-0010", 1), t0);
  st.commit(request("db-001", 1), t0);
  auto match = [&](std::string_view f) { return names(st.list_servers(f, 0, 100, t0)); };
  EXPECT_EQ(match("web-001"),
            (std::vector<std::string>{"web-0010-0001", "xweb-001-0001", "web-001-0002", "web-001-0001"}));
  EXPECT_EQ(match("web-001-"), (std::vector<std::string>{"xweb-001-0001", "web-001-0002", "web-001-0001"}));
  // Across the end of the order's name and into the -NNNN part.
  EXPECT_EQ(match("web-001-0002"), (std::vector<std::string>{"web-001-0002"}));
  EXPECT_EQ(match("01-000"),
            (std::vector<std::string>{"db-001-0001", "xweb-001-0001", "web-001-0002", "web-001-0001"}));
  // Digits only, inside the -NNNN part.
  EXPECT_EQ(match("0002"), (std::vector<std::string>{"web-001-0002"}));
  EXPECT_EQ(match("-0002"), (std::vector<std::string>{"web-001-0002"}));
  EXPECT_TRUE(match("nothing").empty());
  EXPECT_TRUE(match("web-001-0003").empty());
  EXPECT_EQ(match("b-0"), (std::vector<std::string>{"db-001-0001", "web-0010-0001", "xweb-001-0001",
                                                    "web-001-0002", "web-001-0001"}));
}

// The index answers exactly what a plain scan answers, for many random names and filters, also when
// orders arrive after the index was built.
TEST(emulator_state_test, the_name_index_agrees_with_a_scan) {
  auto st = make_state();
  std::mt19937 rng(3);
  const std::string alphabet = "ab-01";
  auto random_text = [&](std::size_t min, std::size_t max) {
    std::string s(std::uniform_int_distribution<std::size_t>(min, max)(rng), 'a');
    for (auto& c : s) c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    return s;
  };
  std::vector<std::string> all;
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 60; ++i) {
      auto name = random_text(1, 6);
      auto count = std::uniform_int_distribution<std::int64_t>(1, 10)(rng);
      st.commit(request(name, count), t0);
      for (std::int64_t k = 1; k <= count; ++k) all.push_back(fmt::format("{}-{:04}", name, k));
    }
    for (int q = 0; q < 300; ++q) {
      auto filter = random_text(1, 8);
      std::vector<std::string> expected;
      for (auto it = all.rbegin(); it != all.rend(); ++it)
        if (it->find(filter) != std::string::npos) expected.push_back(*it);
      auto page = st.list_servers(filter, 0, 100000, t0);
      ASSERT_EQ(names(page), expected) << "filter " << filter;
      ASSERT_EQ(page.count, static_cast<std::int64_t>(expected.size()));
    }
  }
}

TEST(emulator_state_test, a_clock_that_steps_back_does_not_reorder_servers) {
  auto st = make_state(/*settle_ms=*/100);
  st.commit(request("late", 1), t0 + 1000);
  st.commit(request("early", 1), t0);  // the wall clock stepped back
  auto page = st.list_servers("", 0, 100, t0 + 1100);
  EXPECT_EQ(names(page), (std::vector<std::string>{"early-0001", "late-0001"}));
}

TEST(emulator_state_test, reset_forgets_every_order_and_server) {
  auto st = make_state();
  auto id = st.commit(request("r", 2), t0).server_ids[0];
  ASSERT_EQ(st.list_servers("r", 0, 100, t0).count, 2);
  st.reset();
  EXPECT_TRUE(st.orders().empty());
  EXPECT_EQ(st.server_count(), 0u);
  EXPECT_EQ(st.list_servers("r", 0, 100, t0).count, 0);
  EXPECT_EQ(st.list_servers("", 0, 100, t0).count, 0);
  EXPECT_FALSE(st.find_server(id, t0));
  st.commit(request("r", 1), t0);
  EXPECT_EQ(names(st.list_servers("r", 0, 100, t0)), (std::vector<std::string>{"r-0001"}));
}

TEST(emulator_state_test, times_are_utc_rfc3339) {
  EXPECT_EQ(rfc3339_ms(1'595'870'865'123), "2020-07-27T17:27:45.123Z");
  EXPECT_EQ(rfc3339_s(1'595'870'865'123), "2020-07-27T17:27:45Z");
}

}  // namespace
}  // namespace cphfleet

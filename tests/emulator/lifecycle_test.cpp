// The emulator's lifecycle (README "The emulator"): --provision, the per-server faults provision_fail
// and phone_fail, repeatable with --seed, and unpaid orders that create nothing until paid. The state's
// tests set the clock by hand; the last ones go over TCP to the admin view and the call counts.
#include "emulator/state.hpp"

#include "emulator/emulator_fixture.hpp"
#include "emulator/faults.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace cphfleet {
namespace {

constexpr std::int64_t t0 = 1'795'000'000'000;
constexpr std::int64_t k_provision = 5000;
constexpr std::int64_t k_phones = 30;  // aphs1.medium.4.aosp on physical.rx1.xlarge

emulator_state make_state(double provision_fail = 0, double phone_fail = 0, std::uint64_t seed = 1) {
  emulator_state_options o;
  o.boot_ms = k_provision;
  o.id_seed = 3;
  o.provision_fail = provision_fail;
  o.phone_fail = phone_fail;
  o.lifecycle_seed = seed;
  return emulator_state(o);
}

std::int64_t count_of(const std::vector<int>& v, int x) { return std::count(v.begin(), v.end(), x); }

// Each server's fate once provisioned: its status and how many phones ended at -8.
std::vector<std::pair<int, std::int64_t>> fates(const emulator_state& st, std::int64_t now) {
  std::vector<std::pair<int, std::int64_t>> out;
  for (const auto& l : st.lifecycle(now))
    out.emplace_back(l.status, count_of(l.phone_statuses, phone_status::creation_failed));
  return out;
}

TEST(emulator_lifecycle_test,
     servers_are_creating_for_the_provisioning_time_then_normal_with_every_phone_running) {
  auto st = make_state();
  st.commit(test::purchase_of("life-001", 4), t0);
  for (const auto& l : st.lifecycle(t0 + k_provision - 1)) {
    EXPECT_EQ(l.status, 1);
    ASSERT_EQ(l.phone_statuses.size(), static_cast<std::size_t>(k_phones));
    EXPECT_EQ(count_of(l.phone_statuses, phone_status::creating), k_phones);
  }
  auto done = st.lifecycle(t0 + k_provision);
  ASSERT_EQ(done.size(), 4u);
  for (const auto& l : done) {
    EXPECT_EQ(l.status, server_status::normal);
    EXPECT_EQ(count_of(l.phone_statuses, phone_status::running), k_phones);
  }
  // The reads say the same.
  auto page = st.list_servers("", 0, 100, t0 + k_provision);
  for (const auto& s : page.servers) EXPECT_EQ(s.status, server_status::normal);
  phone_filter running;
  running.status = phone_status::running;
  EXPECT_EQ(st.list_phones(running, 0, 200, t0 + k_provision).count, 4 * k_phones);
}

TEST(emulator_lifecycle_test, provision_fail_ends_the_server_abnormal_with_its_phones_failed) {
  auto st = make_state(1.0);
  st.commit(test::purchase_of("life-001", 3), t0);
  EXPECT_EQ(st.list_servers("", 0, 100, t0 + 1).servers.front().status, 1);
  for (const auto& [status, failed_phones] : fates(st, t0 + k_provision)) {
    EXPECT_EQ(status, server_status::abnormal);
    EXPECT_EQ(failed_phones, k_phones);
  }
  server_filter abnormal;
  abnormal.status = server_status::abnormal;
  EXPECT_EQ(st.list_servers(abnormal, 0, 100, t0 + k_provision).count, 3);
}

TEST(emulator_lifecycle_test, phone_fail_leaves_exactly_one_phone_of_the_server_at_creation_failed) {
  auto st = make_state(0, 1.0);
  st.commit(test::purchase_of("life-001", 5), t0);
  for (const auto& l : st.lifecycle(t0 + k_provision)) {
    EXPECT_EQ(l.status, server_status::normal);
    EXPECT_EQ(count_of(l.phone_statuses, phone_status::creation_failed), 1) << l.server_name;
    EXPECT_EQ(count_of(l.phone_statuses, phone_status::running), k_phones - 1) << l.server_name;
  }
  // The phone list filters on each phone's own status.
  phone_filter failed;
  failed.status = phone_status::creation_failed;
  auto page = st.list_phones(failed, 0, 200, t0 + k_provision);
  EXPECT_EQ(page.count, 5);
  for (const auto& p : page.phones) EXPECT_EQ(p.status, phone_status::creation_failed);
}

TEST(emulator_lifecycle_test, the_same_seed_gives_the_same_servers_the_same_fates_and_another_seed_others) {
  auto run = [](std::uint64_t seed) {
    auto st = make_state(0.3, 0.3, seed);
    for (int i = 1; i <= 5; ++i) st.commit(test::purchase_of(fmt::format("life-{:03}", i), 10), t0 + i);
    return fates(st, t0 + k_provision + 10);
  };
  auto a = run(11), b = run(11), c = run(12);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto abnormal =
      std::count_if(a.begin(), a.end(), [](auto& f) { return f.first == server_status::abnormal; });
  auto one_failed = std::count_if(a.begin(), a.end(), [](auto& f) { return f.first == 5 && f.second == 1; });
  EXPECT_GT(abnormal, 0);
  EXPECT_GT(one_failed, 0);
  EXPECT_GT(static_cast<std::int64_t>(a.size()) - abnormal - one_failed, 0);  // and some are fine
}

TEST(emulator_lifecycle_test, an_unpaid_order_creates_nothing_until_paid_and_provisions_from_the_payment) {
  auto st = make_state();
  const auto& o = st.commit(test::purchase_of("life-001", 2, 0), t0);
  const std::string id = o.order_id;
  EXPECT_TRUE(st.lifecycle(t0 + 10 * k_provision).empty());
  const std::int64_t paid = t0 + 10 * k_provision;
  ASSERT_TRUE(st.pay(id, paid));
  for (const auto& l : st.lifecycle(paid + k_provision - 1)) EXPECT_EQ(l.status, 1);
  for (const auto& l : st.lifecycle(paid + k_provision)) EXPECT_EQ(l.status, server_status::normal);
}

TEST(emulator_lifecycle_test, lifecycle_kinds_parse_as_faults_and_do_not_count_in_the_purchase_sum) {
  EXPECT_EQ(parse_fault_option("provision_fail:0.5"), std::make_pair(fault_kind::provision_fail, 0.5));
  EXPECT_EQ(parse_fault_option("phone_fail:1"), std::make_pair(fault_kind::phone_fail, 1.0));
  auto p = checked_probabilities({{"throttle", 1.0}, {"provision_fail", 1.0}, {"phone_fail", 1.0}});
  EXPECT_EQ(p.size(), 3u);
  // A purchase never draws a lifecycle kind.
  fault_plan plan({{fault_kind::provision_fail, 1.0}, {fault_kind::phone_fail, 1.0}}, {}, 1);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(plan.next(), fault_kind::none);
}

TEST(emulator_lifecycle_test, the_admin_view_shows_each_server_and_phone_status_and_the_stats_count_calls) {
  emulator_options o;
  o.boot_ms = 0;
  o.faults = {{"phone_fail", 1.0}};
  test::running_emulator emu(o);
  auto c = emu.client();
  ASSERT_EQ(test::buy(c, test::purchase_body("life-001", 2)).status, 200u);
  ASSERT_EQ(c.request("GET", test::servers + "?limit=100").status, 200u);
  ASSERT_EQ(c.request("GET", test::phones + "?limit=200").status, 200u);
  ASSERT_EQ(c.request("GET", test::phones + "?limit=200&status=-8").status, 200u);

  auto view = c.request("GET", "/_emulator/servers").json().as_object();
  const auto& servers = view.at("servers").as_array();
  ASSERT_EQ(servers.size(), 2u);
  for (const auto& v : servers) {
    const auto& s = v.as_object();
    EXPECT_EQ(s.at("status").to_number<int>(), 5);
    EXPECT_TRUE(s.at("visible").as_bool());
    EXPECT_EQ(s.at("server_id").as_string().size(), 32u);
    std::map<int, int> by_status;
    for (const auto& p : s.at("phone_statuses").as_array()) ++by_status[p.to_number<int>()];
    EXPECT_EQ(by_status, (std::map<int, int>{{-8, 1}, {2, 29}}));
  }
  auto calls = c.request("GET", "/_emulator/stats").json().at("api_calls").as_object();
  EXPECT_EQ(calls.at("CreateCloudPhoneServer").to_number<int>(), 1);
  EXPECT_EQ(calls.at("ListCloudPhoneServers").to_number<int>(), 1);
  EXPECT_EQ(calls.at("ListCloudPhones").to_number<int>(), 2);
  EXPECT_FALSE(calls.contains("ShowCloudPhoneDetail"));
}

}  // namespace
}  // namespace cphfleet

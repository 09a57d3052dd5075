#include "plan/planner.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "base/diagnostic.hpp"
#include "base/text.hpp"

namespace cphfleet {
namespace {

fleet_spec make_fleet(std::string name, std::int64_t target) {
  fleet_spec f;
  f.server_name = std::move(name);
  f.target = target;
  f.request.server_model_name = "physical.rx1.xlarge";
  f.request.phone_model_name = "aphs1.medium.4.aosp";
  f.request.image_id = "88b8449b896f3a4f0ad57222dd919899";
  f.request.band_width.band_width_share_type = 0;
  f.request.extend_param.is_auto_pay = 1;
  f.request.keypair_name = "mykeypair";
  f.request.ports = {port_spec{"stream", 20000, true}};
  f.line = 12;
  f.column = 1;
  return f;
}

job_spec make_job(std::vector<fleet_spec> fleets) {
  job_spec j;
  j.path = "jobs/demo.toml";
  j.name = "demo";
  j.fleets = std::move(fleets);
  return j;
}

ledger_row row(std::string fleet, std::string chunk, std::int64_t count, chunk_status status) {
  ledger_row r;
  r.time = "2026-11-26T10:00:00.000Z";
  r.fleet = std::move(fleet);
  r.chunk = std::move(chunk);
  r.count = count;
  r.status = status;
  return r;
}

struct chunk_summary {
  std::string chunk;
  std::int64_t count;
  bool operator==(const chunk_summary&) const = default;
};
std::ostream& operator<<(std::ostream& os, const chunk_summary& c) { return os << c.chunk << "x" << c.count; }

std::vector<chunk_summary> summary(const fleet_plan& f) {
  std::vector<chunk_summary> out;
  for (const auto& c : f.chunks) out.push_back({c.chunk, c.count});
  return out;
}

TEST(planner_test, a_new_fleet_of_47_is_packed_into_chunks_of_10_with_the_rest_last) {
  plan p = make_plan(make_job({make_fleet("x", 47)}), ledger_index{});
  ASSERT_EQ(p.fleets.size(), 1u);
  EXPECT_EQ(
      summary(p.fleets[0]),
      (std::vector<chunk_summary>{{"x-001", 10}, {"x-002", 10}, {"x-003", 10}, {"x-004", 10}, {"x-005", 7}}));
  EXPECT_EQ(p.job, "demo");
  EXPECT_EQ(p.calls(), 5);
  EXPECT_EQ(p.servers(), 47);
  EXPECT_EQ(p.fleets[0].target, 47);
  EXPECT_EQ(p.fleets[0].ordered, 0);
  EXPECT_TRUE(p.fleets[0].unresolved.empty());
}

TEST(planner_test, each_chunk_is_the_fleet_template_with_its_name_and_count) {
  fleet_spec f = make_fleet("x", 13);
  plan p = make_plan(make_job({f}), ledger_index{});
  ASSERT_EQ(p.fleets[0].chunks.size(), 2u);
  const planned_chunk& c = p.fleets[0].chunks[1];
  EXPECT_EQ(c.fleet, "x");
  purchase_request expected = f.request;
  expected.server_name = "x-002";
  expected.count = 3;
  EXPECT_EQ(c.body, to_body(expected));
  EXPECT_EQ(c.request.server_name, "x-002");
  EXPECT_EQ(c.request.count, 3);
  EXPECT_EQ(c.request.image_id, f.request.image_id);
  EXPECT_TRUE(validate(c.request).empty());
}

TEST(planner_test, a_finished_fleet_plans_nothing) {
  ledger_index ledger(
      {row("x", "x-001", 10, chunk_status::ordered), row("x", "x-002", 10, chunk_status::ordered),
       row("x", "x-003", 10, chunk_status::ordered), row("x", "x-004", 10, chunk_status::ordered),
       row("x", "x-005", 7, chunk_status::ordered)});
  plan p = make_plan(make_job({make_fleet("x", 47)}), ledger);
  EXPECT_EQ(p.fleets[0].ordered, 47);
  EXPECT_TRUE(p.fleets[0].chunks.empty());
  EXPECT_EQ(p.calls(), 0);
  EXPECT_EQ(p.servers(), 0);
}

TEST(planner_test, raising_count_buys_only_the_difference) {
  ledger_index ledger(
      {row("x", "x-001", 10, chunk_status::ordered), row("x", "x-002", 10, chunk_status::ordered),
       row("x", "x-003", 10, chunk_status::ordered), row("x", "x-004", 10, chunk_status::ordered),
       row("x", "x-005", 7, chunk_status::ordered)});
  plan p = make_plan(make_job({make_fleet("x", 60)}), ledger);
  EXPECT_EQ(p.fleets[0].ordered, 47);
  EXPECT_EQ(summary(p.fleets[0]), (std::vector<chunk_summary>{{"x-006", 10}, {"x-007", 3}}));
}

TEST(planner_test, more_ordered_than_the_target_plans_nothing_and_cancels_nothing) {
  ledger_index ledger(
      {row("x", "x-001", 10, chunk_status::ordered), row("x", "x-002", 10, chunk_status::ordered)});
  plan p = make_plan(make_job({make_fleet("x", 5)}), ledger);
  EXPECT_EQ(p.fleets[0].ordered, 20);
  EXPECT_TRUE(p.fleets[0].chunks.empty());
}

TEST(planner_test, failed_and_retrying_chunk_names_are_reused_lowest_first) {
  ledger_index ledger(
      {row("x", "x-001", 10, chunk_status::ordered), row("x", "x-002", 10, chunk_status::failed),
       row("x", "x-003", 10, chunk_status::ordered), row("x", "x-004", 4, chunk_status::retrying)});
  plan p = make_plan(make_job({make_fleet("x", 45)}), ledger);
  EXPECT_EQ(p.fleets[0].ordered, 20);
  EXPECT_EQ(summary(p.fleets[0]), (std::vector<chunk_summary>{{"x-002", 10}, {"x-004", 10}, {"x-005", 5}}));
}

TEST(planner_test, the_latest_row_of_a_chunk_decides) {
  ledger_index ledger(
      {row("x", "x-001", 10, chunk_status::sending), row("x", "x-001", 10, chunk_status::ordered),
       row("x", "x-002", 10, chunk_status::ordered), row("x", "x-002", 10, chunk_status::failed)});
  plan p = make_plan(make_job({make_fleet("x", 20)}), ledger);
  EXPECT_EQ(p.fleets[0].ordered, 10);
  EXPECT_EQ(summary(p.fleets[0]), (std::vector<chunk_summary>{{"x-002", 10}}));
}

TEST(planner_test, unresolved_chunks_are_reported_not_replanned_and_their_servers_not_bought_again) {
  ledger_index ledger(
      {row("x", "x-001", 10, chunk_status::ordered), row("x", "x-002", 10, chunk_status::unknown),
       row("x", "x-003", 5, chunk_status::sending), row("x", "x-004", 10, chunk_status::failed)});
  plan p = make_plan(make_job({make_fleet("x", 30)}), ledger);
  const fleet_plan& f = p.fleets[0];
  EXPECT_EQ(f.ordered, 10);
  EXPECT_EQ(f.unresolved, (std::vector<std::string>{"x-002", "x-003"}));
  EXPECT_EQ(f.unresolved_servers, 15);
  EXPECT_EQ(summary(f), (std::vector<chunk_summary>{{"x-004", 5}}));

  // With the unresolved chunks covering the whole gap, nothing is planned at all.
  plan covered = make_plan(make_job({make_fleet("x", 25)}), ledger);
  EXPECT_TRUE(covered.fleets[0].chunks.empty());
  EXPECT_EQ(covered.fleets[0].unresolved.size(), 2u);
}

TEST(planner_test, chunk_names_are_unique_across_a_plan_of_several_fleets) {
  ledger_index ledger({row("b", "b-002", 10, chunk_status::failed)});
  plan p = make_plan(make_job({make_fleet("a", 95), make_fleet("b", 31), make_fleet("c", 1)}), ledger);
  std::set<std::string> names;
  for (const auto& f : p.fleets) {
    for (const auto& c : f.chunks) {
      EXPECT_TRUE(names.insert(c.chunk).second) << c.chunk;
      EXPECT_EQ(c.chunk.rfind(f.fleet + "-", 0), 0u) << c.chunk;
    }
  }
  EXPECT_EQ(names.size(), 10u + 4u + 1u);
  EXPECT_EQ(summary(p.fleets[1]),
            (std::vector<chunk_summary>{{"b-001", 10}, {"b-002", 10}, {"b-003", 10}, {"b-004", 1}}));
  EXPECT_EQ(summary(p.fleets[2]), (std::vector<chunk_summary>{{"c-001", 1}}));
  EXPECT_EQ(p.servers(), 127);
}

TEST(planner_test, a_chunk_name_recorded_for_another_fleet_is_never_taken_over) {
  // Hand-made: fleet "other" once used the name a-001. The planner skips it rather than guess.
  ledger_index ledger({row("other", "a-001", 10, chunk_status::failed)});
  plan p = make_plan(make_job({make_fleet("a", 10)}), ledger);
  EXPECT_EQ(summary(p.fleets[0]), (std::vector<chunk_summary>{{"a-002", 10}}));
}

TEST(planner_test, a_56_character_fleet_name_gives_60_character_chunk_names) {
  std::string name(56, 'n');
  plan p = make_plan(make_job({make_fleet(name, 25)}), ledger_index{});
  ASSERT_EQ(p.fleets[0].chunks.size(), 3u);
  for (const auto& c : p.fleets[0].chunks) {
    EXPECT_EQ(utf8_length(c.chunk), 60u);
    EXPECT_TRUE(validate(c.request).empty()) << c.chunk;
  }
  EXPECT_EQ(p.fleets[0].chunks[2].chunk, name + "-003");
}

TEST(planner_test, a_chunk_name_past_60_characters_is_refused_before_anything_is_planned) {
  std::string name(57, 'n');
  try {
    make_plan(make_job({make_fleet("ok", 1), make_fleet(name, 1)}), ledger_index{});
    FAIL() << "no error";
  } catch (const input_error& e) {
    ASSERT_EQ(e.errors.size(), 1u);
    const diagnostic& d = e.errors[0];
    EXPECT_EQ(d.path, "jobs/demo.toml");
    EXPECT_EQ(d.line, 12);
    EXPECT_EQ(d.column, 1);
    EXPECT_EQ(d.field, "fleet[1].server_name");  // 0-based, as the job file names fleets
    EXPECT_EQ(d.message, "chunk name '" + name + "-001' is 61 characters (at most 60: shorten server_name)");
  }
}

TEST(planner_test, chinese_fleet_names_count_characters_not_bytes) {
  std::string name = "游戏服务器欧洲";
  std::string long_name;
  for (int i = 0; i < 56; ++i) long_name += "服";
  plan p = make_plan(make_job({make_fleet(name, 12), make_fleet(long_name, 3)}), ledger_index{});
  EXPECT_EQ(summary(p.fleets[0]), (std::vector<chunk_summary>{{name + "-001", 10}, {name + "-002", 2}}));
  const planned_chunk& c = p.fleets[1].chunks.at(0);
  EXPECT_EQ(c.chunk, long_name + "-001");
  EXPECT_EQ(utf8_length(c.chunk), 60u);
  EXPECT_GT(c.chunk.size(), 60u);
  EXPECT_TRUE(validate(c.request).empty());
  EXPECT_NE(c.body.find(long_name + "-001"), std::string::npos);
}

TEST(planner_test, chunk_numbering_goes_past_999) {
  std::vector<ledger_row> rows;
  for (int i = 1; i <= 999; ++i) rows.push_back(row("x", chunk_name("x", i), 1, chunk_status::ordered));
  plan p = make_plan(make_job({make_fleet("x", 1015)}), ledger_index(std::move(rows)));
  EXPECT_EQ(p.fleets[0].ordered, 999);
  EXPECT_EQ(summary(p.fleets[0]), (std::vector<chunk_summary>{{"x-1000", 10}, {"x-1001", 6}}));
}

TEST(planner_test, the_spend_guard_refuses_a_plan_above_the_limit_and_names_the_override) {
  plan p = make_plan(make_job({make_fleet("x", 47), make_fleet("y", 60)}), ledger_index{});
  EXPECT_NO_THROW(check_spend_guard(p, 107));
  try {
    check_spend_guard(p, 100, "config/embedded.toml");
    FAIL() << "no error";
  } catch (const input_error& e) {
    ASSERT_EQ(e.errors.size(), 1u);
    EXPECT_EQ(e.errors[0].path, "config/embedded.toml");
    EXPECT_EQ(e.errors[0].field, "max_servers_per_run");
    EXPECT_EQ(
        e.errors[0].message,
        "this run would buy 107 servers, more than the limit of 100 (give --max-servers 107 to allow it)");
  }
  EXPECT_NO_THROW(check_spend_guard(
      make_plan(make_job({make_fleet("x", 5)}), ledger_index({row("x", "x-001", 5, chunk_status::ordered)})),
      0));
}

TEST(planner_test, plan_json_has_the_documented_shape_with_requests_as_objects) {
  ledger_index ledger(
      {row("x", "x-001", 10, chunk_status::ordered), row("x", "x-002", 10, chunk_status::unknown)});
  plan p = make_plan(make_job({make_fleet("x", 27), make_fleet("done", 0)}), ledger);
  boost::json::value v = boost::json::parse(plan_to_json(p));
  const auto& o = v.as_object();
  EXPECT_EQ(o.size(), 4u);
  EXPECT_EQ(o.at("job").as_string(), "demo");
  EXPECT_EQ(o.at("calls").as_int64(), 1);
  EXPECT_EQ(o.at("servers").as_int64(), 7);
  const auto& fleets = o.at("fleets").as_array();
  ASSERT_EQ(fleets.size(), 2u);
  const auto& x = fleets[0].as_object();
  EXPECT_EQ(x.size(), 5u);
  EXPECT_EQ(x.at("fleet").as_string(), "x");
  EXPECT_EQ(x.at("target").as_int64(), 27);
  EXPECT_EQ(x.at("ordered").as_int64(), 10);
  EXPECT_EQ(x.at("unresolved"), boost::json::parse(R"(["x-002"])"));
  const auto& chunks = x.at("chunks").as_array();
  ASSERT_EQ(chunks.size(), 1u);
  const auto& c = chunks[0].as_object();
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.at("chunk").as_string(), "x-003");
  EXPECT_EQ(c.at("count").as_int64(), 7);
  ASSERT_TRUE(c.at("request").is_object());
  EXPECT_EQ(c.at("request"), boost::json::parse(p.fleets[0].chunks[0].body));
  EXPECT_EQ(c.at("request").at("server_name").as_string(), "x-003");
  EXPECT_EQ(c.at("request").at("count").as_int64(), 7);
  const auto& done = fleets[1].as_object();
  EXPECT_EQ(done.at("unresolved").as_array().size(), 0u);
  EXPECT_EQ(done.at("chunks").as_array().size(), 0u);
}

}  // namespace
}  // namespace cphfleet

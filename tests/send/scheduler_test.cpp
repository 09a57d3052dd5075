// The scheduler against a scripted service on virtual time: one test per rule of README "Sending", each
// asserting the ledger's rows (the real ledger_writer on a temporary file) and the calls the service saw.
#include "send/scheduler.hpp"

#include "api/purchase_body.hpp"
#include "base/time_text.hpp"
#include "support/scripted_bss_api.hpp"
#include "support/scripted_cph_api.hpp"
#include "support/temp_files.hpp"
#include "support/virtual_time.hpp"

#include <gtest/gtest.h>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <limits>

namespace cphfleet {

// Statuses by name in failure messages (found by argument-dependent lookup, so not in the anonymous
// namespace).
inline void PrintTo(chunk_status s, std::ostream* os) { *os << to_string(s); }

namespace {

using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;
using testing::answer_busy;
using testing::answer_cps_0061;
using testing::answer_not_written;
using testing::answer_refused;
using testing::answer_server_error;
using testing::answer_throttled;
using testing::answer_timeout_after_write;
using testing::api_call;
using testing::scripted_list;
using sched_type = basic_scheduler<manual_clock>;
using st = chunk_status;
using statuses = std::vector<chunk_status>;

std::string body_of(const std::string& chunk, std::int64_t count, bool auto_pay) {
  purchase_request r;
  r.server_name = chunk;
  r.server_model_name = "physical.rx1.xlarge";
  r.phone_model_name = "aphs1.medium.4.aosp";
  r.image_id = "88b8449b896f3a4f0ad57222dd919899";
  r.count = count;
  r.band_width.band_width_share_type = 0;
  r.extend_param.is_auto_pay = auto_pay ? 1 : 0;
  return to_body(r);
}

chunk_work work(const std::string& chunk, bool auto_pay = true) {
  return {"demo", "eu", chunk, 10, body_of(chunk, 10, auto_pay), auto_pay};
}

class scheduler_test : public ::testing::Test {
 protected:
  scheduler_test() {
    manual_clock::reset();
    settings.run_id = "run-2";
    settings.project_id = "proj";
    settings.seed = 7;
  }

  // Rows an earlier run left, on disk before this run opens the ledger.
  void earlier_rows(const std::vector<ledger_row>& rows) {
    ledger_writer earlier(ioc.get_executor(), ledger_path, "earlier run");
    for (const auto& r : rows) earlier.append_now(r);
  }
  ledger_row earlier_row(const std::string& chunk, chunk_status status, std::chrono::seconds ago,
                         bool auto_pay = true) {
    ledger_row r;
    auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - ago);
    std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    r.time = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, at.time_since_epoch().count() % 1000);
    r.run_id = "run-1";
    r.job = "demo";
    r.fleet = "eu";
    r.chunk = chunk;
    r.count = 10;
    r.status = status;
    r.attempt = 1;
    r.project_id = "proj";
    r.request = body_of(chunk, 10, auto_pay);
    return r;
  }

  sched_type& sched() {
    if (!sched_) {
      writer_ = std::make_unique<ledger_writer>(ioc.get_executor(), ledger_path, "test",
                                                [this](ledger_row&& r) { index_.add(std::move(r)); });
      sched_.emplace(ioc.get_executor(), api, *writer_, index_, settings, with_billing ? &billing : nullptr);
    }
    return *sched_;
  }

  // Runs what `make` returns to its end, on virtual time.
  template <typename Make>
  void run(Make make) {
    sched_type& s = sched();
    ioc.restart();  // a test may run several steps, each until its work is done
    started = manual_clock::now();
    bool done = false;
    std::exception_ptr failure;
    net::co_spawn(ioc, make(s), [&](std::exception_ptr e) {
      failure = e;
      done = true;
    });
    testing::run_on_virtual_time(
        ioc, [&] { return done; }, [&] { return s.rows_syncing() > 0; });
    if (failure) std::rethrow_exception(failure);
  }
  void send(std::vector<chunk_work> chunks) {
    run([&](sched_type& s) { return s.send(std::move(chunks)); });
  }

  std::vector<ledger_row> rows_of(const std::string& chunk) const {
    std::vector<ledger_row> out;
    for (auto& r : read_ledger(ledger_path))
      if (r.chunk == chunk) out.push_back(std::move(r));
    return out;
  }
  statuses statuses_of(const std::string& chunk) const {
    statuses out;
    for (const auto& r : rows_of(chunk)) out.push_back(r.status);
    return out;
  }
  std::vector<api_call> purchases(const std::string& chunk) const {
    return api.calls(api_call::purchase, chunk);
  }
  std::vector<api_call> lists(const std::string& chunk) const { return api.calls(api_call::list, chunk); }
  // Where the reads for a chunk's window start: 15 minutes before the time of this row.
  static std::int64_t window_start_of(const ledger_row& sending) {
    auto at = parse_utc_rfc3339(sending.time);
    return std::chrono::floor<std::chrono::seconds>(at->time_since_epoch()).count() - 900;
  }
  void adopt(const std::string& chunk, const std::string& order_id) {
    run([&](sched_type& s) { return s.adopt_order(chunk, order_id); });
  }
  std::string adopt_refusal(const std::string& chunk, const std::string& order_id) {
    try {
      adopt(chunk, order_id);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  }
  manual_clock::duration since_start(const api_call& c) const { return c.at - started; }

  testing::temp_files files;
  std::filesystem::path ledger_path = files.root() / "orders.csv";
  net::io_context ioc{1};
  run_settings settings;
  testing::scripted_cph_api api{ioc.get_executor(), ledger_path};
  testing::scripted_bss_api billing;
  bool with_billing = false;
  manual_clock::time_point started;

  // The billing service as the second witness: it records every order the service takes.
  void use_billing() {
    with_billing = true;
    api.on_taken(
        [this](const std::string& id, const purchase_request& r) { billing.record_purchase(id, r); });
  }

 private:
  ledger_index index_{{}, ledger_history::latest_only};
  std::unique_ptr<ledger_writer> writer_;
  std::optional<sched_type> sched_;
};

// ---- 200

TEST_F(scheduler_test, an_ordered_answer_is_recorded_ordered_with_its_order_id) {
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::ordered}));
  auto rows = rows_of("eu-001");
  EXPECT_EQ(rows[1].order_id, "CS0001");
  EXPECT_EQ(rows[1].product_id, "p-CS0001");
  EXPECT_EQ(rows[1].http_status, 200);
  EXPECT_EQ(rows[1].request, work("eu-001").body);
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  EXPECT_TRUE(lists("eu-001").empty());
  EXPECT_EQ(sched().stats().servers_ordered, 10);
  EXPECT_EQ(sched().stopped(), stop_reason::none);
}

TEST_F(scheduler_test, the_sending_row_is_in_the_ledger_before_each_request_reaches_the_service) {
  api.script("eu-001", {answer_busy(), answer_not_written()});
  send({work("eu-001"), work("eu-002")});
  auto calls = purchases("eu-001");
  ASSERT_EQ(calls.size(), 3u);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].ledger_status, st::sending) << "attempt " << i + 1;
    EXPECT_EQ(calls[i].ledger_attempt, static_cast<std::int64_t>(i + 1));
  }
  ASSERT_EQ(purchases("eu-002").size(), 1u);
  EXPECT_EQ(purchases("eu-002")[0].ledger_status, st::sending);
}

// ---- 429, CPS.0042, failure before the request was written

TEST_F(scheduler_test, a_throttled_answer_is_retried_after_its_retry_after) {
  api.script("eu-001", {answer_throttled(20)});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::retrying, st::sending, st::ordered}));
  EXPECT_EQ(rows_of("eu-001")[1].http_status, 429);
  EXPECT_EQ(rows_of("eu-001")[1].error_code, "APIGW.0308");
  auto calls = purchases("eu-001");
  ASSERT_EQ(calls.size(), 2u);
  // Retry-After (20 s) is longer than the throttle backoff (at most 2 s after one 429): it wins.
  EXPECT_EQ(calls[1].at - calls[0].at, 20s);
  EXPECT_EQ(sched().stats().throttled, 1);
  EXPECT_EQ(sched().stats().retries, 1);
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
}

TEST_F(scheduler_test, a_throttled_answer_lowers_the_rate_under_the_gateway_limit_and_it_recovers) {
  settings.limits.requests_per_second = 5;
  api.script("eu-001", {answer_throttled()});  // "limit:2,time:1 second"
  std::vector<double> rate_at_call;
  api.on_call([&](const api_call&) { rate_at_call.push_back(sched().purchase_rate()); });
  // Braced lists are built outside the coroutine: GCC 12 miscompiles them inside one.
  std::vector<chunk_work> first{work("eu-001")};
  std::vector<chunk_work> later{work("eu-002")};
  run([&](sched_type& s) -> net::awaitable<void> {
    co_await s.send(std::move(first));
    net::basic_waitable_timer<manual_clock> pause(ioc, 30s);
    co_await pause.async_wait(net::use_awaitable);
    co_await s.send(std::move(later));
  });
  ASSERT_EQ(rate_at_call.size(), 3u);
  EXPECT_DOUBLE_EQ(rate_at_call[0], 5.0);
  // 5% under the stated limit, grown at most 2% for the at most 2 s of backoff.
  EXPECT_GE(rate_at_call[1], 1.9);
  EXPECT_LE(rate_at_call[1], 1.9 * 1.02 * 1.02 + 1e-9);
  // 30 s without a 429: well on its way back, not yet past the configured rate.
  EXPECT_GT(rate_at_call[2], 1.9 * 1.5);
  EXPECT_LE(rate_at_call[2], 5.0);
  EXPECT_EQ(statuses_of("eu-002"), (statuses{st::sending, st::ordered}));
}

TEST_F(scheduler_test, system_busy_cps_0042_is_retried_after_a_backoff) {
  api.script("eu-001", {answer_busy()});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::retrying, st::sending, st::ordered}));
  EXPECT_EQ(rows_of("eu-001")[1].error_code, "CPS.0042");
  auto calls = purchases("eu-001");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_LE(calls[1].at - calls[0].at, 500ms);  // full jitter under backoff_base_ms after one failure
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
}

TEST_F(scheduler_test, a_failure_before_the_request_was_written_is_retried) {
  api.script("eu-001", {answer_not_written()});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::retrying, st::sending, st::ordered}));
  EXPECT_EQ(rows_of("eu-001")[1].error_msg, "connect: Connection refused");
  EXPECT_EQ(purchases("eu-001").size(), 2u);
  EXPECT_TRUE(lists("eu-001").empty());  // provably nothing bought: no read needed
}

TEST_F(scheduler_test, a_huge_retry_after_waits_no_longer_than_backoff_max) {
  settings.limits.backoff_max_ms = 30000;
  api.script("eu-001", {answer_throttled(99999999)});  // three years
  api.script("eu-002", {answer_throttled(std::numeric_limits<std::int64_t>::max())});
  send({work("eu-001"), work("eu-002")});
  for (const char* chunk : {"eu-001", "eu-002"}) {
    auto calls = purchases(chunk);
    ASSERT_EQ(calls.size(), 2u) << chunk;
    EXPECT_EQ(calls[1].at - calls[0].at, 30s) << chunk;
    EXPECT_EQ(statuses_of(chunk), (statuses{st::sending, st::retrying, st::sending, st::ordered}));
  }
}

// ---- other 4xx, 401/403

TEST_F(scheduler_test, another_4xx_fails_the_chunk_and_sends_it_no_more) {
  api.script("eu-001", {answer_refused(400, "CPS.0097", "Insufficient balance.")});
  send({work("eu-001"), work("eu-002")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::failed}));
  EXPECT_EQ(rows_of("eu-001")[1].error_code, "CPS.0097");
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  EXPECT_EQ(statuses_of("eu-002"), (statuses{st::sending, st::ordered}));  // the run goes on
  EXPECT_EQ(sched().stopped(), stop_reason::none);
}

TEST_F(scheduler_test, a_401_stops_new_sends) {
  settings.limits.max_in_flight = 1;
  api.script("eu-001", {answer_refused(401, "APIGW.0301", "Incorrect IAM authentication information")});
  send({work("eu-001"), work("eu-002"), work("eu-003")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::failed}));
  EXPECT_EQ(api.calls().size(), 1u);
  EXPECT_TRUE(rows_of("eu-002").empty());
  EXPECT_TRUE(rows_of("eu-003").empty());
  EXPECT_EQ(sched().stopped(), stop_reason::auth);
  EXPECT_TRUE(sched().aborted());
  EXPECT_EQ(sched().stats().not_sent, 2);
}

TEST_F(scheduler_test, a_403_stops_new_sends) {
  settings.limits.max_in_flight = 1;
  api.script("eu-001", {answer_refused(403, "APIGW.0302", "The IAM user is forbidden")});
  send({work("eu-001"), work("eu-002")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::failed}));
  EXPECT_EQ(api.calls().size(), 1u);
  EXPECT_TRUE(rows_of("eu-002").empty());
  EXPECT_EQ(sched().stopped(), stop_reason::auth);
}

// ---- 5xx, CPS.0061, timeout after writing: unknown, then the list after settle_s

TEST_F(scheduler_test, an_ambiguous_answer_is_settled_by_a_list_after_the_window_and_found_ordered) {
  api.script("eu-001", {answer_server_error(504, true)});
  api.servers_show_after(60s);
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown, st::ordered}));
  auto rows = rows_of("eu-001");
  EXPECT_EQ(rows[1].http_status, 504);
  EXPECT_EQ(rows[2].order_id, "CS0001");
  EXPECT_EQ(rows[2].server_ids.size(), 10u);
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  auto reads = lists("eu-001");
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].at - purchases("eu-001")[0].at, 180s);
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
  EXPECT_EQ(sched().stats().reconciled, 1);
}

TEST_F(scheduler_test, nothing_found_twice_a_window_apart_with_auto_pay_resends_under_the_same_name) {
  api.script("eu-001", {answer_timeout_after_write(false)});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"),
            (statuses{st::sending, st::unknown, st::retrying, st::sending, st::ordered}));
  auto sent = purchases("eu-001");
  auto reads = lists("eu-001");
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].at - sent[0].at, 180s);
  EXPECT_EQ(reads[1].at - reads[0].at, 180s);
  EXPECT_GE(sent[1].at, reads[1].at);
  EXPECT_EQ(sent[1].body, sent[0].body);  // the same name: a later read finds either order
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
  EXPECT_NE(rows_of("eu-001")[2].error_msg.find("two reads 180 s apart"), std::string::npos);
}

TEST_F(scheduler_test, servers_that_show_after_the_first_read_are_found_by_the_second_and_not_bought_again) {
  // The order was taken, but its servers show 200 s later, after the 180 s window.
  api.script("eu-001", {answer_server_error(502, true)});
  api.servers_show_after(200s);
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown, st::ordered}));
  EXPECT_EQ(rows_of("eu-001")[2].order_id, "CS0001");
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  EXPECT_EQ(lists("eu-001").size(), 2u);
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
}

TEST_F(scheduler_test, nothing_found_without_auto_pay_stays_unknown) {
  api.script("eu-001", {answer_cps_0061(false)});
  send({work("eu-001", false)});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown}));
  EXPECT_EQ(rows_of("eu-001")[1].error_code, "CPS.0061");
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  EXPECT_EQ(lists("eu-001").size(), 1u);  // an unpaid order shows no servers: reading again tells nothing
}

TEST_F(scheduler_test, a_list_that_cannot_be_read_leaves_the_chunk_unknown) {
  api.script("eu-001", {answer_server_error(500, true)});
  api.script_lists("eu-001", {{500}, {500}, {500}, {500}});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown}));
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  EXPECT_EQ(lists("eu-001").size(), 4u);
}

// ---- limits

TEST_F(scheduler_test, a_chunk_gets_at_most_max_attempts) {
  settings.limits.max_attempts = 3;
  api.script("eu-001", {answer_busy(), answer_busy(), answer_busy(), answer_busy()});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"),
            (statuses{st::sending, st::retrying, st::sending, st::retrying, st::sending, st::failed}));
  EXPECT_NE(rows_of("eu-001")[5].error_msg.find("gave up: 3 attempts"), std::string::npos);
  EXPECT_EQ(purchases("eu-001").size(), 3u);
  EXPECT_EQ(sched().stopped(), stop_reason::none);
}

TEST_F(scheduler_test, the_retry_budget_is_run_wide) {
  settings.limits.retry_budget = 2;
  api.script("eu-001", {answer_busy()});
  // eu-002's second answer comes after eu-001's retry is done (backoffs are under 0.5 s).
  api.script("eu-002", {answer_busy(), answer_busy().after(2s)});
  send({work("eu-001"), work("eu-002")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::retrying, st::sending, st::ordered}));
  EXPECT_EQ(statuses_of("eu-002"), (statuses{st::sending, st::retrying, st::sending, st::failed}));
  EXPECT_NE(rows_of("eu-002")[3].error_msg.find("run-wide retry budget spent"), std::string::npos);
  EXPECT_EQ(api.calls().size(), 4u);
  EXPECT_EQ(sched().stats().retries, 2);
  EXPECT_EQ(sched().stopped(), stop_reason::budget);
}

TEST_F(scheduler_test, the_circuit_opens_after_circuit_ambiguous_answers_in_a_row) {
  settings.limits.circuit_ambiguous = 3;
  settings.limits.max_in_flight = 1;
  std::vector<chunk_work> chunks;
  for (int i = 1; i <= 5; ++i) {
    chunks.push_back(work(fmt::format("eu-00{}", i)));
    api.script(chunks.back().chunk, {answer_server_error(503, false)});
  }
  send(chunks);
  for (const char* chunk : {"eu-001", "eu-002", "eu-003"})
    EXPECT_EQ(statuses_of(chunk), (statuses{st::sending, st::unknown})) << chunk;
  EXPECT_TRUE(rows_of("eu-004").empty());
  EXPECT_TRUE(rows_of("eu-005").empty());
  EXPECT_EQ(api.calls().size(), 3u);  // no read either: sending stopped before the windows passed
  EXPECT_EQ(sched().stopped(), stop_reason::circuit);
  EXPECT_TRUE(sched().aborted());
}

TEST_F(scheduler_test, an_answer_between_ambiguous_ones_resets_the_circuit_count) {
  settings.limits.circuit_ambiguous = 2;
  settings.limits.max_in_flight = 1;
  api.script("eu-001", {answer_server_error(503, false)});
  api.script("eu-003", {answer_server_error(503, true)});
  api.servers_show_after(10s);
  send({work("eu-001"), work("eu-002"), work("eu-003")});
  EXPECT_EQ(sched().stopped(), stop_reason::none);
  EXPECT_EQ(statuses_of("eu-002"), (statuses{st::sending, st::ordered}));
  EXPECT_EQ(statuses_of("eu-003"), (statuses{st::sending, st::unknown, st::ordered}));
}

TEST_F(scheduler_test, max_in_flight_is_never_exceeded) {
  settings.limits.max_in_flight = 3;
  settings.limits.requests_per_second = 1000;
  settings.limits.burst = 100;
  std::vector<chunk_work> chunks;
  for (int i = 1; i <= 12; ++i) {
    chunks.push_back(work(fmt::format("eu-{:03}", i)));
    // One ambiguous answer: its reads take slots too.
    api.script(chunks.back().chunk,
               {i == 4 ? answer_server_error(503, true).after(1s) : testing::answer_ordered().after(2s)});
  }
  api.servers_show_after(1s);
  send(chunks);
  EXPECT_EQ(api.max_concurrent(), 3);
  for (const auto& c : chunks) EXPECT_EQ(statuses_of(c.chunk).back(), st::ordered) << c.chunk;
}

// ---- deadline

TEST_F(scheduler_test, the_deadline_stops_new_sends_and_lets_calls_in_flight_finish) {
  settings.limits.max_in_flight = 1;
  settings.deadline = std::chrono::steady_clock::now() + 10s;
  std::vector<chunk_work> chunks;
  for (int i = 1; i <= 5; ++i) {
    chunks.push_back(work(fmt::format("eu-00{}", i)));
    api.script(chunks.back().chunk, {testing::answer_ordered().after(4s)});
  }
  send(chunks);
  // Calls at 0, 4 and 8 s; the third answers at 12 s, after the deadline, and is recorded.
  for (const char* chunk : {"eu-001", "eu-002", "eu-003"})
    EXPECT_EQ(statuses_of(chunk), (statuses{st::sending, st::ordered})) << chunk;
  EXPECT_TRUE(rows_of("eu-004").empty());
  EXPECT_TRUE(rows_of("eu-005").empty());
  EXPECT_EQ(sched().stopped(), stop_reason::deadline);
  EXPECT_EQ(sched().stats().not_sent, 2);
}

TEST_F(scheduler_test, the_deadline_ends_the_settle_wait_after_an_ambiguous_send) {
  settings.deadline = std::chrono::steady_clock::now() + 60s;
  api.script("eu-001", {answer_server_error(503, false)});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown}));
  EXPECT_TRUE(lists("eu-001").empty());
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  EXPECT_LE(manual_clock::now() - started, 61s);
  EXPECT_EQ(sched().stopped(), stop_reason::deadline);
}

TEST_F(scheduler_test, the_deadline_ends_the_settling_of_chunks_left_unresolved) {
  earlier_rows({earlier_row("eu-007", st::unknown, 0s)});
  settings.deadline = std::chrono::steady_clock::now() + 30s;
  std::vector<chunk_work> chunks{work("eu-008")};
  run([&](sched_type& s) -> net::awaitable<void> {
    co_await s.settle_unresolved();
    co_await s.send(std::move(chunks));
  });
  EXPECT_EQ(statuses_of("eu-007"), (statuses{st::unknown}));  // as the earlier run left it
  EXPECT_TRUE(api.calls().empty());
  EXPECT_LE(manual_clock::now() - started, 31s);
  EXPECT_EQ(sched().stopped(), stop_reason::deadline);
  EXPECT_EQ(sched().stats().not_sent, 1);
}

TEST_F(scheduler_test, the_deadline_ends_the_wait_for_the_second_read) {
  settings.deadline = std::chrono::steady_clock::now() + 300s;
  api.script("eu-001", {answer_server_error(503, false)});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown}));
  EXPECT_EQ(lists("eu-001").size(), 1u);  // at 180 s; the second would be at 360 s
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  EXPECT_LE(manual_clock::now() - started, 301s);
  EXPECT_EQ(sched().stopped(), stop_reason::deadline);
}

// ---- signals

TEST_F(scheduler_test, a_stop_request_lets_the_calls_in_flight_finish_and_sends_nothing_new) {
  settings.limits.max_in_flight = 2;
  for (const char* chunk : {"eu-001", "eu-002", "eu-003", "eu-004"})
    api.script(chunk, {testing::answer_ordered().after(5s)});
  api.on_call([&](const api_call&) {
    if (api.calls().size() == 2) sched().request_stop(stop_reason::signal);
  });
  send({work("eu-001"), work("eu-002"), work("eu-003"), work("eu-004")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::ordered}));
  EXPECT_EQ(statuses_of("eu-002"), (statuses{st::sending, st::ordered}));
  EXPECT_TRUE(rows_of("eu-003").empty());
  EXPECT_TRUE(rows_of("eu-004").empty());
  EXPECT_EQ(api.calls().size(), 2u);
  EXPECT_EQ(sched().stopped(), stop_reason::signal);
}

TEST_F(scheduler_test, abandoning_records_the_calls_in_flight_unknown_and_their_late_answers_change_nothing) {
  settings.limits.max_in_flight = 2;
  for (const char* chunk : {"eu-001", "eu-002", "eu-003"})
    api.script(chunk, {testing::answer_ordered().after(5s)});
  api.on_call([&](const api_call&) {
    if (api.calls().size() != 2) return;
    sched().request_stop(stop_reason::signal);
    sched().abandon_in_flight();
    EXPECT_EQ(sched().in_flight(), 0);
  });
  send({work("eu-001"), work("eu-002"), work("eu-003")});
  for (const char* chunk : {"eu-001", "eu-002"}) {
    EXPECT_EQ(statuses_of(chunk), (statuses{st::sending, st::unknown})) << chunk;
    EXPECT_NE(rows_of(chunk)[1].error_msg.find("abandoned"), std::string::npos);
  }
  EXPECT_TRUE(rows_of("eu-003").empty());
}

// ---- settling what earlier runs left

TEST_F(scheduler_test, an_unknown_chunk_of_an_earlier_run_is_read_when_its_window_ends_and_found) {
  earlier_rows({earlier_row("eu-007", st::unknown, 100s)});
  api.took_earlier("eu-007", 10);
  run([&](sched_type& s) -> net::awaitable<void> { co_await s.settle_unresolved(); });
  EXPECT_EQ(statuses_of("eu-007"), (statuses{st::unknown, st::ordered}));
  EXPECT_EQ(rows_of("eu-007")[1].order_id, "CS0001");
  auto reads = lists("eu-007");
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_GE(since_start(reads[0]), 79s);  // 180 s after its row, which is 100 s old
  EXPECT_LE(since_start(reads[0]), 81s);
  EXPECT_TRUE(purchases("eu-007").empty());
}

TEST_F(scheduler_test, a_chunk_left_sending_with_nothing_found_twice_becomes_retrying) {
  earlier_rows({earlier_row("eu-007", st::sending, 600s)});
  run([&](sched_type& s) -> net::awaitable<void> { co_await s.settle_unresolved(); });
  EXPECT_EQ(statuses_of("eu-007"), (statuses{st::sending, st::retrying}));
  auto reads = lists("eu-007");
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(since_start(reads[0]), 0s);  // the window passed long ago
  EXPECT_EQ(reads[1].at - reads[0].at, 180s);
  EXPECT_TRUE(purchases("eu-007").empty());  // settling never sends; the planner re-plans it
}

// ---- the reconcile window: from a little before the chunk's send

TEST_F(scheduler_test, the_list_read_to_settle_a_chunk_starts_fifteen_minutes_before_its_sending_row) {
  api.script("eu-001", {answer_server_error(504, true)});
  send({work("eu-001")});
  // The order was taken just after the sending row: the narrowed list still shows its servers.
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown, st::ordered}));
  auto reads = lists("eu-001");
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].create_since_s, window_start_of(rows_of("eu-001")[0]));
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
}

TEST_F(scheduler_test, a_chunk_settled_unknown_hours_after_its_send_is_read_from_its_send) {
  // An earlier run sent at 10:00 (3 h ago), its answer was lost, and a reconcile at 12:59 left it unknown.
  // The order was taken a second after the send: a window from the unknown row would miss its servers
  // and buy the chunk again.
  ledger_row sending = earlier_row("eu-007", st::sending, 3h);
  earlier_rows({sending, earlier_row("eu-007", st::unknown, 60s)});
  api.took_earlier("eu-007", 10, *parse_utc_rfc3339(sending.time) + 1s);
  run([&](sched_type& s) -> net::awaitable<void> { co_await s.settle_unresolved(); });
  EXPECT_EQ(statuses_of("eu-007"), (statuses{st::sending, st::unknown, st::ordered}));
  EXPECT_EQ(rows_of("eu-007")[2].order_id, "CS0001");
  auto reads = lists("eu-007");
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].create_since_s, window_start_of(sending));
}

TEST_F(scheduler_test, a_chunk_whose_send_time_is_not_known_reads_the_whole_list) {
  earlier_rows({earlier_row("eu-007", st::unknown, 100s)});
  api.took_earlier("eu-007", 10, std::chrono::system_clock::now() - std::chrono::hours(24 * 30));
  run([&](sched_type& s) -> net::awaitable<void> { co_await s.settle_unresolved(); });
  EXPECT_EQ(statuses_of("eu-007"), (statuses{st::unknown, st::ordered}));
  ASSERT_EQ(lists("eu-007").size(), 1u);
  EXPECT_EQ(lists("eu-007")[0].create_since_s, std::nullopt);
}

// ---- two witnesses: the billing service and the server list

TEST_F(scheduler_test, with_billing_a_lost_answer_settles_from_the_order_before_any_server_shows) {
  use_billing();
  settings.limits.settle_s = 2;  // a window far shorter than the servers take: without billing, a re-buy
  api.script("eu-001", {answer_timeout_after_write(true)});
  api.servers_show_after(8000s);
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown, st::ordered}));
  auto rows = rows_of("eu-001");
  EXPECT_EQ(rows[2].order_id, "CS0001");
  EXPECT_EQ(
      rows[2].error_msg,
      "billing: order CS0001 (status 5) is the only order since the send that fits the chunk's count and "
      "period, and no other unresolved chunk fits it; no server shows yet");
  EXPECT_EQ(purchases("eu-001").size(), 1u);
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
  // Read at the billing window (30 s), from the send's window start, CPH orders only.
  ASSERT_EQ(lists("eu-001").size(), 1u);
  EXPECT_EQ(lists("eu-001")[0].at - purchases("eu-001")[0].at, 30s);
  ASSERT_EQ(billing.calls_of(testing::bss_call::list), 1);
  const order_query& q = billing.calls()[0].query;
  EXPECT_EQ(q.create_begin_s, window_start_of(rows[0]));
  EXPECT_EQ(q.create_end_s, std::nullopt);
  EXPECT_EQ(q.service_type_code, "hws.service.type.cph");
  EXPECT_EQ(sched().stats().billing_reads, 2);  // the list and one order's details
}

TEST_F(scheduler_test, without_billing_the_same_short_window_buys_the_chunk_twice) {
  // The case the billing witness exists for, shown as it is without it.
  settings.limits.settle_s = 2;
  api.script("eu-001", {answer_timeout_after_write(true)});
  api.servers_show_after(8000s);
  send({work("eu-001")});
  EXPECT_EQ(api.orders_taken("eu-001"), 2);
}

TEST_F(scheduler_test, with_billing_nothing_bought_is_re_sent_after_the_billing_window_not_the_lists) {
  use_billing();
  api.script("eu-001", {answer_timeout_after_write(false)});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"),
            (statuses{st::sending, st::unknown, st::retrying, st::sending, st::ordered}));
  auto sent = purchases("eu-001");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].at - sent[0].at, 30s);  // not 180 s, and not after a second read 180 s later
  EXPECT_EQ(lists("eu-001").size(), 1u);
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
  EXPECT_EQ(rows_of("eu-001")[2].error_msg,
            "billing shows no order that could be the chunk's and no server carries its name: nothing was "
            "bought");
}

TEST_F(scheduler_test, with_billing_an_unpaid_chunk_settles_from_its_pending_payment_order) {
  use_billing();
  api.script("eu-001", {answer_cps_0061(true)});
  api.servers_show_after(8000s);  // an unpaid order shows no servers
  send({work("eu-001", false)});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown, st::ordered}));
  EXPECT_EQ(rows_of("eu-001")[2].order_id, "CS0001");
  EXPECT_NE(rows_of("eu-001")[2].error_msg.find("order CS0001 (status 6)"), std::string::npos);
  EXPECT_EQ(api.orders_taken("eu-001"), 1);
}

TEST_F(scheduler_test, two_same_sized_unpaid_chunks_lost_in_one_window_stay_unknown_naming_both_orders) {
  use_billing();
  api.script("eu-001", {answer_cps_0061(true)});
  api.script("eu-002", {answer_cps_0061(true)});
  api.servers_show_after(8000s);  // unpaid orders show no servers
  send({work("eu-001", false), work("eu-002", false)});
  for (const char* chunk : {"eu-001", "eu-002"}) {
    EXPECT_EQ(statuses_of(chunk), (statuses{st::sending, st::unknown, st::unknown})) << chunk;
    EXPECT_EQ(
        rows_of(chunk)[2].error_msg,
        fmt::format("billing: orders that could be the chunk's: CS0001, CS0002 (2 fitting its count and "
                    "period, the others unread): settle it with `cphfleet reconcile --adopt-order "
                    "{}=ORDER_ID`",
                    chunk));
    EXPECT_EQ(purchases(chunk).size(), 1u);  // a candidate order: never re-sent
    // Read at the billing window, then again after the list's: servers might have told them apart.
    EXPECT_EQ(lists(chunk).size(), 2u);
  }
  // A person settles one; the other is then the only chunk its order can be.
  adopt("eu-001", "CS0001");
  EXPECT_EQ(statuses_of("eu-001").back(), st::ordered);
  EXPECT_EQ(rows_of("eu-001").back().order_id, "CS0001");
  EXPECT_EQ(rows_of("eu-001").back().error_msg, "order CS0001 adopted by hand (reconcile --adopt-order)");
  run([&](sched_type& s) -> net::awaitable<void> { co_await s.settle_unresolved(); });
  EXPECT_EQ(statuses_of("eu-002").back(), st::ordered);
  EXPECT_EQ(rows_of("eu-002").back().order_id, "CS0002");
  EXPECT_EQ(api.orders_taken("eu-001") + api.orders_taken("eu-002"), 2);
}

TEST_F(scheduler_test, an_order_the_ledger_holds_is_no_candidate_and_its_details_are_not_read) {
  use_billing();
  api.script("eu-002", {answer_timeout_after_write(false)});
  send({work("eu-001"), work("eu-002")});  // eu-001's order CS0001 is recorded; eu-002's purchase was lost
  EXPECT_EQ(statuses_of("eu-002"),
            (statuses{st::sending, st::unknown, st::retrying, st::sending, st::ordered}));
  EXPECT_EQ(api.orders_taken("eu-002"), 1);
  for (const auto& c : billing.calls()) EXPECT_NE(c.order_id, "CS0001");
}

TEST_F(scheduler_test, an_order_whose_details_cannot_be_read_is_never_a_reason_to_re_send) {
  use_billing();
  billing.add_order("CS9999", 10, order_status::completed);  // someone else's, perhaps; it cannot be told
  billing.fail_details("CS9999", 500);
  api.script("eu-001", {answer_timeout_after_write(false)});
  send({work("eu-001")});
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown, st::unknown}));
  EXPECT_NE(rows_of("eu-001")[2].error_msg.find("could be the chunk's: CS9999 (0 fitting"),
            std::string::npos);
  EXPECT_EQ(purchases("eu-001").size(), 1u);
}

TEST_F(scheduler_test, when_billing_cannot_be_read_the_server_list_settles_alone) {
  use_billing();
  billing.fail_lists(500, 100);
  api.script("eu-001", {answer_timeout_after_write(false)});
  send({work("eu-001")});
  // The list read with billing at 30 s, then as without billing: nothing in two list reads 180 s apart,
  // the first at the list's window, then the re-send.
  auto reads = lists("eu-001");
  auto sent = purchases("eu-001");
  ASSERT_EQ(reads.size(), 3u);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(reads[1].at - sent[0].at, 180s);
  EXPECT_EQ(reads[2].at - reads[1].at, 180s);
  EXPECT_NE(rows_of("eu-001")[2].error_msg.find("two reads 180 s apart"), std::string::npos);
  EXPECT_GE(sent[1].at, reads[2].at);
  EXPECT_EQ(billing.calls_of(testing::bss_call::list), 4);  // one read, retried as reads are
}

TEST_F(scheduler_test, with_billing_an_earlier_runs_chunk_is_read_from_its_send_and_settled_by_its_order) {
  use_billing();
  ledger_row sending = earlier_row("eu-007", st::sending, 3h);
  earlier_rows({sending, earlier_row("eu-007", st::unknown, 60s)});
  billing.add_order("CS0042", 10, order_status::completed, *parse_utc_rfc3339(sending.time) + 1s);
  api.servers_show_after(8000s);
  run([&](sched_type& s) -> net::awaitable<void> { co_await s.settle_unresolved(); });
  EXPECT_EQ(statuses_of("eu-007"), (statuses{st::sending, st::unknown, st::ordered}));
  EXPECT_EQ(rows_of("eu-007")[2].order_id, "CS0042");
  EXPECT_EQ(since_start(lists("eu-007")[0]), 0s);  // the billing window ended hours ago
  EXPECT_EQ(billing.calls()[0].query.create_begin_s, window_start_of(sending));
}

// ---- reconcile --adopt-order

TEST_F(scheduler_test, adopting_an_order_is_refused_unless_it_exists_and_no_other_chunk_holds_it) {
  use_billing();
  ledger_row held = earlier_row("eu-001", st::ordered, 600s);
  held.order_id = "CS0001";
  earlier_rows({held, earlier_row("eu-002", st::sending, 600s), earlier_row("eu-002", st::unknown, 300s)});
  billing.add_order("CS0001", 10, order_status::completed);
  billing.add_order("CS0003", 10, order_status::cancelled);
  EXPECT_EQ(adopt_refusal("eu-002", "CS0001"),
            "--adopt-order eu-002=CS0001: the ledger records that order for chunk eu-001");
  EXPECT_EQ(adopt_refusal("eu-002", "CS0002"),
            "--adopt-order eu-002=CS0002: the billing service shows no such order "
            "(HTTP 404 CBC.0101: The order does not exist.)");
  EXPECT_EQ(adopt_refusal("eu-002", "CS0003"),
            "--adopt-order eu-002=CS0003: the order was cancelled: it bought nothing");
  EXPECT_EQ(adopt_refusal("eu-001", "CS0004"),
            "--adopt-order eu-001=CS0004: the chunk is ordered with order CS0001: only a sending or unknown "
            "chunk adopts an order");
  EXPECT_EQ(adopt_refusal("eu-009", "CS0004"), "--adopt-order eu-009=CS0004: no such chunk in the ledger");
  EXPECT_EQ(statuses_of("eu-002"), (statuses{st::sending, st::unknown}));  // nothing recorded
}

TEST_F(scheduler_test, adopting_needs_the_billing_service) {
  earlier_rows({earlier_row("eu-002", st::unknown, 300s)});
  EXPECT_EQ(
      adopt_refusal("eu-002", "CS0001"),
      "--adopt-order eu-002=CS0001: the order is checked in the billing service, and none is configured "
      "([billing])");
}

TEST_F(scheduler_test, an_adopted_order_that_does_not_fit_is_recorded_with_a_note) {
  use_billing();
  earlier_rows({earlier_row("eu-002", st::sending, 600s), earlier_row("eu-002", st::unknown, 300s)});
  billing.add_order("CS0005", 3, order_status::pending_payment);
  adopt("eu-002", "CS0005");
  auto rows = rows_of("eu-002");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].status, st::ordered);
  EXPECT_EQ(rows[2].order_id, "CS0005");
  EXPECT_EQ(rows[2].run_id, "run-2");
  EXPECT_EQ(rows[2].error_msg,
            "order CS0005 adopted by hand (reconcile --adopt-order); its line items do not show the chunk's "
            "count and period");
}

// ---- what a waiting run shows

TEST_F(scheduler_test, a_settle_wait_is_logged_with_its_length_and_exposed_until_it_ends) {
  api.script("eu-001", {answer_timeout_after_write(true)});
  api.servers_show_after(10s);
  std::optional<manual_clock::time_point> next_read;
  std::int64_t settling = 0;
  std::vector<chunk_work> chunks{work("eu-001")};
  ::testing::internal::CaptureStderr();
  run([&](sched_type& s) -> net::awaitable<void> {
    auto look = [&]() -> net::awaitable<void> {
      net::basic_waitable_timer<manual_clock> later(ioc, 10s);
      co_await later.async_wait(net::use_awaitable);
      next_read = s.next_settle_read();
      settling = s.settling();
    };
    co_await (s.send(std::move(chunks)) && look());
  });
  std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(next_read);
  EXPECT_EQ(*next_read, purchases("eu-001")[0].at + 180s);
  EXPECT_EQ(settling, 1);
  EXPECT_FALSE(sched().next_settle_read());  // nothing waits any more
  EXPECT_NE(log.find("waiting 180 s to settle chunk eu-001 (reading servers at "), std::string::npos) << log;
  EXPECT_EQ(statuses_of("eu-001"), (statuses{st::sending, st::unknown, st::ordered}));
}

}  // namespace
}  // namespace cphfleet

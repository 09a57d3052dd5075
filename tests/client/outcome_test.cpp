#include "client/outcome.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>

namespace cphfleet {
namespace {

struct row {
  int status;
  const char* code;
  std::optional<transport_error> transport;
  outcome_class purchase;  // class for a purchase
  outcome_class read;      // class for a read of the same answer
  bool stop_run;
  bool throttled;
};

transport_error fault(transport_step step, bool written) {
  return transport_error{step, std::string(to_string(step)) + ": test", written};
}

constexpr auto ordered = outcome_class::ordered;
constexpr auto retryable = outcome_class::retryable;
constexpr auto permanent = outcome_class::permanent;
constexpr auto ambiguous = outcome_class::ambiguous;

// docs/service.md "Errors", row by row, then the transport failures, then what the table leaves open.
const row table[] = {
    {200, "", {}, ordered, ordered, false, false},
    {400, "CPS.0024", {}, permanent, permanent, false, false},
    {400, "CPS.0025", {}, permanent, permanent, false, false},
    {400, "CPS.0026", {}, permanent, permanent, false, false},
    {400, "CPS.0027", {}, permanent, permanent, false, false},
    {400, "CPS.0028", {}, permanent, permanent, false, false},
    {400, "CPS.0029", {}, permanent, permanent, false, false},
    {400, "CPS.0030", {}, permanent, permanent, false, false},
    {400, "CPS.0031", {}, permanent, permanent, false, false},
    {400, "CPS.0046", {}, permanent, permanent, false, false},
    {400, "CPS.0060", {}, permanent, permanent, false, false},
    {400, "CPS.0089", {}, permanent, permanent, false, false},
    {400, "CPS.0257", {}, permanent, permanent, false, false},
    {400, "CPS.0042", {}, retryable, retryable, false, false},
    {400, "CPS.0061", {}, ambiguous, retryable, false, false},
    {403, "CPS.0001", {}, permanent, permanent, true, false},
    {401, "APIGW.0301", {}, permanent, permanent, true, false},
    {404, "APIGW.0101", {}, permanent, permanent, true, false},
    {404, "APIG.0101", {}, permanent, permanent, true, false},
    {400, "APIGW.0201", {}, permanent, permanent, false, false},
    {413, "APIGW.0201", {}, permanent, permanent, false, false},
    {429, "APIGW.0308", {}, retryable, retryable, false, true},
    {429, "APIG.0308", {}, retryable, retryable, false, true},
    {500, "CPS.0005", {}, ambiguous, retryable, false, false},
    {502, "", {}, ambiguous, retryable, false, false},
    {503, "APIGW.0202", {}, ambiguous, retryable, false, false},
    {504, "", {}, ambiguous, retryable, false, false},
    // Nothing was sent: resolve, connect, proxy and TLS failures.
    {0, "", fault(transport_step::resolve, false), retryable, retryable, false, false},
    {0, "", fault(transport_step::connect, false), retryable, retryable, false, false},
    {0, "", fault(transport_step::proxy, false), retryable, retryable, false, false},
    {0, "", fault(transport_step::tls, false), retryable, retryable, false, false},
    // A request not completely written cannot be acted on.
    {0, "", fault(transport_step::write, false), retryable, retryable, false, false},
    {0, "", fault(transport_step::timeout, false), retryable, retryable, false, false},
    // Once written: a reset, an early close, garbage or silence may follow a committed order.
    {0, "", fault(transport_step::read, true), ambiguous, retryable, false, false},
    {0, "", fault(transport_step::timeout, true), ambiguous, retryable, false, false},
    // An answer that came but could not be read (a 200 without an order_id) is a read failure.
    {200, "", fault(transport_step::read, true), ambiguous, retryable, false, false},
    // Not in the table: an unknown 4xx is permanent (quota and balance codes are not published),
    // a 404 that is not the gateway's "no such API" does not stop the run, 5xx wins over any code,
    // and a 429 without the gateway's code is still the gateway's throttling.
    {400, "CPS.9999", {}, permanent, permanent, false, false},
    {409, "", {}, permanent, permanent, false, false},
    {404, "CPS.0002", {}, permanent, permanent, false, false},
    {503, "CPS.0042", {}, ambiguous, retryable, false, false},
    {429, "", {}, retryable, retryable, false, true},
    // Statuses the table does not name, after the request was written: nothing proves the order was
    // not taken, so a purchase is ambiguous, whatever code the body carries.
    {100, "", {}, ambiguous, retryable, false, false},
    {101, "", {}, ambiguous, retryable, false, false},
    {201, "", {}, ambiguous, retryable, false, false},
    {202, "", {}, ambiguous, retryable, false, false},
    {204, "", {}, ambiguous, retryable, false, false},
    {299, "", {}, ambiguous, retryable, false, false},
    {301, "", {}, ambiguous, retryable, false, false},
    {302, "", {}, ambiguous, retryable, false, false},
    {303, "", {}, ambiguous, retryable, false, false},
    {304, "", {}, ambiguous, retryable, false, false},
    {307, "", {}, ambiguous, retryable, false, false},
    {308, "", {}, ambiguous, retryable, false, false},
    {302, "CPS.0024", {}, ambiguous, retryable, false, false},
    {302, "CPS.0042", {}, ambiguous, retryable, false, false},
    {600, "", {}, ambiguous, retryable, false, false},
    {999, "", {}, ambiguous, retryable, false, false},
};

TEST(outcome_test, every_row_of_the_error_table_classifies_as_specified) {
  for (const auto& r : table) {
    call_report report;
    report.http_status = r.status;
    report.error_code = r.code;
    report.transport = r.transport;
    const std::string where = fmt::format("status {} code {} transport {}", r.status, r.code,
                                          r.transport ? r.transport->message : "none");
    auto p = classify(report, call_kind::purchase);
    EXPECT_EQ(to_string(p.cls), to_string(r.purchase)) << where;
    EXPECT_EQ(p.stop_run, r.stop_run) << where;
    EXPECT_EQ(p.throttled, r.throttled) << where;
    auto rd = classify(report, call_kind::read);
    EXPECT_EQ(to_string(rd.cls), to_string(r.read)) << where << " (read)";
    EXPECT_EQ(rd.stop_run, r.stop_run) << where << " (read)";
  }
}

TEST(outcome_test, a_read_is_never_ambiguous) {
  for (const auto& r : table) {
    call_report report{r.status, r.code, {}, r.transport, {}};
    EXPECT_NE(classify(report, call_kind::read).cls, outcome_class::ambiguous) << r.status << " " << r.code;
  }
}

TEST(outcome_test, only_a_4xx_answer_to_a_purchase_is_ever_permanent) {
  // A permanent purchase is recorded `failed`, and a failed chunk is bought again by the next run:
  // only the service's own refusal (a 4xx) proves nothing was bought.
  for (int status = 100; status <= 999; ++status) {
    call_report report;
    report.http_status = status;
    const auto cls = classify(report, call_kind::purchase).cls;
    if (status / 100 == 4) continue;
    if (status == 200) {
      EXPECT_EQ(to_string(cls), "ordered");
    } else {
      EXPECT_EQ(to_string(cls), "ambiguous") << status;
    }
  }
}

TEST(outcome_test, an_empty_report_is_taken_as_the_worst_case) {
  EXPECT_EQ(classify(call_report{}, call_kind::purchase).cls, outcome_class::ambiguous);
}

TEST(outcome_test, throttling_carries_the_gateway_limit_and_retry_after) {
  call_report report;
  report.http_status = 429;
  report.error_code = "APIGW.0308";
  report.error_msg =
      "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second";
  report.retry_after_s = 3;
  auto o = classify(report, call_kind::purchase);
  EXPECT_TRUE(o.throttled);
  EXPECT_EQ(o.throttle_limit, 10);
  EXPECT_EQ(o.throttle_window_s, 1);
  EXPECT_EQ(o.retry_after_s, 3);
}

TEST(outcome_test, throttle_message_reads_minutes_and_tolerates_missing_parts) {
  auto per_minute = parse_throttle_message("policy app over ratelimit,limit:600,time:1 minute");
  EXPECT_EQ(per_minute.limit, 600);
  EXPECT_EQ(per_minute.window_s, 60);
  auto bare = parse_throttle_message("Too Many Requests");
  EXPECT_FALSE(bare.limit);
  EXPECT_FALSE(bare.window_s);
  auto no_number = parse_throttle_message("limit:x");
  EXPECT_FALSE(no_number.limit);
}

TEST(outcome_test, a_throttle_window_too_long_for_64_bits_of_seconds_is_no_hint) {
  // Found by tests/fuzz/answer_fuzz.cpp: the hours were multiplied into seconds past INT64_MAX.
  auto hours = parse_throttle_message("limit:10,time:333333333333333331 hour");
  EXPECT_EQ(hours.limit, 10);
  EXPECT_FALSE(hours.window_s);
  EXPECT_FALSE(parse_throttle_message("time:-153722867280912931 minute").window_s);
  // The largest that fit are still read.
  EXPECT_EQ(parse_throttle_message("time:2562047788015215 hour").window_s, 2562047788015215 * 3600);
  EXPECT_EQ(parse_throttle_message("time:-153722867280912930 minute").window_s, -153722867280912930 * 60);
  EXPECT_EQ(parse_throttle_message("time:9223372036854775807 second").window_s, INT64_MAX);
}

TEST(outcome_test, retry_after_reads_delay_seconds_as_digits_only) {
  EXPECT_EQ(parse_retry_after("5"), 5);
  EXPECT_EQ(parse_retry_after(" 120 "), 120);
  EXPECT_EQ(parse_retry_after("\t0"), 0);
  EXPECT_EQ(parse_retry_after("007"), 7);
  EXPECT_EQ(parse_retry_after("86400"), 86400);
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after(""));
  for (const char* garbage : {"+5", "5.0", "5s", "0x10", "1e3", "5 5", "five", " ", "\xEF\xBC\x95", "5,6"}) {
    EXPECT_FALSE(parse_retry_after(garbage)) << garbage;
  }
}

TEST(outcome_test, a_huge_retry_after_is_capped_not_overflowed) {
  for (const char* huge : {"86401", "999999", "1000000", "9223372036854775807", "9223372036854775808",
                           "99999999999999999999999999999999999999"}) {
    EXPECT_EQ(parse_retry_after(huge), k_retry_after_cap_s) << huge;
  }
  // As the scheduler uses it: the cap in milliseconds is far inside the range.
  EXPECT_EQ(
      std::chrono::milliseconds(std::chrono::seconds(*parse_retry_after("99999999999999999999"))).count(),
      k_retry_after_cap_s * 1000);
}

TEST(outcome_test, retry_after_reads_an_http_date_against_now) {
  constexpr std::int64_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);  // already past
  EXPECT_EQ(parse_retry_after("Thu, 22 Oct 2015 07:28:00 GMT", now), 86400);
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), k_retry_after_cap_s);
  // The obsolete forms HTTP still has recipients read.
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:05 2015", now), 5);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 0);
  // A clock far off either way still gives a value in range.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", std::numeric_limits<std::int64_t>::min()),
            k_retry_after_cap_s);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", std::numeric_limits<std::int64_t>::max()), 0);
  for (const char* bad :
       {"Wed, 21 Oct 2015 07:28:30 UTC", "Wed, 21 Oct 2015 07:28:30 +0000", "Wed, 31 Feb 2015 07:28:30 GMT",
        "Wed, 21 Foo 2015 07:28:30 GMT", "Wed, 21 Oct 2015 24:00:00 GMT", "Wed, 21 Oct 15 07:28:30 GMT",
        "Xyz, 21 Oct 2015 07:28:30 GMT", "Wed, 1 Oct 2015 07:28:30 GMT", "Wed 21 Oct 2015 07:28:30 GMT",
        "2015-10-21T07:28:30Z", "Wed, 21 Oct 2015 7:28:30 GMT", "Wed, 21 Oct 2015 07:28:30 GMT junk"}) {
    EXPECT_FALSE(parse_retry_after(bad, now)) << bad;
  }
}

}  // namespace
}  // namespace cphfleet

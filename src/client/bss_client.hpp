// The billing service (BSS) as typed calls (docs/service.md "Billing"): signed like the CPH calls, but
// account-scoped (X-Domain-Id instead of X-Project-Id, no project in the paths), with a read bucket of
// its own (BSS throttles each API at about 10 calls/s per account) and the retry rules of reads.
// It implements the bss_api seam (send/bss_api.hpp).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "api/bss.hpp"
#include "base/backoff.hpp"
#include "base/token_bucket.hpp"
#include "client/cph_client.hpp"
#include "client/https_client.hpp"
#include "input/credentials.hpp"
#include "send/bss_api.hpp"

namespace cphfleet {

struct bss_client_options {
  double reads_per_second = 10;  // this client's own bucket, for every call it makes
  double burst = 10;
  int attempts = 3;  // per read (and per page), when the answer is retryable
  backoff_policy backoff{500, 30000};
};

// ListCustomerOrders' query for one page of an order_query: create_time_begin/end, status,
// service_type_code, limit, offset, oldest first.
bss_list_query to_list_query(const order_query& q, std::int64_t offset, std::int64_t limit);

// An answer's error as the client reports it: 403 CBC.0150 (an account of another site) gets a message
// that says so and what to set.
void explain_bss_error(call_report& report);

struct order_page_call {
  call_report report;
  std::optional<bss_order_page> page;  // on 200
};
struct rate_call {
  call_report report;
  std::optional<rate_answer> answer;  // on 200
};
struct resources_call {
  call_report report;
  std::vector<order_resource> resources;  // every page, on 200
};

class bss_client final : public bss_api {
 public:
  using unix_clock = std::function<std::int64_t()>;  // seconds, for X-Sdk-Date
  // `http` (to the billing host) must outlive the client. `domain_id` is sent as X-Domain-Id (none
  // when empty: the embedded emulator). `creds.type == none` sends no auth headers.
  bss_client(https_client& http, credentials creds, std::string domain_id, bss_client_options options = {},
             unix_clock now = cph_client::system_unix_seconds);

  // As cph_client's: runs before each signed request and may replace temporary keys.
  void set_credentials_hook(cph_client::credentials_hook hook) { hook_ = std::move(hook); }

  // Every page (limit 100, oldest first) of the orders the query matches, each order once. A page
  // that fails after its attempts fails the whole call (no partial list).
  net::awaitable<orders_call> list_orders(order_query query,
                                          std::chrono::steady_clock::time_point deadline) override;
  // ShowCustomerOrderDetails, retried as a read.
  net::awaitable<order_detail_call> order_detail(std::string order_id,
                                                 std::chrono::steady_clock::time_point deadline) override;
  // CancelCustomerOrder, sent once: a change, not a read (a caller that lost the answer reads the
  // order's state instead of sending it again).
  net::awaitable<call_report> cancel_order(std::string order_id,
                                           std::chrono::steady_clock::time_point deadline) override;
  // ListRateOnPeriodDetail: a price inquiry changes nothing, so it is retried as a read.
  net::awaitable<rate_call> price(rate_request request, std::chrono::steady_clock::time_point deadline);
  // The main resources of an order (every page), retried as a read.
  net::awaitable<resources_call> order_resources(std::string order_id,
                                                 std::chrono::steady_clock::time_point deadline);
  // PayOrders, sent once: it spends money. A caller that lost the answer reads the order's state; a
  // pay repeated while the payment is under way is answered CBC.99000088 (k_payment_under_way).
  net::awaitable<call_report> pay_order(std::string order_id, std::chrono::steady_clock::time_point deadline);
  // One page as asked, one attempt.
  net::awaitable<order_page_call> list_page(bss_list_query query,
                                            std::chrono::steady_clock::time_point deadline);

  const std::string& domain_id() const { return domain_id_; }
  std::int64_t requests_sent() const { return requests_; }

 private:
  struct answer {
    call_report report;
    std::string body;  // a 2xx answer's
    bool ok() const { return !report.transport && report.http_status / 100 == 2; }
  };
  net::awaitable<answer> call(http::verb method, std::string path, std::string query, std::string body,
                              std::chrono::steady_clock::time_point deadline);
  // `call` again while the answer is retryable as a read, up to options_.attempts.
  net::awaitable<answer> read(http::verb method, std::string path, std::string query, std::string body,
                              std::chrono::steady_clock::time_point deadline);
  net::awaitable<void> take_token();

  https_client& http_;
  credentials creds_;
  std::string domain_id_;
  bss_client_options options_;
  unix_clock now_;
  cph_client::credentials_hook hook_;
  token_bucket bucket_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::int64_t requests_ = 0;
};

}  // namespace cphfleet

// The seam between the scheduler (and the billing commands) and the billing service: the calls that read
// and change orders. The real one is the signed HTTPS client (client/bss_client); it is an interface so
// the scheduler's two-witness reconciliation is tested alone (tests/support/scripted_bss_api.hpp).
#pragma once
#include "api/bss.hpp"
#include "base/net.hpp"
#include "client/outcome.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet {

// ListCustomerOrders' filters; unset: not sent.
struct order_query {
  std::optional<std::int64_t> create_begin_s;  // Unix seconds, sent as UTC yyyy-MM-ddTHH:mm:ssZ
  std::optional<std::int64_t> create_end_s;
  std::optional<int> status;      // order_status
  std::string service_type_code;  // empty: every service
};

struct orders_call {
  call_report report;
  std::vector<bss_order> orders;  // every page, when answered
};

struct order_detail_call {
  call_report report;
  std::optional<bss_order_detail> detail;  // on 200
};

class bss_api {
 public:
  virtual ~bss_api() = default;
  // Every order the query matches (all pages).
  virtual net::awaitable<orders_call> list_orders(order_query query,
                                                  std::chrono::steady_clock::time_point deadline) = 0;
  virtual net::awaitable<order_detail_call> order_detail(std::string order_id,
                                                         std::chrono::steady_clock::time_point deadline) = 0;
  // CancelCustomerOrder: pending orders only.
  virtual net::awaitable<call_report> cancel_order(std::string order_id,
                                                   std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace cphfleet

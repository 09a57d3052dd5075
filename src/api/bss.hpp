// The billing service (BSS) as the official SDK's huaweicloud-sdk-bss models describe it (docs/service.md
// "Billing"): customer orders, their line items and states. The CPH purchase's order_id is a BSS order id.
// Amounts are decimals kept as the service wrote them (text), never binary floating point.
// The emulator writes these shapes and the client reads them, through the same functions (src/api/bss.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet {

// A customer order's status, as the SDK's enum.
namespace order_status {
inline constexpr int pending_approval = 1;
inline constexpr int pending_refund = 2;
inline constexpr int processing = 3;
inline constexpr int cancelled = 4;
inline constexpr int completed = 5;
inline constexpr int pending_payment = 6;
}  // namespace order_status

// One order of ListCustomerOrders (the fields cphfleet uses; the reader ignores the others).
struct bss_order {
  std::string order_id;
  std::string service_type_code;  // "hws.service.type.cph" for cloud phones
  int status = 0;                 // order_status
  int order_type = 0;
  std::string official_amount;        // list price, decimal text
  std::string amount_after_discount;  // decimal text
  std::string currency;               // CNY, USD, EUR
  std::string create_time;            // UTC "yyyy-MM-ddTHH:mm:ssZ"
  std::string payment_time;           // empty while unpaid
};

// One line item of ShowCustomerOrderDetails.
struct bss_order_line {
  std::string order_line_item_id;
  std::string service_type_code;
  std::string product_id;
  std::string product_spec_desc;
  int period_type = 0;  // 2 month, 3 year (as the purchase's extend_param.period_type)
  std::int64_t period_num = 0;
  std::int64_t subscription_num = 0;  // how many of the product
  std::string official_amount;
  std::string currency;
};

struct bss_order_detail {
  bss_order order;
  std::vector<bss_order_line> lines;
};

}  // namespace cphfleet

// The emulated billing service (BSS, docs/service.md "Billing"): every purchase the emulator takes
// becomes a customer order at once (pending payment until paid when is_auto_pay = 0, else completed),
// priced from a table per server flavor and period, and the three BSS calls cphfleet makes
// (ListCustomerOrders, ShowCustomerOrderDetails, CancelCustomerOrder) are answered from it, on the same
// port as CPH. Pure logic on a clock the caller passes, like state.hpp.
#pragma once
#include "api/bss.hpp"
#include "base/token_bucket.hpp"
#include "emulator/answer.hpp"
#include "emulator/state.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cphfleet {

// The list price of one server of a flavor for one month and for one year (decimal text).
struct billing_price {
  std::string server_model_name;  // "*": any flavor the table does not name
  std::string per_month;
  std::string per_year;
};
// The emulator's own prices for the built-in catalog's flavors (invented; CNY).
std::vector<billing_price> builtin_prices();
inline constexpr std::string_view k_emulator_currency = "CNY";

// `price` times `factor`, exactly, as decimal text with the price's fraction digits ("12.50" x 3 is
// "37.50"). Throws std::invalid_argument when `price` is not a plain decimal (digits, one optional
// point).
std::string multiply_decimal(std::string_view price, std::int64_t factor);

// How an order is billed: what BSS shows of it.
struct billing_record {
  bss_order order;
  bss_order_line line;
  std::int64_t created_ms = 0;
};

enum class cancel_result { cancelled, no_such_order, not_pending };

class billing {
 public:
  explicit billing(std::vector<billing_price> prices = builtin_prices(), double rate_limit = 0);

  // The order `o` just taken, priced for its flavor, period and count: status 5 with auto-pay (paid
  // now), else 6.
  const billing_record& record(const emulator_order& o, const purchase_request& request, std::int64_t now_ms);
  // An order paid now (status 5, payment_time); false when there is none pending payment.
  bool pay(std::string_view order_id, std::int64_t now_ms);
  cancel_result cancel(std::string_view order_id);
  const billing_record* find(std::string_view order_id) const;
  void reset();

  // True for the paths of the BSS calls.
  static bool serves(std::string_view path);
  // The answer to a BSS call (after the gateway's auth check). `domain_id` non-empty: the request
  // must carry X-Domain-Id equal to it.
  answer handle(const http::request<http::string_body>& req, std::string_view path, std::string_view query,
                const std::string& domain_id, const std::string& rid);

 private:
  const billing_price& price_of(std::string_view server_model_name) const;
  answer list(std::string_view query, const std::string& rid);
  answer detail(std::string_view order_id, const std::string& rid);
  answer cancel_answer(std::string_view body, const std::string& rid);

  std::vector<billing_price> prices_;
  double rate_limit_;
  std::array<token_bucket, 3> buckets_;  // per API, as the gateway throttles them
  std::vector<billing_record> records_;  // in order of creation
  std::unordered_map<std::string, std::size_t> by_id_;
};

}  // namespace cphfleet

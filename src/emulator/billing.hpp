// The emulated billing service (BSS, docs/service.md "Billing"): every purchase the emulator takes
// becomes a customer order at once (pending payment until paid when is_auto_pay = 0, else completed),
// priced from a table per server flavor and period, and the BSS calls cphfleet makes are answered from
// it, on the same port as CPH: ListCustomerOrders, ShowCustomerOrderDetails, CancelCustomerOrder,
// PayOrders, the resources of an order and ListRateOnPeriodDetail (the price inquiry). Pure logic on a
// clock the caller passes, like state.hpp; a payment takes `pay_ms` (processing, 3) and the caller
// completes what is due (due_payments, complete), since the servers live in the state.
#pragma once
#include "api/bss.hpp"
#include "base/decimal.hpp"
#include "base/token_bucket.hpp"
#include "emulator/answer.hpp"
#include "emulator/faults.hpp"
#include "emulator/state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cphfleet {

// The list price of one server of a flavor for one month and for one year.
struct billing_price {
  std::string server_model_name;  // "*": any flavor the table does not name
  decimal per_month;
  decimal per_year;
};
// The emulator's own prices for the built-in catalog's flavors (invented; CNY).
std::vector<billing_price> builtin_prices();
inline constexpr std::string_view k_emulator_currency = "CNY";

// The codes a price inquiry names a product by. Huawei does not publish CPH's, so these are the
// emulator's invention, one set per server flavor: cloud_service_type "hws.service.type.cph",
// resource_type "hws.resource.type.cph.server", resource_spec "<server_model_name>.cph"
// ("physical.rx1.xlarge.cph"). The resources of an order carry the same (service_type_code,
// resource_type_code, resource_spec_code), as a real order's do.
struct billing_codes {
  std::string cloud_service_type;
  std::string resource_type;
  std::string resource_spec;
};
inline constexpr std::string_view k_emulator_resource_type = "hws.resource.type.cph.server";
billing_codes billing_codes_for(std::string_view server_model_name);

// How an order is billed: what BSS shows of it.
struct billing_record {
  bss_order order;
  bss_order_line line;
  std::string server_model_name;
  std::int64_t created_ms = 0;
  std::int64_t pay_due_ms = 0;  // processing (3): the payment completes then
  // Payments taken: auto-pay at purchase, the admin pay, each PayOrders that started one. More than one
  // would be a double payment.
  int pay_count = 0;
};

enum class cancel_result { cancelled, no_such_order, not_pending };
enum class pay_result { started, no_such_order, under_way, not_pending };

class billing {
 public:
  explicit billing(std::vector<billing_price> prices = builtin_prices(), double rate_limit = 0,
                   std::int64_t pay_ms = 0);

  // The list price of `count` servers of a flavor for `period_num` months (period_type 2) or years
  // (3), exactly.
  decimal amount_of(std::string_view server_model_name, int period_type, std::int64_t period_num,
                    std::int64_t count) const;

  // The order `o` just taken, priced for its flavor, period and count: status 5 with auto-pay (paid
  // now), else 6.
  const billing_record& record(const emulator_order& o, const purchase_request& request, std::int64_t now_ms);
  // An order paid now (status 5, payment_time); false when there is none pending payment.
  bool pay(std::string_view order_id, std::int64_t now_ms);
  // PayOrders: an order pending payment starts processing (3) until now + pay_ms; a second pay while
  // it does is `under_way`, and any other state `not_pending`.
  pay_result start_payment(std::string_view order_id, std::int64_t now_ms);
  // The orders processing whose payment is due at `now_ms`, oldest first, with the time each was due.
  std::vector<std::pair<std::string, std::int64_t>> due_payments(std::int64_t now_ms) const;
  // Completes a processing order's payment (status 5, payment_time `at_ms`).
  void complete(std::string_view order_id, std::int64_t at_ms);
  cancel_result cancel(std::string_view order_id);
  const billing_record* find(std::string_view order_id) const;
  void reset();

  // True for the paths of the BSS calls.
  static bool serves(std::string_view path);
  // True for a PayOrders call: what the fault plan's pay draws count.
  static bool is_pay(http::verb method, std::string_view path);
  // The answer to a BSS call (after the gateway's auth check). `domain_id` non-empty: the request
  // must carry X-Domain-Id equal to it. `state` holds the orders' servers and the catalog (the flavors
  // a price inquiry may name); a PayOrders call past the throttle draws from `faults` (pay_drop: the
  // payment is taken and the answer dropped).
  answer handle(const http::request<http::string_body>& req, std::string_view path, std::string_view query,
                const std::string& domain_id, const std::string& rid, const emulator_state& state,
                fault_plan& faults);

 private:
  const billing_price& price_of(std::string_view server_model_name) const;
  billing_record* find_record(std::string_view order_id);
  answer list(std::string_view query, const std::string& rid);
  answer detail(std::string_view order_id, const std::string& rid);
  answer cancel_answer(std::string_view body, const std::string& rid);
  answer pay_answer(std::string_view body, const std::string& rid, fault_plan& faults);
  answer resources_answer(std::string_view body, const std::string& rid, const emulator_state& state);
  answer rate_answer_of(std::string_view body, const std::string& rid, const emulator_state& state);

  std::vector<billing_price> prices_;
  double rate_limit_;
  std::int64_t pay_ms_;
  std::vector<token_bucket> buckets_;    // per API, as the gateway throttles them
  std::vector<billing_record> records_;  // in order of creation
  std::unordered_map<std::string, std::size_t> by_id_;
  std::vector<std::size_t> processing_;  // records whose payment is under way, oldest first
};

}  // namespace cphfleet

// Settling a chunk whose purchase may or may not have been taken (README "Sending"): what the service's
// two witnesses say about it. The server list shows the chunk's servers by name, minutes after the order;
// the billing service shows the order itself at once, paid or not, but by its size and period only.
// Pure: the caller does the reading and the recording.
#pragma once
#include "api/bss.hpp"
#include "api/reads.hpp"
#include "ledger/row.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

// How far before a chunk's `sending` row the service's own times may lie and still be this chunk's: the
// service stamps servers and orders by its clock, the ledger by ours. Both reads start this long before
// the send; a bound too late would hide the chunk's own servers or order and buy it again, one too early
// only reads more.
inline constexpr std::chrono::seconds clock_skew_margin{15 * 60};

// The service type of cloud phone orders in the billing service.
inline constexpr std::string_view cph_service_type = "hws.service.type.cph";

// The first time (Unix seconds) a read for a chunk sent at `sending_ms` asks about; nullopt (read
// everything) when the send's time is not known.
std::optional<std::int64_t> window_start_s(std::optional<std::int64_t> sending_ms);

struct reconcile_decision {
  chunk_status status = chunk_status::unknown;  // ordered, retrying or unknown
  std::string order_id;                         // ordered: the order its servers (or billing) show
  std::string product_id;
  std::vector<std::string> server_ids;        // ordered from the list: the servers of that order
  std::vector<std::string> extra_orders;      // more than one order under the chunk's name: duplicates
  std::vector<std::string> candidate_orders;  // unknown from billing: the orders that could be the chunk's
  std::string reason;                         // for the log and the ledger's error_msg
};

// `servers` is what a list by the chunk's name returned (a substring match: this function keeps the
// exact names `<chunk>` and `<chunk>-<digits>`). Found → ordered with the oldest order's id. None found:
// with auto-pay the service would have created them by now (the caller waited the settle window, and
// believes it only from two reads a window apart), so nothing was bought → retrying; without auto-pay
// an unpaid order leaves no servers, so it stays unknown.
reconcile_decision decide(std::string_view chunk, bool auto_pay, const std::vector<server_info>& servers);

// What a chunk asked for, from its recorded request body: what an order must show to be its.
struct chunk_ask {
  std::string chunk;
  std::int64_t count = 0;
  std::int64_t period_type = 0;
  std::int64_t period_num = 0;
  bool auto_pay = false;
  std::optional<std::int64_t> sending_ms;  // its latest `sending` row
};
// nullopt when the body does not parse (then no order can be matched to it).
std::optional<chunk_ask> ask_of(std::string chunk, std::string_view body,
                                std::optional<std::int64_t> sending_ms);

// One order of the billing window that no chunk of the ledger holds, with its details when they could
// be read.
struct order_evidence {
  bss_order order;
  std::optional<bss_order_detail> detail;
};

// matches: a line item of the chunk's size and period, created in its window, not cancelled.
// ruled_out: it cannot be the chunk's (cancelled, another service, created before the window, or read
// in full and no line fits). undetermined: it could be (its details could not be read, or show no line).
enum class order_fit { matches, ruled_out, undetermined };
order_fit fit(const chunk_ask& chunk, const order_evidence& order);

// Both witnesses together. `servers` as for decide(); `orders` the billing window's orders no chunk of
// the ledger holds; `others` every other chunk left sending or unknown (rivals for an order).
// - Servers named after the chunk: ordered, as decide() says (the list names the chunk; billing cannot).
// - No server, and no order that could be the chunk's: nothing was bought → retrying, paid or not (an
//   order shows in billing as soon as the purchase is taken, unpaid ones too).
// - Exactly one matching order, none undetermined, and no other unresolved chunk that could claim it:
//   ordered with that order's id.
// - Otherwise unknown, naming the orders that could be the chunk's: never re-sent.
reconcile_decision decide_with_billing(const chunk_ask& chunk, const std::vector<server_info>& servers,
                                       const std::vector<order_evidence>& orders,
                                       const std::vector<chunk_ask>& others);

}  // namespace cphfleet

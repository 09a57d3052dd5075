// Settling a chunk whose purchase may or may not have been taken (README "Sending"):
// what the service's server list says about it. Pure: the caller does the reading and the recording.
#pragma once
#include "api/reads.hpp"
#include "ledger/row.hpp"

#include <string>
#include <vector>

namespace cphfleet {

struct reconcile_decision {
  chunk_status status = chunk_status::unknown;  // ordered, retrying or unknown
  std::string order_id;                         // ordered: the order its servers carry
  std::string product_id;
  std::vector<std::string> server_ids;    // ordered: the servers of that order
  std::vector<std::string> extra_orders;  // more than one order under the chunk's name: duplicates
  std::string reason;                     // for the log and the ledger's error_msg
};

// `servers` is what a list by the chunk's name returned (a substring match: this function keeps the
// exact names `<chunk>` and `<chunk>-<digits>`). Found → ordered with the oldest order's id. None found:
// with auto-pay the service would have created them by now (the caller waited the settle window, and
// believes it only from two reads a window apart), so nothing was bought → retrying; without auto-pay
// an unpaid order leaves no servers, so it stays unknown.
reconcile_decision decide(std::string_view chunk, bool auto_pay, const std::vector<server_info>& servers);

}  // namespace cphfleet

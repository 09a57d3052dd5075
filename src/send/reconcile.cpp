#include "send/reconcile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace cphfleet {

reconcile_decision decide(std::string_view chunk, bool auto_pay, const std::vector<server_info>& servers) {
  struct order_servers {
    std::string first_created;
    std::string product_id;
    std::vector<std::string> ids;
  };
  std::map<std::string, order_servers> orders;
  for (const auto& s : servers) {
    if (!server_belongs_to_chunk(s.server_name, chunk)) continue;
    auto& o = orders[s.order_id];
    if (o.ids.empty() || s.create_time < o.first_created) o.first_created = s.create_time;
    if (o.product_id.empty()) o.product_id = s.product_id;
    o.ids.push_back(s.server_id);
  }
  reconcile_decision d;
  if (orders.empty()) {
    if (auto_pay) {
      d.status = chunk_status::retrying;
      d.reason = "no server carries the chunk's name after the settle window: nothing was bought";
    } else {
      d.status = chunk_status::unknown;
      d.reason =
          "no server carries the chunk's name, but without auto-pay an unpaid order shows none: "
          "check the account's orders";
    }
    return d;
  }
  // The oldest order is the chunk's; any other is a duplicate for `audit` to show.
  auto oldest = std::min_element(orders.begin(), orders.end(), [](const auto& a, const auto& b) {
    return a.second.first_created < b.second.first_created ||
           (a.second.first_created == b.second.first_created && a.first < b.first);
  });
  d.status = chunk_status::ordered;
  d.order_id = oldest->first;
  d.product_id = oldest->second.product_id;
  d.server_ids = oldest->second.ids;
  std::sort(d.server_ids.begin(), d.server_ids.end());
  for (const auto& [id, o] : orders)
    if (id != d.order_id) d.extra_orders.push_back(id);
  d.reason = d.extra_orders.empty()
                 ? fmt::format("found {} servers of order {}", d.server_ids.size(), d.order_id)
                 : fmt::format("found {} servers of order {}; {} more orders under the same name",
                               d.server_ids.size(), d.order_id, d.extra_orders.size());
  return d;
}

}  // namespace cphfleet

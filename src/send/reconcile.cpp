#include "send/reconcile.hpp"

#include "api/purchase_body.hpp"
#include "base/time_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace cphfleet {

std::optional<std::int64_t> window_start_s(std::optional<std::int64_t> sending_ms) {
  if (!sending_ms) return std::nullopt;
  // Floored to the second: the service's times have no fraction, and the start is inclusive.
  std::int64_t s = *sending_ms >= 0 ? *sending_ms / 1000 : (*sending_ms - 999) / 1000;
  return s - clock_skew_margin.count();
}

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

std::optional<chunk_ask> ask_of(std::string chunk, std::string_view body,
                                std::optional<std::int64_t> sending_ms) {
  parsed_purchase p = parse_purchase(body);
  if (!p.errors.empty()) return std::nullopt;
  chunk_ask a;
  a.chunk = std::move(chunk);
  a.count = p.request.count;
  a.period_type = p.request.extend_param.period_type;
  a.period_num = p.request.extend_param.period_num;
  a.auto_pay = p.request.extend_param.auto_pay();
  a.sending_ms = sending_ms;
  return a;
}

order_fit fit(const chunk_ask& chunk, const order_evidence& evidence) {
  const bss_order& o = evidence.order;
  if (o.status == order_status::cancelled) return order_fit::ruled_out;  // it bought nothing
  if (!o.service_type_code.empty() && o.service_type_code != cph_service_type) return order_fit::ruled_out;
  if (auto start = window_start_s(chunk.sending_ms)) {
    auto created = parse_utc_rfc3339(o.create_time);
    if (created && std::chrono::floor<std::chrono::seconds>(created->time_since_epoch()).count() < *start)
      return order_fit::ruled_out;
  }
  if (!evidence.detail || evidence.detail->lines.empty()) return order_fit::undetermined;
  for (const bss_order_line& line : evidence.detail->lines) {
    if (line.subscription_num == chunk.count && line.period_type == chunk.period_type &&
        line.period_num == chunk.period_num)
      return order_fit::matches;
  }
  return order_fit::ruled_out;
}

reconcile_decision decide_with_billing(const chunk_ask& chunk, const std::vector<server_info>& servers,
                                       const std::vector<order_evidence>& orders,
                                       const std::vector<chunk_ask>& others) {
  reconcile_decision d = decide(chunk.chunk, chunk.auto_pay, servers);
  if (d.status == chunk_status::ordered) return d;
  const order_evidence* match = nullptr;
  std::int64_t matching = 0;
  for (const order_evidence& o : orders) {
    order_fit f = fit(chunk, o);
    if (f == order_fit::ruled_out) continue;
    d.candidate_orders.push_back(o.order.order_id);
    if (f == order_fit::matches) {
      ++matching;
      match = &o;
    }
  }
  std::sort(d.candidate_orders.begin(), d.candidate_orders.end());
  if (d.candidate_orders.empty()) {
    d.status = chunk_status::retrying;
    d.reason =
        "billing shows no order that could be the chunk's and no server carries its name: nothing was bought";
    return d;
  }
  d.status = chunk_status::unknown;
  if (matching == 1 && d.candidate_orders.size() == 1) {
    std::vector<std::string> rivals;
    for (const chunk_ask& other : others)
      if (other.chunk != chunk.chunk && fit(other, *match) == order_fit::matches)
        rivals.push_back(other.chunk);
    std::sort(rivals.begin(), rivals.end());
    if (rivals.empty()) {
      d.status = chunk_status::ordered;
      d.order_id = match->order.order_id;
      d.candidate_orders.clear();
      d.reason = fmt::format(
          "billing: order {} (status {}) is the only order since the send that fits the chunk's count and "
          "period, and no other unresolved chunk fits it; no server shows yet",
          d.order_id, match->order.status);
      return d;
    }
    d.reason = fmt::format(
        "billing: order {} fits the chunk, but also unresolved chunk(s) {}: settle it with "
        "`cphfleet reconcile --adopt-order {}=ORDER_ID`",
        match->order.order_id, fmt::join(rivals, ", "), chunk.chunk);
    return d;
  }
  d.reason = fmt::format(
      "billing: orders that could be the chunk's: {} ({} fitting its count and period, the others unread): "
      "settle it with `cphfleet reconcile --adopt-order {}=ORDER_ID`",
      fmt::join(d.candidate_orders, ", "), matching, chunk.chunk);
  return d;
}

}  // namespace cphfleet

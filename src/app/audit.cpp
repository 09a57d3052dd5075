#include "app/audit.hpp"

#include "base/time_text.hpp"

#include <fmt/format.h>

#include <map>

namespace cphfleet {
namespace {
bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}
}  // namespace

std::optional<std::string> chunk_of_server(std::string_view fleet, std::string_view name) {
  if (name.size() <= fleet.size() + 1 || name.substr(0, fleet.size()) != fleet || name[fleet.size()] != '-')
    return std::nullopt;
  std::string_view rest = name.substr(fleet.size() + 1);
  auto dash = rest.find('-');
  std::string_view index = rest.substr(0, dash);
  if (!all_digits(index)) return std::nullopt;
  if (dash != std::string_view::npos && !all_digits(rest.substr(dash + 1))) return std::nullopt;
  return std::string(name.substr(0, fleet.size() + 1 + index.size()));
}

fleet_audit audit_fleet(std::string_view fleet, const ledger_index& index,
                        const std::vector<server_info>& servers, std::chrono::system_clock::time_point now,
                        std::chrono::seconds settle) {
  fleet_audit a;
  a.fleet = std::string(fleet);
  // chunk -> order -> server ids, for the servers that are the fleet's
  std::map<std::string, std::map<std::string, std::vector<std::string>>> found;
  for (const auto& s : servers) {
    auto chunk = chunk_of_server(fleet, s.server_name);
    if (!chunk) continue;
    found[*chunk][s.order_id].push_back(s.server_id);
    ++a.account_servers;
  }
  for (const ledger_row* row : index.chunks_of(fleet)) {
    if (row->status != chunk_status::ordered) continue;
    a.ledger_servers += row->count;
    auto it = found.find(row->chunk);
    bool present = it != found.end() && it->second.count(row->order_id) > 0;
    if (present) continue;
    auto at = parse_utc_rfc3339(row->time);
    if (at && now - *at < settle) {
      a.pending.push_back(row->chunk);
    } else {
      a.phantoms.push_back({row->chunk, row->order_id, row->count});
    }
  }
  for (const auto& [chunk, orders] : found) {
    const ledger_row* latest = index.latest(chunk);
    for (const auto& [order_id, ids] : orders) {
      if (latest && latest->status == chunk_status::ordered && latest->order_id == order_id) continue;
      std::string why;
      if (!latest)
        why = "the ledger has no row for this chunk";
      else if (latest->status != chunk_status::ordered)
        why = fmt::format("the ledger holds this chunk as {}", to_string(latest->status));
      else
        why = fmt::format("a duplicate: the ledger holds order {} for this chunk", latest->order_id);
      a.orphans.push_back({chunk, order_id, ids, why});
    }
  }
  return a;
}

}  // namespace cphfleet

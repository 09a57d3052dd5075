#include "emulator/state.hpp"

#include "base/time_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>

namespace cphfleet {
namespace {

constexpr std::string_view k_upper_alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view k_hex = "0123456789abcdef";

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string product_id_for(std::string_view server_model_name) {
  // FNV-1a: any stable hash will do; std::hash may differ between builds.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : server_model_name) h = (h ^ c) * 1099511628211ull;
  return fmt::format("00301-{:05}-0--0", h % 100000);
}

emulator_state::emulator_state(emulator_state_options options)
    : options_(std::move(options)), rng_(options_.id_seed ? *options_.id_seed : std::random_device{}()) {}

std::string emulator_state::random_chars(std::string_view alphabet, std::size_t n) {
  std::string out(n, ' ');
  for (auto& ch : out) ch = alphabet[rng_() % alphabet.size()];
  return out;
}

std::string emulator_state::new_order_id(std::int64_t now_ms) {
  // CS, then the UTC minute as YYMMDDHHMM: taken from the X-Sdk-Date form 20261126T100000Z.
  const std::string date = sdk_date(now_ms / 1000);
  const std::string stamp = "CS" + date.substr(2, 6) + date.substr(9, 4);
  for (;;) {
    std::string id = stamp + random_chars(k_upper_alnum, 5);
    if (!order_by_id_.contains(id)) return id;
  }
}

std::string emulator_state::new_server_id() {
  for (;;) {
    std::string id = random_chars(k_hex, 32);
    if (!server_by_id_.contains(id)) return id;
  }
}

const emulator_order& emulator_state::commit(const purchase_request& r, std::int64_t now_ms) {
  last_ms_ = std::max(last_ms_, now_ms);
  emulator_order o;
  o.api = r.api;
  o.order_id = new_order_id(last_ms_);
  o.product_id = product_id_for(r.server_model_name);
  o.server_name = r.server_name;
  o.count = r.count;
  o.is_auto_pay = r.extend_param.is_auto_pay.value_or(0);
  o.server_model_name = r.server_model_name;
  o.phone_model_name = r.phone_model_name;
  o.created_ms = last_ms_;
  auto index = static_cast<std::uint32_t>(orders_.size());
  orders_.push_back(std::move(o));
  order_by_id_.emplace(orders_.back().order_id, index);
  if (r.extend_param.auto_pay()) create_servers(index, last_ms_);
  return orders_.back();
}

bool emulator_state::pay(std::string_view order_id, std::int64_t now_ms) {
  auto it = order_by_id_.find(std::string(order_id));
  if (it == order_by_id_.end() || orders_[it->second].is_auto_pay == 1) return false;
  last_ms_ = std::max(last_ms_, now_ms);
  orders_[it->second].is_auto_pay = 1;
  create_servers(it->second, last_ms_);
  return true;
}

void emulator_state::create_servers(std::uint32_t order_index, std::int64_t now_ms) {
  emulator_order& o = orders_[order_index];
  std::uint32_t base_index;
  if (auto found = base_by_name_.find(o.server_name); found != base_by_name_.end()) {
    base_index = found->second;
  } else {
    base_index = static_cast<std::uint32_t>(bases_.size());
    bases_.push_back(base_entry{o.server_name, {}});
    base_by_name_.emplace(bases_.back().name, base_index);
  }
  for (std::int64_t i = 1; i <= o.count; ++i) {
    server_record s;
    s.server_id = new_server_id();
    s.server_name = fmt::format("{}-{:04}", o.server_name, i);
    s.order = order_index;
    s.base = base_index;
    s.created_ms = now_ms;
    auto index = static_cast<std::uint32_t>(servers_.size());
    server_by_id_.emplace(s.server_id, index);
    o.server_ids.push_back(s.server_id);
    bases_[base_index].servers.push_back(index);
    servers_.push_back(std::move(s));
  }
}

std::size_t emulator_state::visible_end(std::int64_t now_ms) const {
  auto it = std::partition_point(servers_.begin(), servers_.end(), [&](const server_record& s) {
    return s.created_ms + options_.settle_ms <= now_ms;
  });
  return static_cast<std::size_t>(it - servers_.begin());
}

server_info emulator_state::info(const server_record& s, std::int64_t now_ms) const {
  const emulator_order& o = orders_[s.order];
  server_info out;
  out.server_id = s.server_id;
  out.server_name = s.server_name;
  out.server_model_name = o.server_model_name;
  out.phone_model_name = o.phone_model_name;
  out.status = now_ms >= s.created_ms + options_.settle_ms + options_.boot_ms ? 5 : 1;
  out.create_time = rfc3339_s(s.created_ms);
  out.order_id = o.order_id;
  out.product_id = o.product_id;
  return out;
}

void emulator_state::index_new_bases() {
  for (; indexed_bases_ < bases_.size(); ++indexed_bases_) {
    std::string_view name = bases_[indexed_bases_].name;
    for (std::size_t i = 0; i < name.size(); ++i)
      suffixes_.emplace(name.substr(i), static_cast<std::uint32_t>(indexed_bases_));
  }
}

// Every server, visible or not, whose name contains `filter`; ascending. A name is `<base>-NNNN`, so
// the filter occurs either inside the base (every server of the base matches), or across the end of
// the base (`<end of base>-<leading digits>`), or inside `-NNNN` alone (digits: most servers match,
// and a scan is as good as anything).
std::vector<std::uint32_t> emulator_state::matching_servers(std::string_view filter, std::size_t visible) {
  std::vector<std::uint32_t> out;
  std::string_view digits_part = filter.starts_with('-') ? filter.substr(1) : filter;
  if (all_digits(digits_part)) {
    for (std::size_t i = 0; i < visible; ++i)
      if (std::string_view(servers_[i].server_name).find(filter) != std::string_view::npos)
        out.push_back(static_cast<std::uint32_t>(i));
    return out;
  }
  index_new_bases();
  std::vector<std::uint32_t> whole_bases;
  for (auto it = suffixes_.lower_bound({filter, 0}); it != suffixes_.end() && it->first.starts_with(filter);
       ++it)
    whole_bases.push_back(it->second);
  std::sort(whole_bases.begin(), whole_bases.end());
  whole_bases.erase(std::unique(whole_bases.begin(), whole_bases.end()), whole_bases.end());
  for (auto b : whole_bases) out.insert(out.end(), bases_[b].servers.begin(), bases_[b].servers.end());

  auto dash = filter.rfind('-');
  if (dash != std::string_view::npos && dash > 0 && all_digits(filter.substr(dash + 1))) {
    std::string_view head = filter.substr(0, dash);  // must end the base
    std::string_view tail = filter.substr(dash);     // must start the `-NNNN` part
    for (auto it = suffixes_.lower_bound({head, 0}); it != suffixes_.end() && it->first == head; ++it) {
      if (std::binary_search(whole_bases.begin(), whole_bases.end(), it->second)) continue;
      const base_entry& b = bases_[it->second];
      for (auto s : b.servers)
        if (std::string_view(servers_[s].server_name).substr(b.name.size()).starts_with(tail))
          out.push_back(s);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

server_page emulator_state::list_servers(std::string_view name_filter, std::int64_t offset,
                                         std::int64_t limit, std::int64_t now_ms) {
  server_page page;
  std::size_t visible = visible_end(now_ms);
  // offset + limit saturates: an offset near INT64_MAX is a valid query for an empty page.
  limit = std::max<std::int64_t>(limit, 0);
  const std::int64_t end = offset > std::numeric_limits<std::int64_t>::max() - limit
                               ? std::numeric_limits<std::int64_t>::max()
                               : offset + limit;
  auto take = [&](std::size_t index, std::int64_t position) {
    if (position >= offset && position < end) page.servers.push_back(info(servers_[index], now_ms));
  };
  if (name_filter.empty()) {
    page.count = static_cast<std::int64_t>(visible);
    std::int64_t position = 0;
    for (std::size_t i = visible; i-- > 0 && position < end; ++position) take(i, position);
    return page;
  }
  std::vector<std::uint32_t> matches = matching_servers(name_filter, visible);
  std::int64_t position = 0;
  for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
    if (*it >= visible) continue;
    take(*it, position++);
  }
  page.count = position;
  return page;
}

std::optional<server_info> emulator_state::find_server(std::string_view server_id,
                                                       std::int64_t now_ms) const {
  auto it = server_by_id_.find(std::string(server_id));
  if (it == server_by_id_.end()) return std::nullopt;
  const server_record& s = servers_[it->second];
  if (s.created_ms + options_.settle_ms > now_ms) return std::nullopt;  // not created yet, as far as reads go
  return info(s, now_ms);
}

void emulator_state::reset() {
  orders_.clear();
  order_by_id_.clear();
  servers_.clear();
  server_by_id_.clear();
  suffixes_.clear();
  base_by_name_.clear();
  bases_.clear();
  indexed_bases_ = 0;
}

}  // namespace cphfleet

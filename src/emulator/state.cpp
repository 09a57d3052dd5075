#include "emulator/state.hpp"

#include "base/time_text.hpp"
#include "emulator/faults.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
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

// FNV-1a: any stable hash will do; std::hash may differ between builds.
std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// 32 hex digits as a UUID's 8-4-4-4-12 (volume and bandwidth ids are UUIDs).
std::string uuid_form(std::string_view hex32) {
  return fmt::format("{}-{}-{}-{}-{}", hex32.substr(0, 8), hex32.substr(8, 4), hex32.substr(12, 4),
                     hex32.substr(16, 4), hex32.substr(20, 12));
}

std::string ipv4_text(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF);
}

// The network address and size of an IPv4 CIDR (already checked by the purchase rules); a default
// for anything else.
std::pair<std::uint32_t, std::uint32_t> cidr_range(std::string_view cidr) {
  unsigned a = 0, b = 0, c = 0, d = 0, bits = 0;
  std::string text(cidr);
  if (std::sscanf(text.c_str(), "%u.%u.%u.%u/%u", &a, &b, &c, &d, &bits) != 5 || bits > 30)
    return {0xAC100000u, 1u << 20};  // 172.16.0.0/12
  std::uint32_t size = bits == 0 ? 0x80000000u : 1u << (32 - bits);
  std::uint32_t base = (a << 24) | (b << 16) | (c << 8) | d;
  return {base & ~(size - 1), size};
}

}  // namespace

server_network v1_network(const std::optional<std::string>& subnet_cidr) {
  server_network n;
  n.network_version = "v1";
  n.vpc_id = "5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e";
  n.vpc_cidr = "172.16.0.0/12";
  n.subnet_id = "8e7d6c5b-4a39-4281-9706-f5e4d3c2b1a0";
  n.subnet_cidr = subnet_cidr.value_or("172.16.0.0/12");
  n.resource_project_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  n.security_group_id = "3f2e1d0c-9b8a-4766-8554-433221100fed";
  n.public_ip = true;
  return n;
}

server_network v2_network(const purchase_request& r) {
  server_network n;
  n.network_version = "v2";
  n.vpc_id = r.tenant_vpc_id.value_or("");
  n.vpc_cidr = "192.168.0.0/16";
  n.subnet_id = r.nics && !r.nics->empty() ? (*r.nics)[0].subnet_id.value_or("") : "";
  n.subnet_cidr = "192.168.0.0/20";
  n.security_group_id = "3f2e1d0c-9b8a-4766-8554-433221100fed";
  n.public_ip = !r.public_ip || r.public_ip->count.value_or(1) != 0;
  return n;
}

std::string product_id_for(std::string_view server_model_name) {
  return fmt::format("00301-{:05}-0--0", stable_hash(server_model_name) % 100000);
}

emulator_state::emulator_state(emulator_state_options options)
    : options_(std::move(options)),
      rng_(options_.id_seed ? *options_.id_seed : std::random_device{}()),
      lifecycle_rng_(options_.lifecycle_seed) {}

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

std::string emulator_state::new_phone_key() {
  for (;;) {
    std::string key = random_chars(k_hex, 30);
    if (!server_by_phone_key_.contains(key)) return key;
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
  o.image_id = r.image_id;
  o.keypair_name = r.keypair_name.value_or("");
  o.vnc_enable = r.vnc_enable.value_or(false);
  o.network = r.api == purchase_api::v2 ? v2_network(r) : v1_network(r.subnet_cidr);
  o.availability_zone = r.availability_zone.value_or("");
  o.enterprise_project_id = r.extend_param.enterprise_project_id.value_or("0");
  const catalog& cat = options_.cat;
  auto shared = std::find_if(cat.bandwidths.begin(), cat.bandwidths.end(), [&](const bandwidth_info& b) {
    return r.band_width.band_width_id && b.band_width_id == *r.band_width.band_width_id;
  });
  if (shared != cat.bandwidths.end()) {
    o.band_width = *shared;
  } else {
    // A bandwidth of the order's own, named after it.
    o.band_width.band_width_name = r.server_name + "-bandwidth";
    o.band_width.band_width_id = uuid_form(
        fmt::format("{:016x}{:016x}", stable_hash(o.order_id), stable_hash(o.order_id + "/bandwidth")));
    o.band_width.band_width_size = r.band_width.band_width_size.value_or(100);
    o.band_width.band_width_share_type = static_cast<int>(r.band_width.band_width_share_type.value_or(0));
    o.band_width.create_time = o.band_width.update_time = rfc3339_s(last_ms_);
  }
  if (const phone_model* pm = find_phone_model(cat, r.server_model_name, r.phone_model_name)) {
    o.phone_capacity = pm->phone_capacity;
    o.phone_disk_gib = pm->disk;
    o.phone_volume_mode = pm->volume_mode;
  }
  for (const auto& m : cat.server_models)
    if (m.server_model_name == r.server_model_name) o.os_volume = m.extend_spec.os_volume;
  auto index = static_cast<std::uint32_t>(orders_.size());
  orders_.push_back(std::move(o));
  order_by_id_.emplace(orders_.back().order_id, index);
  if (r.extend_param.auto_pay()) create_servers(index, last_ms_);
  return orders_.back();
}

const emulator_order* emulator_state::find_order(std::string_view order_id) const {
  auto it = order_by_id_.find(std::string(order_id));
  return it == order_by_id_.end() ? nullptr : &orders_[it->second];
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
    s.phone_key = new_phone_key();
    const double provision_draw = uniform_unit(lifecycle_rng_);
    const double phone_draw = uniform_unit(lifecycle_rng_);
    const std::uint64_t which_phone = lifecycle_rng_();
    s.provision_fails = provision_draw < options_.provision_fail;
    if (!s.provision_fails && phone_draw < options_.phone_fail && o.phone_capacity > 0)
      s.failed_phone =
          static_cast<std::int64_t>(which_phone % static_cast<std::uint64_t>(o.phone_capacity)) + 1;
    auto index = static_cast<std::uint32_t>(servers_.size());
    server_by_id_.emplace(s.server_id, index);
    server_by_phone_key_.emplace(s.phone_key, index);
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

std::int64_t emulator_state::ready_ms(const server_record& s) const {
  return s.created_ms + options_.settle_ms + options_.boot_ms;
}

int emulator_state::server_status_at(const server_record& s, std::int64_t now_ms) const {
  if (now_ms < ready_ms(s)) return 1;  // creating
  return s.provision_fails ? server_status::abnormal : server_status::normal;
}

int emulator_state::phone_status_at(const server_record& s, std::int64_t n, std::int64_t now_ms) const {
  if (now_ms < ready_ms(s)) return phone_status::creating;  // created with its server
  if (s.provision_fails || n == s.failed_phone) return phone_status::creation_failed;
  return phone_status::running;
}

std::vector<server_lifecycle> emulator_state::lifecycle(std::int64_t now_ms) const {
  std::vector<server_lifecycle> out;
  out.reserve(servers_.size());
  for (const auto& s : servers_) {
    server_lifecycle l;
    l.server_id = s.server_id;
    l.server_name = s.server_name;
    l.order_id = orders_[s.order].order_id;
    l.visible = s.created_ms + options_.settle_ms <= now_ms;
    l.status = server_status_at(s, now_ms);
    for (std::int64_t n = 1; n <= orders_[s.order].phone_capacity; ++n)
      l.phone_statuses.push_back(phone_status_at(s, n, now_ms));
    out.push_back(std::move(l));
  }
  return out;
}

server_info emulator_state::info(std::uint32_t index, std::int64_t now_ms, server_form form) const {
  const server_record& s = servers_[index];
  const emulator_order& o = orders_[s.order];
  const server_network& net = o.network;
  const bool done = now_ms >= ready_ms(s);
  server_info out;
  out.server_id = s.server_id;
  out.server_name = s.server_name;
  out.server_model_name = o.server_model_name;
  out.phone_model_name = o.phone_model_name;
  out.status = server_status_at(s, now_ms);
  out.create_time = rfc3339_s(s.created_ms);
  out.update_time = done ? rfc3339_s(ready_ms(s)) : out.create_time;
  out.order_id = o.order_id;
  out.product_id = o.product_id;
  out.charging_mode = 0;  // prepaid by period: the only mode the purchase call offers
  out.availability_zone = zone_of(o);
  out.keypair_name = o.keypair_name;
  out.network_version = net.network_version;
  out.vpc_id = net.vpc_id;
  out.cidr = net.vpc_cidr;
  out.vpc_cidr = net.vpc_cidr;
  out.subnet_id = net.subnet_id;
  out.subnet_cidr = net.subnet_cidr;
  // Addresses follow the server's place in creation order: unique within any subnet of that size.
  auto [base, size] = cidr_range(net.subnet_cidr);
  server_address a;
  a.server_ip = ipv4_text(base + 2 + index % (size > 4 ? size - 4 : 1));
  a.intranet_ip = a.server_ip;
  if (net.public_ip) {
    a.public_ip = ipv4_text(0xC6120000u + index % 0x20000u);  // 198.18.0.0/15, a range for tests
    a.access_ip = a.public_ip;
  }
  out.addresses.push_back(std::move(a));
  out.resource_project_id = net.resource_project_id;
  out.enterprise_project_id = o.enterprise_project_id;
  if (form == server_form::detail) {
    out.band_widths.push_back(o.band_width);
    server_volume os;
    os.volume_name = s.server_name + "-os";
    os.volume_id = uuid_form(s.server_id);
    os.volume_size = o.os_volume.size;
    os.volume_type = o.os_volume.volume_type;
    os.create_time = os.update_time = out.create_time;
    out.volumes.push_back(std::move(os));
    out.share_volume_info = share_volume{"SSD", 0, 0};  // no shared storage bought
    out.security_groups.push_back(net.security_group_id);
  }
  return out;
}

phone_info emulator_state::phone(std::uint32_t index, std::int64_t n, std::int64_t now_ms,
                                 phone_form form) const {
  const server_record& s = servers_[index];
  const emulator_order& o = orders_[s.order];
  const bool done = now_ms >= ready_ms(s);
  phone_info p;
  p.phone_name = fmt::format("{}-{}", s.server_name, n);
  p.server_id = s.server_id;
  p.phone_id = fmt::format("{}{:02x}", s.phone_key, n - 1);
  p.phone_model_name = o.phone_model_name;
  p.image_id = o.image_id;
  p.image_version = "1";
  p.vnc_enable = o.vnc_enable ? "true" : "false";
  p.status = phone_status_at(s, n, now_ms);
  p.type = 0;
  p.imei = fmt::format("86{:013}", stable_hash(p.phone_id) % 10000000000000ull);
  p.traffic_type = "direct";
  p.volume_mode = o.phone_volume_mode;
  p.availability_zone = zone_of(o);
  p.order_id = o.order_id;
  p.product_id = o.product_id;
  p.has_encrypt = false;
  p.create_time = rfc3339_s(s.created_ms);
  p.update_time = done ? rfc3339_s(ready_ms(s)) : p.create_time;
  if (form == phone_form::detail) {
    server_info host = info(index, now_ms, server_form::list);
    const server_address& a = host.addresses.front();
    phone_access_info adb;
    adb.type = "adb";
    adb.phone_ip = fmt::format("10.{}.{}.{}", 100 + (n >> 8), n & 0xFF, 1);
    adb.device_ip = adb.phone_ip;
    adb.listen_port = 5555;
    adb.server_ip = a.server_ip;
    adb.intranet_ip = a.server_ip;
    adb.public_ip = a.public_ip;
    adb.access_ip = a.public_ip;
    adb.access_port = 20000 + n;
    p.access_infos.push_back(std::move(adb));
    p.property = "{}";
    p.data_volume = phone_data_volume{"SSD", o.phone_disk_gib};
  }
  return p;
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
  server_filter f;
  f.server_name = std::string(name_filter);
  return list_servers(f, offset, limit, now_ms);
}

bool emulator_state::matches(const server_record& s, const server_filter& f, std::int64_t now_ms) const {
  const emulator_order& o = orders_[s.order];
  if (!f.phone_model_name.empty() && o.phone_model_name != f.phone_model_name) return false;
  if (!f.network_version.empty() && o.network.network_version != f.network_version) return false;
  if (f.status && *f.status != server_status_at(s, now_ms)) return false;
  return true;
}

server_page emulator_state::list_servers(const server_filter& f, std::int64_t offset, std::int64_t limit,
                                         std::int64_t now_ms) {
  server_page page;
  // Servers are in creation order, so the time window is a range of indices.
  const std::size_t visible = visible_end(now_ms);
  auto first_at_or_after = [&](std::int64_t ms) {
    auto it = std::partition_point(servers_.begin(), servers_.begin() + static_cast<std::ptrdiff_t>(visible),
                                   [&](const server_record& s) { return s.created_ms < ms; });
    return static_cast<std::size_t>(it - servers_.begin());
  };
  auto to_ms = [](std::int64_t s) {
    constexpr std::int64_t max_s = std::numeric_limits<std::int64_t>::max() / 1000 - 1;
    return std::clamp<std::int64_t>(s, -max_s, max_s) * 1000;
  };
  const std::size_t lo = f.create_since_s ? first_at_or_after(to_ms(*f.create_since_s)) : 0;
  const std::size_t hi = f.create_until_s ? first_at_or_after(to_ms(*f.create_until_s) + 1000) : visible;
  // offset + limit saturates: an offset near INT64_MAX is a valid query for an empty page.
  limit = std::max<std::int64_t>(limit, 0);
  const std::int64_t end = offset > std::numeric_limits<std::int64_t>::max() - limit
                               ? std::numeric_limits<std::int64_t>::max()
                               : offset + limit;
  std::int64_t position = 0;
  auto take = [&](std::uint32_t index) {
    if (index < lo || index >= hi || !matches(servers_[index], f, now_ms)) return;
    if (position >= offset && position < end) page.servers.push_back(info(index, now_ms, server_form::list));
    ++position;
  };
  const bool plain = f.phone_model_name.empty() && f.network_version.empty() && !f.status;
  if (!f.server_id.empty()) {
    auto it = server_by_id_.find(f.server_id);
    if (it != server_by_id_.end() && it->second < visible &&
        std::string_view(servers_[it->second].server_name).find(f.server_name) != std::string_view::npos)
      take(it->second);
  } else if (f.server_name.empty() && plain) {
    // The common case: count without looking at each server, build only the page.
    page.count = hi > lo ? static_cast<std::int64_t>(hi - lo) : 0;
    for (std::size_t i = hi; i-- > lo && position < end; ++position)
      if (position >= offset)
        page.servers.push_back(info(static_cast<std::uint32_t>(i), now_ms, server_form::list));
    return page;
  } else if (f.server_name.empty()) {
    for (std::size_t i = hi; i-- > lo;) take(static_cast<std::uint32_t>(i));
  } else {
    std::vector<std::uint32_t> found = matching_servers(f.server_name, visible);
    for (auto it = found.rbegin(); it != found.rend(); ++it)
      if (*it < visible) take(*it);
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
  return info(it->second, now_ms, server_form::detail);
}

phone_page emulator_state::list_phones(const phone_filter& f, std::int64_t offset, std::int64_t limit,
                                       std::int64_t now_ms) {
  phone_page page;
  limit = std::max<std::int64_t>(limit, 0);
  const std::int64_t end = offset > std::numeric_limits<std::int64_t>::max() - limit
                               ? std::numeric_limits<std::int64_t>::max()
                               : offset + limit;
  if (f.type && *f.type != 0) return page;  // every emulated phone is an ordinary one
  const std::size_t visible = visible_end(now_ms);
  // A name outside the server's own part reaches into `-<n>`: it holds a '-' or is digits only.
  const bool name_may_cross = f.phone_name.find('-') != std::string::npos || all_digits(f.phone_name);
  std::int64_t position = 0;
  auto server_phones = [&](std::uint32_t index) {
    const server_record& s = servers_[index];
    const std::int64_t capacity = orders_[s.order].phone_capacity;
    // Phones of one server may differ in status (one failed, some still creating): a status filter looks
    // at each phone.
    const bool whole =
        !f.status && std::string_view(s.server_name).find(f.phone_name) != std::string_view::npos;
    if (whole && (position + capacity <= offset || position >= end)) {
      position += capacity;  // nothing of this server on the page: count it without building it
      return;
    }
    if (!whole && !f.status && !name_may_cross) return;
    for (std::int64_t n = 1; n <= capacity; ++n) {
      if (!whole && fmt::format("{}-{}", s.server_name, n).find(f.phone_name) == std::string::npos) continue;
      if (f.status && *f.status != phone_status_at(s, n, now_ms)) continue;
      if (position >= offset && position < end)
        page.phones.push_back(phone(index, n, now_ms, phone_form::list));
      ++position;
    }
  };
  if (!f.server_id.empty()) {
    auto it = server_by_id_.find(f.server_id);
    if (it != server_by_id_.end() && it->second < visible) server_phones(it->second);
  } else {
    for (std::size_t i = visible; i-- > 0;) server_phones(static_cast<std::uint32_t>(i));
  }
  page.count = position;
  return page;
}

std::optional<phone_info> emulator_state::find_phone(std::string_view phone_id, std::int64_t now_ms) const {
  if (phone_id.size() != 32) return std::nullopt;
  auto it = server_by_phone_key_.find(std::string(phone_id.substr(0, 30)));
  if (it == server_by_phone_key_.end()) return std::nullopt;
  const server_record& s = servers_[it->second];
  if (s.created_ms + options_.settle_ms > now_ms) return std::nullopt;
  std::int64_t n = 0;
  for (char c : phone_id.substr(30)) {
    auto digit = k_hex.find(c);
    if (digit == std::string_view::npos) return std::nullopt;
    n = n * 16 + static_cast<std::int64_t>(digit);
  }
  if (n >= orders_[s.order].phone_capacity) return std::nullopt;
  return phone(it->second, n + 1, now_ms, phone_form::detail);
}

void emulator_state::reset() {
  lifecycle_rng_.seed(options_.lifecycle_seed);
  orders_.clear();
  order_by_id_.clear();
  servers_.clear();
  server_by_id_.clear();
  server_by_phone_key_.clear();
  suffixes_.clear();
  base_by_name_.clear();
  bases_.clear();
  indexed_bases_ = 0;
}

}  // namespace cphfleet

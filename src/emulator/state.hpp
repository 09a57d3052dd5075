// What the emulated service knows: the catalog, the orders and the servers they create. Pure logic on
// a clock the caller passes (Unix milliseconds), so tests drive time by hand; the sockets live in
// server.cpp.
#pragma once
#include "api/purchase_body.hpp"
#include "api/reads.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cphfleet {

struct emulator_state_options {
  catalog cat = builtin_catalog();
  std::string availability_zone = "cn-north-4a";
  std::int64_t settle_ms = 0;   // a new server shows in reads this long after its order
  std::int64_t boot_ms = 2000;  // then it is `creating` (status 1) this long (the provisioning
                                // time, --provision), then `normal` (5); its phones are `creating`
                                // (1) until then, then `running` (2)
  // Lifecycle faults, drawn for each server as it is created (three draws per server, whatever the
  // probabilities, so the same seed and the same purchases give the same servers the same fate):
  double provision_fail = 0;  // the server ends at `abnormal` (2), its phones at -8
  double phone_fail = 0;      // one of its phones ends at -8 (creation failed)
  std::uint64_t lifecycle_seed = 1;
  std::optional<std::uint64_t> id_seed;  // order and server ids; unset: a random seed per process
};

// Where an order's servers sit. A v1 purchase puts them in the service's own network (one VPC and
// subnet for the whole account, the same values for every order); a v2 purchase names the tenant's
// VPC and subnet. Each server takes the next address of `subnet_cidr`.
struct server_network {
  std::string network_version = "v1";
  std::string vpc_id;
  std::string vpc_cidr;
  std::string subnet_id;
  std::string subnet_cidr;
  std::string resource_project_id;  // v1: the service's resource project holding the network
  std::string security_group_id;
  bool public_ip = true;  // v1 servers reach the internet through the order's bandwidth
};
// The network a v1 order gets (`subnet_cidr` of the purchase, when given, replaces the default).
server_network v1_network(const std::optional<std::string>& subnet_cidr);
// The network a v2 order gets: the tenant's VPC and the first NIC's subnet, as the purchase names them
// (the emulator knows no tenant VPCs, so their CIDRs are fixed ones), a public IP unless
// `public_ip.count = 0`.
server_network v2_network(const purchase_request& request);

struct emulator_order {
  purchase_api api = purchase_api::v1;  // the call that took it
  std::string order_id;
  std::string product_id;
  std::string server_name;
  std::int64_t count = 0;
  std::int64_t is_auto_pay = 0;
  std::string server_model_name;
  std::string phone_model_name;
  std::vector<std::string> server_ids;  // empty while the order is unpaid
  std::int64_t created_ms = 0;
  // What the reads show of the order's servers and phones, taken from the purchase and the catalog.
  std::string image_id;
  std::string keypair_name;
  bool vnc_enable = false;
  bandwidth_info band_width;
  server_network network;
  std::string availability_zone;      // the purchase's (v2), else the emulator's own
  std::string enterprise_project_id;  // the purchase's extend_param, else "0"
  std::int64_t phone_capacity = 0;    // phones per server, from the phone model
  std::int64_t phone_disk_gib = 0;
  int phone_volume_mode = 0;
  server_model_os_volume os_volume;
};

// The server list's filters, as ListCloudPhoneServers takes them; empty or unset: no filter.
struct server_filter {
  std::string server_name;  // a substring of the name
  std::string server_id;
  std::string phone_model_name;
  std::string network_version;
  std::optional<int> status;
  std::optional<std::int64_t> create_since_s;  // Unix seconds, inclusive
  std::optional<std::int64_t> create_until_s;
};

// The phone list's filters, as ListCloudPhones takes them.
struct phone_filter {
  std::string server_id;
  std::string phone_name;  // a substring of the name
  std::optional<int> status;
  std::optional<int> type;
};

struct phone_page {
  std::int64_t count = 0;
  std::vector<phone_info> phones;
};

// A server as the admin view shows it (GET /_emulator/servers): its status and its phones' statuses
// now, as the reads would show them once it is visible.
struct server_lifecycle {
  std::string server_id;
  std::string server_name;
  std::string order_id;
  bool visible = false;  // past the settle window: the reads list it
  int status = 0;
  std::vector<int> phone_statuses;  // phone n at [n-1]
};

struct server_page {
  std::int64_t count = 0;  // every visible server that matches, not just this page
  std::vector<server_info> servers;
};

class emulator_state {
 public:
  explicit emulator_state(emulator_state_options options = {});

  // Takes the order. With auto-pay it creates `count` servers `<server_name>-0001...` at once
  // (visible after the settle window); without, the order waits unpaid and creates none.
  const emulator_order& commit(const purchase_request& request, std::int64_t now_ms);

  // Pays an unpaid order (what a person would do in the console): its servers are created now.
  // False when no such order or it is paid already.
  bool pay(std::string_view order_id, std::int64_t now_ms);

  // Visible servers, newest first. `name_filter` matches a substring of the name (empty: all).
  server_page list_servers(std::string_view name_filter, std::int64_t offset, std::int64_t limit,
                           std::int64_t now_ms);
  server_page list_servers(const server_filter& filter, std::int64_t offset, std::int64_t limit,
                           std::int64_t now_ms);
  // One server in the detail's form (with band_widths, volumes, ...).
  std::optional<server_info> find_server(std::string_view server_id, std::int64_t now_ms) const;

  // The phones of visible servers: each server has its phone model's phone_capacity phones, named
  // `<server_name>-<n>` (n from 1), with ids of 32 hex digits: the server's 30-digit phone key and n-1
  // in 2 hex digits. They are computed from the server and the clock, never stored. Newest server
  // first, then by n.
  phone_page list_phones(const phone_filter& filter, std::int64_t offset, std::int64_t limit,
                         std::int64_t now_ms);
  // One phone in the detail's form (with access_infos, property, phone_data_volume).
  std::optional<phone_info> find_phone(std::string_view phone_id, std::int64_t now_ms) const;

  // Every server created (visible or not), in creation order.
  std::vector<server_lifecycle> lifecycle(std::int64_t now_ms) const;

  const std::deque<emulator_order>& orders() const { return orders_; }
  // The order of that id; nullptr when there is none.
  const emulator_order* find_order(std::string_view order_id) const;
  // Where orders that name no zone are (the v1 purchase's).
  const std::string& availability_zone() const { return options_.availability_zone; }
  std::size_t server_count() const { return servers_.size(); }
  const catalog& catalog_data() const { return options_.cat; }

  // Forgets every order and server.
  void reset();

 private:
  struct server_record {
    std::string server_id;
    std::string server_name;
    std::uint32_t order = 0;  // index into orders_
    std::uint32_t base = 0;   // index into bases_
    std::int64_t created_ms = 0;
    std::string phone_key;          // 30 hex digits: the first part of its phones' ids
    bool provision_fails = false;   // ends abnormal
    std::int64_t failed_phone = 0;  // this phone (1-based) ends at -8; 0: none
  };
  // The servers of one `server_name` (the order's name, without the -NNNN part). Servers are always
  // named `<base>-NNNN`, which is what lets a substring query use the index below.
  struct base_entry {
    std::string name;
    std::vector<std::uint32_t> servers;  // indices into servers_, ascending
  };

  void create_servers(std::uint32_t order_index, std::int64_t now_ms);
  std::size_t visible_end(std::int64_t now_ms) const;
  server_info info(std::uint32_t index, std::int64_t now_ms, server_form form) const;
  // Where an order's servers and phones are: the purchase's zone (v2), else the emulator's own.
  const std::string& zone_of(const emulator_order& o) const {
    return o.availability_zone.empty() ? options_.availability_zone : o.availability_zone;
  }
  phone_info phone(std::uint32_t index, std::int64_t n, std::int64_t now_ms, phone_form form) const;
  std::int64_t ready_ms(const server_record& s) const;
  int server_status_at(const server_record& s, std::int64_t now_ms) const;
  // Phone n's status: `creating` with its server, then running, or -8 for a lifecycle fault.
  int phone_status_at(const server_record& s, std::int64_t n, std::int64_t now_ms) const;
  bool matches(const server_record& s, const server_filter& f, std::int64_t now_ms) const;
  void index_new_bases();
  std::vector<std::uint32_t> matching_servers(std::string_view filter, std::size_t visible);
  std::string random_chars(std::string_view alphabet, std::size_t n);
  std::string new_order_id(std::int64_t now_ms);
  std::string new_server_id();
  std::string new_phone_key();

  emulator_state_options options_;
  std::mt19937_64 rng_;
  std::mt19937_64 lifecycle_rng_;  // the lifecycle faults' draws only: ids do not shift them
  std::int64_t last_ms_ = 0;       // creation times never go backwards, so visibility is a prefix
  std::deque<emulator_order> orders_;
  std::unordered_map<std::string, std::uint32_t> order_by_id_;
  std::vector<server_record> servers_;  // creation order
  std::unordered_map<std::string, std::uint32_t> server_by_id_;
  std::unordered_map<std::string, std::uint32_t> server_by_phone_key_;
  std::deque<base_entry> bases_;  // a deque: the index holds views of the names
  std::unordered_map<std::string_view, std::uint32_t> base_by_name_;
  // Every suffix of every base name, sorted: a substring query becomes a prefix range. Built lazily
  // on the first filtered read after new bases, so purchases stay cheap.
  std::set<std::pair<std::string_view, std::uint32_t>> suffixes_;
  std::size_t indexed_bases_ = 0;
};

// A product id for a server model, stable across runs (the real service derives it from the flavor).
std::string product_id_for(std::string_view server_model_name);

}  // namespace cphfleet

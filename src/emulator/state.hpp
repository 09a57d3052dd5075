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
  std::int64_t settle_ms = 0;            // a new server shows in reads this long after its order
  std::int64_t boot_ms = 2000;           // then it is `creating` (status 1) this long, then `running` (5)
  std::optional<std::uint64_t> id_seed;  // order and server ids; unset: a random seed per process
};

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
  std::optional<server_info> find_server(std::string_view server_id, std::int64_t now_ms) const;

  const std::deque<emulator_order>& orders() const { return orders_; }
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
  };
  // The servers of one `server_name` (the order's name, without the -NNNN part). Servers are always
  // named `<base>-NNNN`, which is what lets a substring query use the index below.
  struct base_entry {
    std::string name;
    std::vector<std::uint32_t> servers;  // indices into servers_, ascending
  };

  void create_servers(std::uint32_t order_index, std::int64_t now_ms);
  std::size_t visible_end(std::int64_t now_ms) const;
  server_info info(const server_record& s, std::int64_t now_ms) const;
  void index_new_bases();
  std::vector<std::uint32_t> matching_servers(std::string_view filter, std::size_t visible);
  std::string random_chars(std::string_view alphabet, std::size_t n);
  std::string new_order_id(std::int64_t now_ms);
  std::string new_server_id();

  emulator_state_options options_;
  std::mt19937_64 rng_;
  std::int64_t last_ms_ = 0;  // creation times never go backwards, so visibility is a prefix
  std::deque<emulator_order> orders_;
  std::unordered_map<std::string, std::uint32_t> order_by_id_;
  std::vector<server_record> servers_;  // creation order
  std::unordered_map<std::string, std::uint32_t> server_by_id_;
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

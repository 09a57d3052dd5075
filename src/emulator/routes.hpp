// What the emulated service answers: a request's path to its API (src/api/paths.hpp), the gateway's
// checks in the gateway's order (auth, per-API rate limit), then the API's own answer from the state,
// faults injected into purchases, a 403 for an API the options forbid. No sockets: a session (server.cpp)
// reads the request and writes the answer.
#pragma once
#include "base/token_bucket.hpp"
#include "emulator/answer.hpp"
#include "emulator/billing.hpp"
#include "emulator/faults.hpp"
#include "emulator/metadata.hpp"
#include "emulator/options.hpp"
#include "emulator/state.hpp"
#include "emulator/stats.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

using emulator_request = http::request<http::string_body>;

// The APIs the gateway throttles separately.
enum class api_kind {
  purchase,     // v1: POST /v1/{project_id}/cloud-phone/phones
  purchase_v2,  // v2: POST /v2/{project_id}/cloud-phone/servers
  list_servers,
  show_server,
  server_models,
  phone_models,
  phone_images,
  bandwidths,
  list_phones,
  show_phone,
};
inline constexpr std::size_t k_api_count = 10;

// The SDK's name of each API (CreateCloudPhoneServer, ListCloudPhoneServers, ...): what `--forbid`
// takes.
std::string_view api_name(api_kind api);
std::optional<api_kind> parse_api_name(std::string_view name);
// Every name, comma separated: for error messages and --help.
std::string api_name_list();

struct api_route {
  api_kind api = api_kind::purchase;
  std::string project_id;  // decoded
  std::string server_id;   // decoded; show_server only
  std::string phone_id;    // decoded; show_phone only
};
// The API a method and path name; nothing when there is none (APIGW.0101).
std::optional<api_route> route_of(http::verb method, std::string_view path);

// A list's query, or why it is refused (CPS.0002, the whole error_msg). Integers are strict decimal;
// parameters the API does not take are ignored, as the service does.
template <typename Query>
struct parsed_query {
  std::optional<Query> query;
  std::string error;
  explicit operator bool() const { return query.has_value(); }
  const Query* operator->() const { return &*query; }
};

// The paging of every list: offset at least 0, limit 1..max_limit (100; the phone list 200).
struct page_query {
  std::int64_t offset = 0;
  std::int64_t limit = 100;
};

// ListCloudPhoneServers: offset, limit 1..100, server_name, server_id, phone_model_name, status,
// network_version, create_since, create_until.
struct list_query : page_query {
  server_filter filter;
};
parsed_query<list_query> parse_list_query(std::string_view query);

// ListCloudPhones: offset, limit 1..200, server_id, phone_name, status, type.
struct phone_list_query : page_query {
  phone_filter filter;
};
parsed_query<phone_list_query> parse_phone_query(std::string_view query);

// ListCloudPhoneServerModels: product_type 0 or 1. ListCloudPhoneModels: status 0 or 1 (absent: all),
// offset, limit. ListCloudPhoneImages: image_type public, private, share or all. ShowBandwidthDetail:
// offset, limit.
struct catalog_query : page_query {
  std::optional<int> product_type;
  std::optional<int> status;
  std::string image_type;  // empty: all
};
parsed_query<catalog_query> parse_catalog_query(api_kind api, std::string_view query);

class routes {
 public:
  // Throws std::invalid_argument naming the option (--catalog, --settle, --fault, --script, ...).
  explicit routes(const emulator_options& options);

  // The answer to one whole request; `rid` is its X-Request-Id. Counts it.
  answer handle(const emulator_request& req, const std::string& rid);
  // Counts a request answered without handle() (one that could not be read to its end).
  void count(const answer& a);

  emulator_state& state() { return state_; }
  billing& bills() { return billing_; }
  fault_plan& faults() { return faults_; }
  emulator_stats& stats() { return stats_; }
  // Pays an unpaid order now (emulator_state::pay, and its billing order) and counts its servers; false
  // when there is none pending payment (a cancelled order is never paid, nor one PayOrders is paying).
  bool pay(std::string_view order_id);
  // Completes the PayOrders payments due at `now_ms` (--pay-ms after they started): each order's servers
  // are created then, as by pay().
  void settle_payments(std::int64_t now_ms);
  // Forgets every order, server and count (the connection counts excepted), restarts the fault
  // script and refills the buckets.
  void reset();

 private:
  answer purchase(const emulator_request& req, purchase_api api, std::string_view project_id,
                  const std::string& rid);
  answer list_servers(std::string_view query, const std::string& rid);
  answer show_server(std::string_view server_id, const std::string& rid);
  answer list_phones(std::string_view query, const std::string& rid);
  answer show_phone(std::string_view phone_id, const std::string& rid);
  answer catalog_answer(api_kind which, std::string_view query, const std::string& rid);
  std::string throttle_message(double limit) const;
  void classify(const answer& a);

  emulator_options options_;
  emulator_state state_;
  billing billing_;  // every order as the billing service shows it
  fault_plan faults_;
  std::vector<token_bucket> buckets_;
  std::vector<bool> forbidden_;  // by api_kind: refused with 403 CPS.0001
  emulator_stats stats_;
  metadata_service metadata_;
};

}  // namespace cphfleet

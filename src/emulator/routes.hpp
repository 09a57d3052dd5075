// What the emulated service answers: a request's path to its API (src/api/paths.hpp), the gateway's
// checks in the gateway's order (auth, per-API rate limit), then the API's own answer from the state,
// faults injected into purchases. No sockets: a session (server.cpp) reads the request and writes
// the answer.
#pragma once
#include "base/token_bucket.hpp"
#include "emulator/answer.hpp"
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
};
inline constexpr std::size_t k_api_count = 8;

struct api_route {
  api_kind api = api_kind::purchase;
  std::string project_id;  // decoded
  std::string server_id;   // decoded; show_server only
};
// The API a method and path name; nothing when there is none (APIGW.0101).
std::optional<api_route> route_of(http::verb method, std::string_view path);

// The server list's query. Nothing when offset is not a decimal integer of at least 0, or limit one
// of 1..100 (CPS.0002); other parameters are ignored, as the service does.
struct list_query {
  std::int64_t offset = 0;
  std::int64_t limit = 100;
  std::string server_name;
};
std::optional<list_query> parse_list_query(std::string_view query);

class routes {
 public:
  // Throws std::invalid_argument naming the option (--catalog, --settle, --fault, --script, ...).
  explicit routes(const emulator_options& options);

  // The answer to one whole request; `rid` is its X-Request-Id. Counts it.
  answer handle(const emulator_request& req, const std::string& rid);
  // Counts a request answered without handle() (one that could not be read to its end).
  void count(const answer& a);

  emulator_state& state() { return state_; }
  fault_plan& faults() { return faults_; }
  emulator_stats& stats() { return stats_; }
  // Pays an unpaid order now (emulator_state::pay) and counts its servers; false when there is none.
  bool pay(std::string_view order_id);
  // Forgets every order, server and count (the connection counts excepted), restarts the fault
  // script and refills the buckets.
  void reset();

 private:
  answer purchase(const emulator_request& req, purchase_api api, std::string_view project_id,
                  const std::string& rid);
  answer list_servers(std::string_view query, const std::string& rid);
  answer show_server(std::string_view server_id, const std::string& rid);
  answer catalog_answer(api_kind which, const std::string& rid);
  std::string throttle_message(double limit) const;
  void classify(const answer& a);

  emulator_options options_;
  emulator_state state_;
  fault_plan faults_;
  std::vector<token_bucket> buckets_;
  emulator_stats stats_;
  metadata_service metadata_;
};

}  // namespace cphfleet

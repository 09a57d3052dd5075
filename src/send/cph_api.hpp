// The seam between the scheduler and the service: the two calls a run makes. The real one is the signed
// HTTPS client (cph_client); it is an interface only so the scheduler does not depend on how bytes move.
#pragma once
#include "api/purchase_body.hpp"
#include "api/reads.hpp"
#include "base/net.hpp"
#include "client/outcome.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet {

struct purchase_call {
  call_report report;          // what the classifier needs
  purchase_response response;  // on 200
  std::string request_id;      // from the body or X-Request-Id, on any answer
};

struct list_call {
  call_report report;
  std::vector<server_info> servers;  // every page, when answered
};

// ListCloudPhoneServers' filters (docs/service.md "Reads"); empty or unset: not sent.
struct server_query {
  std::string server_name;  // a substring of the name
  std::string server_id;
  std::string phone_model_name;
  std::string network_version;
  std::optional<int> status;
  std::optional<std::int64_t> create_since_s;  // Unix seconds: servers created at or after
  std::optional<std::int64_t> create_until_s;
};

class cph_api {
 public:
  virtual ~cph_api() = default;
  // One order, to the purchase call of `api` (the body is built for it).
  virtual net::awaitable<purchase_call> purchase(purchase_api api, std::string body,
                                                 std::chrono::steady_clock::time_point deadline) = 0;
  // Every server the query matches (all pages).
  virtual net::awaitable<list_call> list_servers(server_query query,
                                                 std::chrono::steady_clock::time_point deadline) = 0;
  // Every server whose name contains `name` (all pages).
  net::awaitable<list_call> list_servers(std::string name, std::chrono::steady_clock::time_point deadline) {
    server_query q;
    q.server_name = std::move(name);
    return list_servers(std::move(q), deadline);
  }
};

}  // namespace cphfleet

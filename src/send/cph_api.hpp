// The seam between the scheduler and the service: the two calls a run makes. The real one is the signed
// HTTPS client (cph_client); it is an interface only so the scheduler does not depend on how bytes move.
#pragma once
#include "api/purchase_body.hpp"
#include "api/reads.hpp"
#include "base/net.hpp"
#include "client/outcome.hpp"

#include <chrono>
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

class cph_api {
 public:
  virtual ~cph_api() = default;
  // One order, to the purchase call of `api` (the body is built for it).
  virtual net::awaitable<purchase_call> purchase(purchase_api api, std::string body,
                                                 std::chrono::steady_clock::time_point deadline) = 0;
  // Every server whose name contains `name` (all pages).
  virtual net::awaitable<list_call> list_servers(std::string name,
                                                 std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace cphfleet

// The CPH API as typed calls (docs/service.md): signed requests over https_client,
// answers read into the API model, every failure as a call_report the classifier (outcome.hpp) reads.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/purchase_body.hpp"
#include "api/reads.hpp"
#include "client/https_client.hpp"
#include "input/credentials.hpp"
#include "send/cph_api.hpp"

namespace cphfleet {

enum class catalog_kind { server_models, phone_models, images, bandwidths };

// The API's paths, in one place.
namespace cph_paths {
std::string purchase(std::string_view project_id);     // v1
std::string purchase_v2(std::string_view project_id);  // v2
std::string servers(std::string_view project_id);
std::string server(std::string_view project_id, std::string_view server_id);
std::string catalog(std::string_view project_id, catalog_kind kind);
}  // namespace cph_paths

struct show_call {
  call_report report;
  server_info server;  // when answered
  std::string request_id;
};

struct catalog_call {
  call_report report;
  catalog items;  // the part asked for (all four for read_catalog), when answered
  std::string request_id;
};

// How an error answer reads (docs/service.md "Errors"): error_code/error_msg or code/message, the request id
// from the body or else the X-Request-Id header; a body that is not JSON (an HTML 502 page) becomes
// error_msg, whitespace collapsed and cut to `k_error_text_limit` bytes.
inline constexpr std::size_t k_error_text_limit = 300;
struct error_answer {
  std::string code;
  std::string message;
  std::string request_id;
};
error_answer read_error_answer(std::string_view body, std::string_view request_id_header);

// The purchase's 200 body; throws std::runtime_error naming what is missing (no order_id).
purchase_response read_purchase_response(std::string_view body);

class cph_client final : public cph_api {
 public:
  using unix_clock = std::function<std::int64_t()>;  // seconds, for X-Sdk-Date
  // `http` must outlive the client. `creds.type == none` sends no auth headers (the embedded emulator).
  cph_client(https_client& http, credentials creds, unix_clock now = system_unix_seconds);

  const std::string& project_id() const { return creds_.project_id; }
  const credentials& creds() const { return creds_; }

  // Runs before each signed request and may replace the keys (temporary ones, refreshed before they
  // expire: client/ecs_metadata.hpp). A message back means there is no key to sign with: the request
  // is not sent and comes back as a connect failure carrying that message.
  using credentials_hook = std::function<net::awaitable<std::optional<std::string>>(credentials&)>;
  void set_credentials_hook(credentials_hook hook) { hook_ = std::move(hook); }

  // One order. A 200 whose body holds no order_id comes back as a read failure after writing
  // (ambiguous): the service took something, and only reconciliation can say what.
  net::awaitable<purchase_call> purchase(purchase_api api, std::string body,
                                         std::chrono::steady_clock::time_point deadline) override;
  // Every page (limit 100) of the servers whose name contains `name`; servers listed twice (pages
  // shift while new servers are created) are kept once.
  net::awaitable<list_call> list_servers(std::string name,
                                         std::chrono::steady_clock::time_point deadline) override;
  net::awaitable<show_call> show_server(std::string server_id,
                                        std::chrono::steady_clock::time_point deadline);
  net::awaitable<catalog_call> read_catalog(catalog_kind kind,
                                            std::chrono::steady_clock::time_point deadline);
  // All four parts, one call each; stops at the first that fails.
  net::awaitable<catalog_call> read_catalog(std::chrono::steady_clock::time_point deadline);

  static std::int64_t system_unix_seconds();

 private:
  struct answer;
  net::awaitable<answer> call(http::verb method, std::string path, std::string query, std::string body,
                              std::chrono::steady_clock::time_point deadline);

  https_client& http_;
  credentials creds_;
  unix_clock now_;
  credentials_hook hook_;
};

}  // namespace cphfleet

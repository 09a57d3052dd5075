// HTTPS to one service origin (README "Sending"): a keep-alive connection pool, certificate and
// host-name verification, an optional CONNECT proxy, and every failure as a value that says whether
// the request got out (the difference between "send it again" and "it may have been bought").
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/net.hpp"
#include "client/endpoint.hpp"
#include "client/outcome.hpp"
#include "client/proxy.hpp"

namespace cphfleet {

struct https_client_options {
  std::optional<std::filesystem::path> ca_file;       // trust only this CA file instead of the system store
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + connect + proxy + TLS handshake
  proxy_settings proxy;
  std::size_t max_idle = 8;  // idle connections kept for reuse
  // An idle connection older than this is closed instead of reused: servers close idle keep-alive
  // connections after some time, and a request written into one just as it closes is ambiguous.
  std::chrono::milliseconds max_idle_age{15'000};
  std::size_t body_limit = 16 * 1024 * 1024;  // largest response body accepted
  // Look at a pooled connection for a close by the peer before writing into it. Off only in tests
  // that show what the pool would do without it.
  bool probe_idle = true;
};

struct http_request {
  http::verb method = http::verb::get;
  std::string target;  // path and query as sent: `/v1/p/cloud-phone/servers?limit=100&offset=0`
  std::vector<std::pair<std::string, std::string>> headers;  // Host, User-Agent, Content-Length are set
  std::string body;
};

struct http_response {
  unsigned status = 0;
  std::string request_id;  // X-Request-Id header, when present
  std::optional<std::int64_t> retry_after_s;
  std::string content_type;
  std::string body;
};

// Exactly one of the two is set.
struct http_result {
  std::optional<http_response> response;
  std::optional<transport_error> error;
};

struct client_stats {
  std::int64_t requests = 0;
  std::int64_t connections_opened = 0;  // TCP connections established (to the server or the proxy)
  std::int64_t tls_handshakes = 0;      // completed
  std::int64_t reused = 0;              // requests sent on a pooled connection
  std::int64_t stale_discarded = 0;     // pooled connections found closed (or too old) and dropped
  std::int64_t write_retries = 0;       // requests re-sent on a fresh connection after a failed write
};

// One origin, one io_context thread; several `send`s may be in flight at once (each on its own
// connection). Must outlive every `send` it started.
//
// The reuse rule that keeps purchases honest: a pooled connection is checked before use (a peer
// that closed it shows as readable) and dropped when old. A request is re-sent on a fresh
// connection only when writing it failed (the server cannot have a whole request); once the whole
// request was written, any failure is reported with request_written = true and never retried here.
class https_client {
 public:
  // Throws std::runtime_error when the CA file cannot be read or the proxy URL is not supported
  // (the message shows the URL's password as `***`).
  https_client(net::any_io_executor executor, endpoint target, https_client_options options = {});
  ~https_client();
  https_client(const https_client&) = delete;
  https_client& operator=(const https_client&) = delete;

  // Sends one request; `deadline` bounds all of it (connect, write, answer). Never throws for a
  // transport failure: it comes back as a value.
  net::awaitable<http_result> send(http_request request, std::chrono::steady_clock::time_point deadline);

  const endpoint& target() const { return target_; }
  const client_stats& stats() const { return stats_; }
  bool uses_proxy() const { return proxy_.has_value(); }
  void close_idle();  // drops the pooled connections

 private:
  struct connection;
  struct opened;
  net::awaitable<opened> open(std::chrono::steady_clock::time_point deadline);
  std::unique_ptr<connection> take_idle();
  void init_tls();

  net::any_io_executor executor_;
  endpoint target_;
  https_client_options options_;
  std::optional<ssl::context> tls_context_;  // https targets only: making one costs tens of ms
  std::optional<proxy_route> proxy_;         // when the target is reached through HTTPS_PROXY
  std::vector<std::unique_ptr<connection>> idle_;
  client_stats stats_;
};

}  // namespace cphfleet

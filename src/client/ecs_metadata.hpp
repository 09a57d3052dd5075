// Temporary credentials from the ECS metadata service (docs/service.md "Authentication"): the AK, SK
// and security token of the agency bound to the ECS this runs on, as the official SDK's metadata
// provider fetches them, and the rule that keeps them fresh. Plain HTTP to a link-local address (or a
// loopback one: the emulator serves the same document in tests), with a short timeout, since off ECS
// the address does not answer at all.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/net.hpp"
#include "client/https_client.hpp"
#include "input/credentials.hpp"

namespace cphfleet {

struct ecs_credential {  // holds secrets: never print `secret` or `security_token`
  std::string access;
  std::string secret;
  std::string security_token;
  std::int64_t expires_at_s = 0;  // Unix seconds
};

// The SDK's timeout for each metadata request, and how long before the keys expire it fetches new
// ones (with keys of a shorter life than this, every signed request fetches first).
inline constexpr std::chrono::seconds ecs_metadata_timeout{3};
inline constexpr std::int64_t ecs_refresh_margin_s = 40 * 60;

// `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`, expires_at in RFC 3339 UTC.
// Throws std::runtime_error naming the missing or unreadable field (never a value).
ecs_credential parse_ecs_credential(std::string_view body);

// Puts fetched keys into `c` (source ecs_metadata).
void apply(credentials& c, const ecs_credential& e);

class ecs_metadata_client {
 public:
  // `base_url` is `http://host[:port]` (config's metadata_url, already checked). Throws
  // std::invalid_argument for one that is not.
  ecs_metadata_client(net::any_io_executor executor, const std::string& base_url,
                      std::chrono::milliseconds timeout = ecs_metadata_timeout);

  // One fetch of the keys. Throws std::runtime_error: `ECS metadata http://169.254.169.254: connect:
  // timed out`, `... answered HTTP 404 ...`, `... unreadable answer: ...`.
  net::awaitable<ecs_credential> fetch();

  const std::string& base_url() const { return base_url_; }
  std::int64_t fetches() const { return fetches_; }

 private:
  net::awaitable<http_result> get(http::verb method, std::string_view path,
                                  std::vector<std::pair<std::string, std::string>> headers);
  net::awaitable<void> update_token(bool must);
  [[noreturn]] void fail(std::string_view what) const;

  std::string base_url_;
  std::chrono::milliseconds timeout_;
  https_client http_;
  std::string token_;
  bool token_tried_ = false;
  std::int64_t fetches_ = 0;
};

// One fetch on an io_context of its own: for a command before its run starts. Throws like fetch().
ecs_credential fetch_ecs_credential(const std::string& base_url,
                                    std::chrono::milliseconds timeout = ecs_metadata_timeout);

// Keeps credentials from the metadata service fresh: call refresh() before each signed request. It
// fetches when `c` holds no key yet or its keys expire within ecs_refresh_margin_s; one fetch at a
// time, and requests that arrive meanwhile take its result. When a fetch fails but the keys held
// have not expired yet, they are kept (with a warning) and tried again on the next request.
class ecs_credential_refresher {
 public:
  using unix_clock = std::function<std::int64_t()>;
  ecs_credential_refresher(net::any_io_executor executor, const std::string& base_url, unix_clock now);

  // Nothing when `c` can sign; otherwise why not (the metadata service's error).
  net::awaitable<std::optional<std::string>> refresh(credentials& c);

  std::int64_t fetches() const { return client_.fetches(); }

 private:
  ecs_metadata_client client_;
  unix_clock now_;
  bool fetching_ = false;
  net::steady_timer done_;  // never expires: cancelled when a fetch ends, to wake those waiting
  std::uint64_t generation_ = 0;
  std::string last_error_;
};

}  // namespace cphfleet

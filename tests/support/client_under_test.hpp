// A cph_client on its own io_context, with a fixed clock for X-Sdk-Date, for tests that talk to a
// scripted server (fixture_server.hpp) on 127.0.0.1.
#pragma once
#include <chrono>
#include <string>

#include "client/cph_client.hpp"
#include "support/fixture_server.hpp"

namespace cphfleet::test {

inline constexpr std::int64_t fixed_now = 1136214245;  // 20060102T150405Z

inline credentials aksk(std::string token = "") {
  credentials c;
  c.type = credentials::kind::aksk;
  c.access_key = "AccessKey";
  c.secret_key = "SecretKey";
  c.security_token = std::move(token);
  c.project_id = "proj1";
  return c;
}

struct client_under_test {
  client_under_test(const std::string& url, credentials creds)
      : http(io.get_executor(), parse_endpoint(url)),
        client(http, std::move(creds), [] { return fixed_now; }) {}
  template <typename T>
  T run(net::awaitable<T> a) {
    return run_sync(io, std::move(a));
  }
  std::chrono::steady_clock::time_point deadline() {
    return std::chrono::steady_clock::now() + std::chrono::seconds(5);
  }
  net::io_context io;
  https_client http;
  cph_client client;
};

}  // namespace cphfleet::test

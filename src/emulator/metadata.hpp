// The ECS metadata service as the emulator serves it (docs/service.md "Authentication"), so that the
// runner's metadata credentials can be tried on loopback: a session token on PUT
// /meta-data/latest/api/token, and on GET /openstack/latest/securitykey fresh temporary keys (AK, SK,
// security token) that expire a set time ahead. The emulator's gateway accepts the keys it issued,
// with their security token, until they expire (emulator/auth.hpp).
#pragma once
#include "base/net.hpp"
#include "emulator/answer.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>

namespace cphfleet {

struct temporary_key {  // secret and security_token are never logged
  std::string secret;
  std::string security_token;
  std::int64_t expires_at_s = 0;  // Unix seconds
};

class metadata_service {
 public:
  // `lifetime_s` is how long the keys of each fetch last; 0 serves nothing (the paths are unknown).
  explicit metadata_service(std::int64_t lifetime_s);

  // Whether `path` is one of the metadata paths and the service is on.
  bool serves(std::string_view path) const;
  // The answer to a request for one of them, at `now_s` (Unix seconds).
  answer handle(const http::request<http::string_body>& req, std::string_view path, std::int64_t now_s);
  // A key this service issued (expired ones included, until they are dropped), or nothing.
  const temporary_key* find(std::string_view access) const;

 private:
  std::string random_chars(std::string_view alphabet, std::size_t n);

  std::int64_t lifetime_s_;
  std::mt19937_64 rng_;
  std::map<std::string, temporary_key, std::less<>> keys_;
  std::set<std::string, std::less<>> session_tokens_;
};

}  // namespace cphfleet

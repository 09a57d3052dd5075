#include "emulator/metadata.hpp"

#include "api/paths.hpp"
#include "base/time_text.hpp"

#include <boost/json.hpp>

namespace cphfleet {
namespace {

namespace json = boost::json;

constexpr std::string_view k_upper_alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view k_alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// Keys that expired this long ago are forgotten: a request signed with one is then an unknown key.
constexpr std::int64_t k_keep_expired_s = 3600;

answer text_answer(http::status status, std::string body) {
  answer a;
  a.status = status;
  a.body = std::move(body);
  a.content_type = "text/plain";
  return a;
}

}  // namespace

metadata_service::metadata_service(std::int64_t lifetime_s)
    : lifetime_s_(lifetime_s), rng_(std::random_device{}()) {}

std::string metadata_service::random_chars(std::string_view alphabet, std::size_t n) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out += alphabet[pick(rng_)];
  return out;
}

bool metadata_service::serves(std::string_view path) const {
  return lifetime_s_ > 0 && (path == ecs_metadata_path::token || path == ecs_metadata_path::securitykey);
}

const temporary_key* metadata_service::find(std::string_view access) const {
  auto it = keys_.find(access);
  return it == keys_.end() ? nullptr : &it->second;
}

answer metadata_service::handle(const http::request<http::string_body>& req, std::string_view path,
                                std::int64_t now_s) {
  if (path == ecs_metadata_path::token) {
    if (req.method() != http::verb::put) return text_answer(http::status::method_not_allowed, "use PUT");
    std::string token = random_chars(k_alnum, 48);
    if (session_tokens_.size() >= 1000) session_tokens_.clear();  // bounded: clients fetch a new one on 401
    session_tokens_.insert(token);
    return text_answer(http::status::ok, token);
  }
  if (req.method() != http::verb::get) return text_answer(http::status::method_not_allowed, "use GET");
  // A session token is optional, as where the service hands none out; one that is sent must be ours.
  if (auto it = req.find("X-Metadata-Token"); it != req.end() && !session_tokens_.contains(it->value())) {
    return text_answer(http::status::unauthorized, "the metadata session token is invalid");
  }
  std::erase_if(keys_, [&](const auto& k) { return k.second.expires_at_s + k_keep_expired_s < now_s; });
  temporary_key key{random_chars(k_alnum, 40), random_chars(k_alnum, 96), now_s + lifetime_s_};
  std::string access = "TMP" + random_chars(k_upper_alnum, 17);
  json::object credential{{"access", access},
                          {"secret", key.secret},
                          {"securitytoken", key.security_token},
                          {"expires_at", rfc3339_ms(key.expires_at_s * 1000)}};
  keys_.emplace(std::move(access), std::move(key));
  return json_answer(http::status::ok, json::object{{"credential", std::move(credential)}});
}

}  // namespace cphfleet

#include "emulator/auth.hpp"

#include "api/signer.hpp"
#include "base/time_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace cphfleet {
namespace {

constexpr std::int64_t k_max_skew_s = 15 * 60;

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::optional<std::string> auth_refusal(const emulator_options& options,
                                        const http::request<http::string_body>& req, std::string_view path,
                                        std::string_view query, std::int64_t now_s,
                                        const metadata_service* issued) {
  auto deny = [](std::string why) { return std::optional<std::string>(std::move(why)); };
  if (!options.token.empty()) {
    auto it = req.find("X-Auth-Token");
    if (it == req.end()) return deny("X-Auth-Token header is missing");
    if (!constant_time_equal(it->value(), options.token))
      return deny("the X-Auth-Token is invalid or expired");
    return std::nullopt;
  }
  if (options.ak.empty()) return std::nullopt;

  auto auth = req.find(http::field::authorization);
  if (auth == req.end()) return deny("Authorization header is missing");
  parsed_authorization parsed;
  if (!parse_authorization(auth->value(), parsed))
    return deny(
        "Authorization header is not \"SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...\"");
  std::string_view secret = options.sk;
  if (parsed.access != options.ak) {
    const temporary_key* key = issued ? issued->find(parsed.access) : nullptr;
    if (!key) return deny("unknown access key");
    if (key->expires_at_s <= now_s) return deny("the temporary access key has expired");
    auto token = req.find("X-Security-Token");
    if (token == req.end())
      return deny("X-Security-Token header is missing (a temporary access key needs it)");
    if (!constant_time_equal(token->value(), key->security_token))
      return deny("the X-Security-Token does not belong to this access key");
    if (std::find(parsed.signed_headers.begin(), parsed.signed_headers.end(), "x-security-token") ==
        parsed.signed_headers.end())
      return deny("x-security-token is not among the SignedHeaders");
    secret = key->secret;
  }
  if (std::find(parsed.signed_headers.begin(), parsed.signed_headers.end(), "x-sdk-date") ==
      parsed.signed_headers.end())
    return deny("x-sdk-date is not among the SignedHeaders");
  auto date_it = req.find("X-Sdk-Date");
  if (date_it == req.end()) return deny("X-Sdk-Date header is missing");
  auto date = parse_sdk_date(date_it->value());
  if (!date) return deny("X-Sdk-Date is not YYYYMMDDTHHMMSSZ");
  if (std::llabs(*date - now_s) > k_max_skew_s)
    return deny("X-Sdk-Date is more than 15 minutes away from the service's clock");

  signing_input in;
  in.method = std::string(req.method_string());
  in.path = std::string(path);
  in.query = std::string(query);
  for (const auto& name : parsed.signed_headers) {
    auto it = req.find(name);
    if (it == req.end()) return deny(fmt::format("signed header \"{}\" is not in the request", name));
    in.headers.emplace_back(name, std::string(it->value()));
  }
  in.body = req.body();
  std::string expected = signature(secret, string_to_sign(canonical_request(in), date_it->value()));
  if (!constant_time_equal(expected, parsed.signature))
    return deny(
        "the signature does not match the request (the method, path, query, signed headers or body differ "
        "from what was signed, or the secret key is wrong)");
  return std::nullopt;
}

}  // namespace cphfleet

// SDK-HMAC-SHA256 request signing (docs/service.md "Authentication"), as Huawei's gateway checks it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cphfleet {

struct signing_input {
  std::string method;  // "GET", "POST"
  std::string path;    // as sent, not encoded twice: "/v1/abc/cloud-phone/phones"
  std::string query;   // raw query string as sent, without '?': "limit=1&offset=0" (may be empty)
  std::vector<std::pair<std::string, std::string>> headers;  // the headers to sign (any case)
  std::string body;                                          // exact bytes
};

std::string canonical_request(const signing_input& in);
std::string string_to_sign(std::string_view canonical, std::string_view sdk_date);
std::string signature(std::string_view sk, std::string_view string_to_sign);  // lowercase hex
// `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<list>, Signature=<hex>`; `sdk_date` must be one of the
// headers (X-Sdk-Date).
std::string authorization(std::string_view ak, std::string_view sk, const signing_input& in);

struct parsed_authorization {
  std::string access;
  std::vector<std::string> signed_headers;  // lowercase, as listed
  std::string signature;
};
// Parses an Authorization header; false when it is not the SDK-HMAC-SHA256 form.
bool parse_authorization(std::string_view header, parsed_authorization& out);

std::string hex_sha256(std::string_view data);
std::string hex_hmac_sha256(std::string_view key, std::string_view data);

}  // namespace cphfleet

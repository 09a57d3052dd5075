#include "api/signer.hpp"

#include "base/text.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>

namespace cphfleet {
namespace {

// The SDKs sign the decoded path and query (Go's URL.Path / Query()), so what was sent is decoded first,
// then encoded the one canonical way (RFC 3986, uppercase hex).
std::string canonical_uri(std::string_view path) {
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string_view seg = path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
    out += percent_encode(percent_decode(seg));
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  if (out.empty() || out.back() != '/') out += '/';
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    auto amp = query.find('&', start);
    std::string_view kv = query.substr(start, amp == std::string_view::npos ? query.npos : amp - start);
    if (!kv.empty()) {
      auto eq = kv.find('=');
      std::string_view value = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
      params.emplace_back(percent_decode(kv.substr(0, eq), true), percent_decode(value, true));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += percent_encode(k);
    out += '=';
    out += percent_encode(v);
  }
  return out;
}

}  // namespace

std::string hex_sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex_encode(digest, sizeof digest);
}

std::string hex_hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &len);
  return hex_encode(digest, len);
}

std::string canonical_request(const signing_input& in) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(in.headers.size());
  for (const auto& [name, value] : in.headers) headers.emplace_back(to_lower(name), std::string(trim(value)));
  std::sort(headers.begin(), headers.end());
  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += fmt::format("{}:{}\n", name, value);
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", in.method, canonical_uri(in.path), canonical_query(in.query),
                     canonical_headers, signed_headers, hex_sha256(in.body));
}

std::string string_to_sign(std::string_view canonical, std::string_view date) {
  return fmt::format("SDK-HMAC-SHA256\n{}\n{}", date, hex_sha256(canonical));
}

std::string signature(std::string_view sk, std::string_view sts) { return hex_hmac_sha256(sk, sts); }

std::string authorization(std::string_view ak, std::string_view sk, const signing_input& in) {
  std::string date;
  std::vector<std::string> names;
  for (const auto& [name, value] : in.headers) {
    std::string l = to_lower(name);
    if (l == "x-sdk-date") date = std::string(trim(value));
    names.push_back(std::move(l));
  }
  std::sort(names.begin(), names.end());
  std::string signed_headers;
  for (const auto& n : names) {
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += n;
  }
  std::string sig = signature(sk, string_to_sign(canonical_request(in), date));
  return fmt::format("SDK-HMAC-SHA256 Access={}, SignedHeaders={}, Signature={}", ak, signed_headers, sig);
}

bool parse_authorization(std::string_view header, parsed_authorization& out) {
  constexpr std::string_view scheme = "SDK-HMAC-SHA256 ";
  if (header.substr(0, scheme.size()) != scheme) return false;
  header.remove_prefix(scheme.size());
  out = {};
  bool have_access = false, have_headers = false, have_sig = false;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view part = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) return false;
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Access") {
      out.access = std::string(value);
      have_access = true;
    } else if (key == "SignedHeaders") {
      std::size_t s = 0;
      while (s <= value.size()) {
        auto semi = value.find(';', s);
        auto name = value.substr(s, semi == std::string_view::npos ? value.npos : semi - s);
        if (!name.empty()) out.signed_headers.emplace_back(name);
        if (semi == std::string_view::npos) break;
        s = semi + 1;
      }
      have_headers = true;
    } else if (key == "Signature") {
      out.signature = std::string(value);
      have_sig = true;
    }
  }
  return have_access && have_headers && have_sig && !out.signed_headers.empty();
}

}  // namespace cphfleet

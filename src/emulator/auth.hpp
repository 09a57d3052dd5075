// How the emulated gateway checks an API call's credentials: X-Auth-Token, or an SDK-HMAC-SHA256
// signature verified with src/api/signer.hpp (the client signs with the same code).
#pragma once
#include "base/net.hpp"
#include "emulator/metadata.hpp"
#include "emulator/options.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cphfleet {

// Why the call is refused (what follows "Incorrect IAM authentication information: " in the 401), or
// nothing when it passes. With `options.token` set, X-Auth-Token must equal it; with `options.ak` and
// `options.sk`, the call must be signed by that key with an X-Sdk-Date within 15 minutes of `now_s`
// (Unix seconds); with neither, every call passes. With `issued`, a temporary key it handed out is
// accepted too, until it expires, signed with its own secret and carrying its X-Security-Token among
// the signed headers. `path` and `query` are the target's two parts, as sent (still encoded).
std::optional<std::string> auth_refusal(const emulator_options& options,
                                        const http::request<http::string_body>& req, std::string_view path,
                                        std::string_view query, std::int64_t now_s,
                                        const metadata_service* issued = nullptr);

}  // namespace cphfleet

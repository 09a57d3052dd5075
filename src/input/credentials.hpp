// Who the runner is to the service (docs/service.md "Authentication"): AK/SK or an IAM token, from the
// environment only (secrets never live in the config file), plus the project the calls go to.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "input/config.hpp"

namespace cphfleet {

// env_lookup and process_env come from config.hpp.

// Holds secrets: never print its fields, print `describe()`.
struct credentials {
  enum class kind { none, aksk, token };
  kind type = kind::none;      // none: the embedded emulator, which needs no credentials
  std::string access_key;      // aksk
  std::string secret_key;      // aksk
  std::string security_token;  // aksk with temporary keys: sent as X-Security-Token, and signed
  std::string auth_token;      // token: sent as X-Auth-Token
  std::string project_id;

  // `AK ABCD… (temporary, with security token), project 0123…` / `token MIIE…, project …` /
  // `none (embedded emulator)`: safe for logs and messages.
  std::string describe() const;
};

// Reads the credentials `cfg.auth` asks for. The project id is the config's, else
// HUAWEICLOUD_SDK_PROJECT_ID. An embedded endpoint needs none. Throws input_error (exit 2, before any
// request) naming every variable to set when something is missing.
credentials load_credentials(const config& cfg, const env_lookup& env = process_env);

}  // namespace cphfleet

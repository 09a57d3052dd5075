// Who the runner is to the service (docs/service.md "Authentication"): AK/SK or an IAM token, plus the
// project the calls go to. AK/SK come from the first source that has them, in the official SDKs'
// order: the environment, the SDK's credentials file (input/credentials_file.hpp), then temporary keys
// from the ECS metadata service (fetched by client/ecs_metadata.hpp: this folder sends nothing).
// Secrets never live in the config file.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "input/config.hpp"

namespace cphfleet {

// env_lookup and process_env come from config.hpp.

enum class credential_source {
  none,          // the embedded emulator
  env,           // HUAWEICLOUD_SDK_AK/SK (or CPHFLEET_AUTH_TOKEN)
  file,          // the SDK's credentials file
  ecs_metadata,  // temporary keys of the ECS's agency, refreshed before they expire
};

// Holds secrets: never print its fields, print `describe()`.
struct credentials {
  enum class kind { none, aksk, token };
  kind type = kind::none;      // none: the embedded emulator, which needs no credentials
  std::string access_key;      // aksk
  std::string secret_key;      // aksk
  std::string security_token;  // aksk with temporary keys: sent as X-Security-Token, and signed
  std::string auth_token;      // token: sent as X-Auth-Token
  std::string project_id;

  credential_source source = credential_source::none;
  std::string source_where;  // file: its path; ecs_metadata: the service's base URL
  // Temporary keys from the metadata service: when they stop working (Unix seconds); 0 for keys
  // that do not expire, or that were not fetched yet (access_key is then empty).
  std::int64_t expires_at_s = 0;
  // The sources looked at before this one, each with why it had nothing ("env: HUAWEICLOUD_SDK_AK
  // and HUAWEICLOUD_SDK_SK are unset"): what an error names when this one fails too.
  std::vector<std::string> passed_over;

  // `env`, `file /home/op/.huaweicloud/credentials`, `ECS metadata http://169.254.169.254`, `none`.
  std::string source_text() const;
  // `AK ABCD… (temporary, with security token)`, `token MIIE…`, `none`: the key, redacted.
  std::string key_text() const;
  // `AK ABCD… (temporary, with security token), project 0123…, from env` / `token MIIE…, project …,
  // from env` / `none (embedded emulator)`: safe for logs and messages.
  std::string describe() const;
};

// The credentials file the SDKs read: env HUAWEICLOUD_SDK_CREDENTIALS_FILE, else
// $HOME/.huaweicloud/credentials; nothing when neither is set.
std::optional<std::string> credentials_file_path(const env_lookup& env);

// Finds the credentials `cfg.auth` asks for. With "aksk": the environment, else the credentials file,
// else the ECS metadata service at `cfg.metadata_url`, which comes back with `source ==
// ecs_metadata` and no keys yet (the caller fetches them). The project id is the config's (which
// already fell back to HUAWEICLOUD_SDK_PROJECT_ID), else the credentials file's when the keys come
// from it. An embedded endpoint needs none. Throws input_error (exit 2, before any request) naming
// every variable or file to fix when something is missing, half set or unsafe.
credentials load_credentials(const config& cfg, const env_lookup& env = process_env);

// The error when the last source failed too (`failure`: why the metadata service gave no keys): every
// source tried, each with what it lacked, and what to set.
diagnostic no_credentials(const config& cfg, const credentials& c, std::string_view failure);

}  // namespace cphfleet

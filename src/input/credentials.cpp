#include "input/credentials.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/diagnostic.hpp"
#include "base/log.hpp"

namespace cphfleet {

std::string credentials::describe() const {
  std::string who;
  switch (type) {
    case kind::none:
      return "none (embedded emulator)";
    case kind::aksk:
      who = "AK " + redact(access_key);
      if (!security_token.empty()) who += " (temporary, with security token)";
      break;
    case kind::token:
      who = "token " + redact(auth_token);
      break;
  }
  return who + ", project " + project_id;
}

credentials load_credentials(const config& cfg, const env_lookup& env) {
  credentials c;
  // An empty variable is as good as unset: it would only fail later, at the gateway.
  auto get = [&](std::string_view name) -> std::string {
    auto v = env(name);
    return v ? *v : std::string();
  };
  if (cfg.embedded()) {
    c.project_id = cfg.project_id.empty() ? std::string(embedded_project_id) : cfg.project_id;
    return c;
  }

  diagnostics errors;
  auto missing = [&](std::string field, std::string message) {
    errors.push_back(diagnostic{cfg.path.string(), 0, 0, std::move(field), std::move(message)});
  };

  if (cfg.auth == auth_method::aksk) {
    c.type = credentials::kind::aksk;
    c.access_key = get("HUAWEICLOUD_SDK_AK");
    c.secret_key = get("HUAWEICLOUD_SDK_SK");
    c.security_token = get("HUAWEICLOUD_SDK_SECURITY_TOKEN");
    std::vector<std::string> unset;
    if (c.access_key.empty()) unset.emplace_back("HUAWEICLOUD_SDK_AK");
    if (c.secret_key.empty()) unset.emplace_back("HUAWEICLOUD_SDK_SK");
    if (!unset.empty()) {
      missing("auth.method",
              fmt::format("aksk credentials missing: set {} in the environment (temporary keys also "
                          "need HUAWEICLOUD_SDK_SECURITY_TOKEN)",
                          fmt::join(unset, " and ")));
    }
  } else {
    c.type = credentials::kind::token;
    c.auth_token = get("CPHFLEET_AUTH_TOKEN");
    if (c.auth_token.empty()) {
      missing("auth.method", "token missing: set CPHFLEET_AUTH_TOKEN in the environment (an IAM token)");
    }
  }

  c.project_id = cfg.project_id.empty() ? get("HUAWEICLOUD_SDK_PROJECT_ID") : cfg.project_id;
  if (c.project_id.empty()) {
    missing("cloud.project_id",
            "missing (set project_id in [cloud] or HUAWEICLOUD_SDK_PROJECT_ID in the environment)");
  }
  if (!errors.empty()) throw input_error(std::move(errors));
  return c;
}

}  // namespace cphfleet

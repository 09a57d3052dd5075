#include "input/credentials.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "base/toml_reader.hpp"
#include "input/credentials_file.hpp"

namespace cphfleet {

std::string credentials::source_text() const {
  switch (source) {
    case credential_source::env:
      return "env";
    case credential_source::file:
      return "file " + source_where;
    case credential_source::ecs_metadata:
      return "ECS metadata " + source_where;
    case credential_source::none:
      break;
  }
  return "none";
}

std::string credentials::key_text() const {
  std::string who;
  switch (type) {
    case kind::none:
      return "none";
    case kind::aksk:
      // Before the first fetch from the metadata service there is no key to show yet.
      who = access_key.empty() ? std::string("temporary AK") : "AK " + redact(access_key);
      if (!security_token.empty()) who += " (temporary, with security token)";
      break;
    case kind::token:
      who = "token " + redact(auth_token);
      break;
  }
  return who;
}

std::string credentials::describe() const {
  if (type == kind::none) return "none (embedded emulator)";
  return fmt::format("{}, project {}, from {}", key_text(), project_id, source_text());
}

std::optional<std::string> credentials_file_path(const env_lookup& env) {
  if (auto v = env("HUAWEICLOUD_SDK_CREDENTIALS_FILE"); v && !v->empty()) return *v;
  if (auto home = env("HOME"); home && !home->empty()) return *home + "/.huaweicloud/credentials";
  return std::nullopt;
}

namespace {

class credential_finder {
 public:
  credential_finder(const config& cfg, const env_lookup& env) : cfg_(cfg), env_(env) {}

  credentials find() {
    credentials c;
    // load_config already fell back to the environment; a config made by hand may not have.
    c.project_id = cfg_.project_id.empty() ? get("HUAWEICLOUD_SDK_PROJECT_ID") : cfg_.project_id;
    if (cfg_.auth == auth_method::token) {
      from_token_env(c);
    } else if (!from_env(c) && !from_file(c)) {
      c.type = credentials::kind::aksk;
      c.source = credential_source::ecs_metadata;
      c.source_where = cfg_.metadata_url;
    }
    if (c.project_id.empty()) {
      error(
          "cloud.project_id",
          "missing (set project_id in [cloud], HUAWEICLOUD_SDK_PROJECT_ID in the environment, or project_id "
          "in the credentials file's [basic])");
    }
    if (!errors_.empty()) throw input_error(std::move(errors_));
    c.passed_over = std::move(passed_over_);
    return c;
  }

 private:
  // An empty variable is as good as unset: it would only fail later, at the gateway.
  std::string get(std::string_view name) const {
    auto v = env_(name);
    return v ? *v : std::string();
  }

  void error(std::string field, std::string message) {
    errors_.push_back(diagnostic{cfg_.path.string(), 0, 0, std::move(field), std::move(message)});
  }

  void from_token_env(credentials& c) {
    c.type = credentials::kind::token;
    c.source = credential_source::env;
    c.auth_token = get("CPHFLEET_AUTH_TOKEN");
    if (c.auth_token.empty()) {
      error("auth.method", "token missing: set CPHFLEET_AUTH_TOKEN in the environment (an IAM token)");
    }
  }

  // Both keys or neither: one alone is a mistake, not a reason to go looking elsewhere for another
  // identity.
  bool from_env(credentials& c) {
    std::string ak = get("HUAWEICLOUD_SDK_AK");
    std::string sk = get("HUAWEICLOUD_SDK_SK");
    if (ak.empty() && sk.empty()) {
      passed_over_.emplace_back("env: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are unset");
      return false;
    }
    if (ak.empty() || sk.empty()) {
      error("auth.method",
            fmt::format("aksk credentials half set: {} is set but {} is not (required: both in the "
                        "environment, or neither to use the credentials file or the ECS metadata; temporary "
                        "keys also need HUAWEICLOUD_SDK_SECURITY_TOKEN)",
                        ak.empty() ? "HUAWEICLOUD_SDK_SK" : "HUAWEICLOUD_SDK_AK",
                        ak.empty() ? "HUAWEICLOUD_SDK_AK" : "HUAWEICLOUD_SDK_SK"));
      return true;
    }
    c.type = credentials::kind::aksk;
    c.source = credential_source::env;
    c.access_key = std::move(ak);
    c.secret_key = std::move(sk);
    c.security_token = get("HUAWEICLOUD_SDK_SECURITY_TOKEN");
    return true;
  }

  bool from_file(credentials& c) {
    auto path = credentials_file_path(env_);
    if (!path) {
      passed_over_.emplace_back("file: neither HUAWEICLOUD_SDK_CREDENTIALS_FILE nor HOME is set");
      return false;
    }
    std::optional<credentials_file> file;
    try {
      file = read_credentials_file(*path);
    } catch (const input_error& e) {
      errors_.insert(errors_.end(), e.errors.begin(), e.errors.end());
      return true;
    }
    if (!file) {
      passed_over_.push_back(fmt::format("file {}: does not exist", *path));
      return false;
    }
    if (file->ak.empty() && file->sk.empty()) {
      passed_over_.push_back(fmt::format("file {}: no ak and sk in [basic]", *path));
      return false;
    }
    if (file->ak.empty() || file->sk.empty()) {
      errors_.push_back(diagnostic{*path, file->line, 1, file->ak.empty() ? "basic.ak" : "basic.sk",
                                   fmt::format("is missing (required: ak and sk together in [basic]; {} "
                                               "alone is not a key)",
                                               file->ak.empty() ? "sk" : "ak")});
      return true;
    }
    c.type = credentials::kind::aksk;
    c.source = credential_source::file;
    c.source_where = *path;
    c.access_key = std::move(file->ak);
    c.secret_key = std::move(file->sk);
    c.security_token = std::move(file->security_token);
    if (c.project_id.empty() && !file->project_id.empty()) {
      if (valid_project_id(file->project_id)) {
        c.project_id = std::move(file->project_id);
      } else {
        errors_.push_back(diagnostic{*path, file->line, 1, "basic.project_id",
                                     fmt::format("{} is not a project id (allowed: {})",
                                                 quote(file->project_id), project_id_allowed)});
        c.project_id = "-";  // reported above; not also "missing"
      }
    }
    return true;
  }

  const config& cfg_;
  const env_lookup& env_;
  diagnostics errors_;
  std::vector<std::string> passed_over_;
};

}  // namespace

credentials load_credentials(const config& cfg, const env_lookup& env) {
  if (cfg.embedded()) {
    credentials c;
    c.project_id = cfg.project_id.empty() ? std::string(embedded_project_id) : cfg.project_id;
    return c;
  }
  return credential_finder(cfg, env).find();
}

diagnostic no_credentials(const config& cfg, const credentials& c, std::string_view failure) {
  std::vector<std::string> tried = c.passed_over;
  tried.emplace_back(failure);
  return diagnostic{cfg.path.string(), 0, 0, "auth.method",
                    fmt::format("aksk credentials missing from every source: {} (set HUAWEICLOUD_SDK_AK and "
                                "HUAWEICLOUD_SDK_SK in the environment, write them to the credentials file, "
                                "or run on an ECS with an agency)",
                                fmt::join(tried, "; "))};
}

}  // namespace cphfleet

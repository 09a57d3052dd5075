#include "input/config.hpp"

#include "base/loopback.hpp"

#include "emulator/faults.hpp"
#include "input/regions.hpp"

#include "base/text.hpp"
#include "base/toml_reader.hpp"

#include <fmt/format.h>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <vector>

namespace cphfleet {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 6> top_keys{"cloud",  "auth",     "limits",
                                                   "ledger", "emulator", "billing"};
constexpr std::array<std::string_view, 4> billing_keys{"site", "endpoint", "settle_s", "products"};
constexpr std::array<std::string_view, 7> product_keys{
    "cloud_service_type", "resource_type", "resource_spec",  "region",
    "available_zone",     "resource_size", "size_measure_id"};
constexpr std::array<std::string_view, 4> cloud_keys{"region", "endpoint", "project_id", "ca_file"};
constexpr std::array<std::string_view, 2> auth_keys{"method", "metadata_url"};
constexpr std::array<std::string_view, 1> ledger_keys{"path"};
constexpr std::array<std::string_view, 7> emulator_keys{
    "latency_ms", "settle_ms", "provision_ms", "rate_limit", "seed", "faults", "script"};
constexpr const auto& fault_kinds = fault_kind_names;

// An integer limit and its allowed range. The ranges keep a typo (an extra zero, a missing one) from
// turning into a retry storm or a run that never times out.
struct int_limit {
  std::string_view key;
  std::int64_t limits_config::*member;
  std::int64_t lo;
  std::int64_t hi;
};
constexpr std::array<int_limit, 12> int_limits{{
    {"burst", &limits_config::burst, 1, 10'000},
    {"max_in_flight", &limits_config::max_in_flight, 1, 256},
    {"max_attempts", &limits_config::max_attempts, 1, 100},
    {"backoff_base_ms", &limits_config::backoff_base_ms, 1, 600'000},
    {"backoff_max_ms", &limits_config::backoff_max_ms, 1, 3'600'000},
    {"throttle_backoff_base_ms", &limits_config::throttle_backoff_base_ms, 1, 600'000},
    {"retry_budget", &limits_config::retry_budget, 0, 1'000'000},
    {"circuit_ambiguous", &limits_config::circuit_ambiguous, 1, 1'000},
    {"connect_timeout_s", &limits_config::connect_timeout_s, 1, 600},
    {"request_timeout_s", &limits_config::request_timeout_s, 1, 3'600},
    {"settle_s", &limits_config::settle_s, 0, 86'400},
    {"max_servers_per_run", &limits_config::max_servers_per_run, 1, 1'000'000},
}};
constexpr double max_requests_per_second = 10'000;

std::vector<std::string_view> limit_keys() {
  std::vector<std::string_view> keys{"requests_per_second", "allow_short_settle", "max_amount_per_run"};
  for (const auto& l : int_limits) keys.push_back(l.key);
  return keys;
}

// What a region id may hold: it becomes part of a host name and of an environment variable's name.
bool valid_region_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// What a base URL must not carry besides scheme, host and port.
std::optional<std::string> extras_problem(const boost::urls::url_view& url, std::string_view v) {
  std::vector<std::string_view> wrong;
  if (url.has_userinfo()) wrong.push_back("credentials");
  if (url.has_port() && url.port_number() == 0) wrong.push_back("a bad port");
  if (!url.encoded_path().empty() && url.encoded_path() != "/") wrong.push_back("a path");
  if (url.has_query()) wrong.push_back("a query");
  if (url.has_fragment()) wrong.push_back("a fragment");
  if (!wrong.empty()) return fmt::format("{} has {}", quote(v), fmt::join(wrong, " and "));
  return std::nullopt;
}

constexpr std::string_view endpoint_allowed =
    "\"embedded\", https://host[:port], or http:// to a loopback host";

// Why `v` cannot be a service's base URL, or nothing when it can: https, or http to this machine only
// (a local emulator or proxy), since plain http elsewhere would send signed requests in the clear.
std::optional<std::string> endpoint_problem(std::string_view v) {
  auto url = boost::urls::parse_absolute_uri(v);
  if (!url || !url->has_authority() || url->host().empty()) return fmt::format("{} is not a URL", quote(v));
  const std::string scheme = to_lower(url->scheme());
  if (scheme != "https" && scheme != "http") return fmt::format("{} is not https", quote(v));
  if (scheme == "http" && !endpoint_is_loopback(v))
    return fmt::format("{} would send requests unencrypted", quote(v));
  return extras_problem(*url, v);
}

std::string without_trailing_slashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

constexpr std::string_view metadata_allowed = "http://host[:port] to 169.254.169.254 or a loopback host";

// The metadata service answers plain http on a link-local address; anything farther away would carry
// temporary keys in the clear, so only that address and this machine (the emulator) are accepted.
std::optional<std::string> metadata_url_problem(std::string_view v) {
  auto url = boost::urls::parse_absolute_uri(v);
  if (!url || !url->has_authority() || url->host().empty()) return fmt::format("{} is not a URL", quote(v));
  if (to_lower(url->scheme()) != "http") return fmt::format("{} is not http", quote(v));
  if (url->encoded_host_address() != "169.254.169.254" && !is_loopback_host(url->encoded_host_address()))
    return fmt::format("{} is not the metadata address or this machine", quote(v));
  return extras_problem(*url, v);
}

}  // namespace

bool valid_project_id(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::optional<std::string> billing_site_endpoint(std::string_view site) {
  if (site == "cn") return "https://bss.myhuaweicloud.com";
  if (site == "intl") return "https://bss-intl.myhuaweicloud.com";
  if (site == "eu") return "https://bss.myhuaweicloud.eu";
  return std::nullopt;
}

bool endpoint_is_loopback(std::string_view endpoint) {
  auto url = boost::urls::parse_absolute_uri(endpoint);
  return url && url->has_authority() && is_loopback_host(url->encoded_host_address());
}

namespace {

class config_reader {
 public:
  config_reader(const fs::path& path, const env_lookup& env, diagnostics& out)
      : path_(path), env_(env), in_(path.string(), out) {
    in_.forbid_secrets(
        "looks like a credential, and secrets never go in this file (allowed: env HUAWEICLOUD_SDK_AK and "
        "HUAWEICLOUD_SDK_SK, plus HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys, or the SDK's "
        "credentials file, with method \"aksk\"; env CPHFLEET_AUTH_TOKEN with method \"token\")");
  }

  // `text`: the file's content when the caller has it already; else the file is read.
  config read(const std::string_view* text = nullptr) {
    config cfg;
    cfg.path = path_;
    cfg.ledger_path = relative_to_file("../ledger/orders.csv");
    auto doc = text ? in_.parse_text(*text) : in_.parse_file(path_);
    if (!doc) {
      in_.finish();
      return cfg;
    }
    in_.check_keys(*doc, "", top_keys);
    read_cloud(*doc, cfg);
    if (const auto* t = section(*doc, "auth")) read_auth(*t, cfg);
    read_metadata_env(cfg);
    if (const auto* t = section(*doc, "limits")) read_limits(*t, cfg.limits);
    check_settle_floor(cfg);
    if (const auto* t = section(*doc, "ledger")) read_ledger(*t, cfg);
    if (const toml::node* n = doc->get("emulator")) {
      if (const auto* t = in_.table(*n, "emulator")) {
        // Only the built-in emulator takes these; against a real endpoint they would be silently
        // meaningless, and someone would believe faults were being injected.
        if (endpoint_known_ && !cfg.embedded()) {
          in_.error(*t, "emulator",
                    fmt::format("is set for endpoint {} (allowed: only with endpoint = \"embedded\")",
                                quote(cfg.endpoint)));
        }
        read_emulator(*t, cfg.emulator);
      }
    }
    if (const auto* t = section(*doc, "billing")) read_billing(*t, cfg);
    // A money guard nothing can price would pass every run: refused instead.
    if (amount_node_ && !cfg.billing)
      in_.error(*amount_node_, "limits.max_amount_per_run",
                "is set but there is no [billing] to price a run with (allowed: with [billing] and "
                "[billing.products] for the job's flavors, README \"Money\")");
    in_.finish();
    return cfg;
  }

 private:
  // Not lexically normalized: with a symlinked folder, `dir/../x` and `x` are different files.
  fs::path relative_to_file(const fs::path& p) const { return p.is_absolute() ? p : path_.parent_path() / p; }

  const toml::table* section(const toml::table& doc, std::string_view name) {
    const toml::node* n = doc.get(name);
    return n ? in_.table(*n, name) : nullptr;
  }

  void read_cloud(const toml::table& doc, config& cfg) {
    const toml::table* t = nullptr;
    if (const toml::node* n = doc.get("cloud")) {
      t = in_.table(*n, "cloud");
      if (!t) return;
    } else {
      in_.error("cloud", "is missing (required: a [cloud] table with a region or an endpoint)");
      return;
    }
    in_.check_keys(*t, "cloud", cloud_keys);
    const toml::node* region = t->get("region");
    const toml::node* endpoint = t->get("endpoint");
    if (region && endpoint) {
      in_.error(*region, "cloud.region",
                "is set together with cloud.endpoint (allowed: one of them: region for the official "
                "endpoint, endpoint for any other)");
    } else if (region) {
      if (auto v = in_.string(*region, "cloud.region")) read_region(*region, *v, cfg);
    } else if (endpoint) {
      if (auto v = in_.string(*endpoint, "cloud.endpoint")) {
        if (check_endpoint(*endpoint, *v)) {
          cfg.endpoint = without_trailing_slashes(*v);
          endpoint_known_ = true;
        }
      }
    } else {
      in_.error(*t, "cloud.region",
                "is missing (required: a region like \"cn-north-4\", or an endpoint: \"embedded\" or a URL)");
    }

    if (const toml::node* n = t->get("project_id")) {
      if (auto v = in_.string(*n, "cloud.project_id")) {
        if (valid_project_id(*v)) {
          cfg.project_id = *v;
        } else {
          in_.error(*n, "cloud.project_id",
                    fmt::format("{} is not a project id (allowed: {})", quote(*v), project_id_allowed));
        }
      }
      project_id_given_ = true;
    } else if (auto v = env_("HUAWEICLOUD_SDK_PROJECT_ID"); v && !v->empty()) {
      if (valid_project_id(*v)) {
        cfg.project_id = *v;
      } else {
        in_.error("cloud.project_id",
                  fmt::format("env HUAWEICLOUD_SDK_PROJECT_ID {} is not a project id (allowed: {})",
                              quote(*v), project_id_allowed));
      }
      project_id_given_ = true;
    }
    // A real endpoint without one may still get it from the credentials file: load_credentials
    // (input/credentials.hpp) decides, once it knows which source the keys come from.
    if (!project_id_given_ && endpoint_known_ && cfg.embedded()) {
      cfg.project_id = std::string(embedded_project_id);
    }

    if (const toml::node* n = t->get("ca_file")) {
      if (auto v = in_.path_string(*n, "cloud.ca_file", "a PEM file, relative to this file's folder")) {
        if (endpoint_known_ && !to_lower(cfg.endpoint).starts_with("https://")) {
          in_.error(*n, "cloud.ca_file",
                    "is set but the endpoint does not use TLS (allowed: only with https://)");
        } else {
          fs::path p = relative_to_file(*v);
          std::error_code ec;
          if (!fs::is_regular_file(p, ec)) {
            in_.error(
                *n, "cloud.ca_file",
                fmt::format("{} is not a file (looked at {}; allowed: a PEM file, relative to this file's "
                            "folder)",
                            quote(*v), p.string()));
          } else {
            cfg.ca_file = p;
          }
        }
      }
    }
  }

  bool check_endpoint(const toml::node& n, std::string_view v) {
    if (v == "embedded") return true;
    if (auto problem = endpoint_problem(v)) {
      in_.error(n, "cloud.endpoint", fmt::format("{} (allowed: {})", *problem, endpoint_allowed));
      return false;
    }
    return true;
  }

  // A region of the SDK's table, or any region whose endpoint the SDK's override variable names (the
  // SDK looks at the variable first, so it also serves a region the table does not know yet).
  void read_region(const toml::node& n, std::string_view region, config& cfg) {
    if (!valid_region_id(region)) {
      in_.error(n, "cloud.region",
                fmt::format("{} is not a region id (allowed: {})", quote(region), cph_region_list()));
      return;
    }
    const std::string variable = cph_region_override_variable(region);
    if (auto v = env_(variable); v && !v->empty()) {
      // The SDK takes a comma-separated list and fails over along it; the runner sends to one
      // endpoint, the first, and checks them all so that a later one is not a surprise either.
      std::string first;
      bool ok = true;
      for (std::size_t start = 0; start <= v->size();) {
        std::size_t comma = std::min(v->find(',', start), v->size());
        std::string url = std::string(trim(std::string_view(*v).substr(start, comma - start)));
        start = comma + 1;
        if (auto problem = endpoint_problem(url)) {
          in_.error("cloud.region", fmt::format("env {} {} (allowed: https://host[:port], or http:// to a "
                                                "loopback host)",
                                                variable, *problem));
          ok = false;
        } else if (first.empty()) {
          first = url;
        }
      }
      if (!ok) return;
      cfg.endpoint = without_trailing_slashes(first);
      cfg.region_override = variable;
    } else if (auto endpoint = cph_region_endpoint(region)) {
      cfg.endpoint = *endpoint;
    } else {
      in_.error(n, "cloud.region",
                fmt::format("unknown region {} (allowed: {}; another region needs env {} or an endpoint)",
                            quote(region), cph_region_list(), variable));
      return;
    }
    cfg.region = std::string(region);
    endpoint_known_ = true;
  }

  void read_auth(const toml::table& t, config& cfg) {
    in_.check_keys(t, "auth", auth_keys);
    if (const toml::node* n = t.get("method")) {
      if (auto v = in_.string(*n, "auth.method")) {
        if (*v == "aksk") {
          cfg.auth = auth_method::aksk;
        } else if (*v == "token") {
          cfg.auth = auth_method::token;
        } else {
          in_.error(*n, "auth.method",
                    fmt::format("{} is not an auth method (allowed: aksk, token)", quote(*v)));
        }
      }
    }
    if (const toml::node* n = t.get("metadata_url")) {
      if (auto v = in_.string(*n, "auth.metadata_url")) {
        if (auto problem = metadata_url_problem(*v)) {
          in_.error(*n, "auth.metadata_url", fmt::format("{} (allowed: {})", *problem, metadata_allowed));
        } else {
          cfg.metadata_url = without_trailing_slashes(*v);
          metadata_url_given_ = true;
        }
      }
    }
  }

  // The file's `[auth] metadata_url`, else env CPHFLEET_ECS_METADATA_URL, else the ECS address.
  void read_metadata_env(config& cfg) {
    if (metadata_url_given_) return;
    auto v = env_("CPHFLEET_ECS_METADATA_URL");
    if (!v || v->empty()) return;
    if (auto problem = metadata_url_problem(*v)) {
      in_.error("auth.metadata_url",
                fmt::format("env CPHFLEET_ECS_METADATA_URL {} (allowed: {})", *problem, metadata_allowed));
    } else {
      cfg.metadata_url = without_trailing_slashes(*v);
    }
  }

  // A settle window shorter than the service takes to show new servers makes reconcile find nothing
  // and re-send an order that went through. Against a real endpoint it has a floor, which only an
  // explicit `allow_short_settle = true` lowers (and every command that reads the config warns).
  void check_settle_floor(config& cfg) {
    if (!endpoint_known_ || cfg.embedded() || endpoint_is_loopback(cfg.endpoint)) return;
    if (cfg.limits.settle_s >= settle_floor_s) return;
    if (cfg.limits.allow_short_settle) {
      cfg.warnings.push_back(fmt::format(
          "{}: limits.settle_s: {} s is below the {} s floor for endpoint {}, allowed by "
          "allow_short_settle = true: an ambiguous purchase may be re-sent before its servers show",
          path_.string(), cfg.limits.settle_s, settle_floor_s, cfg.endpoint));
      return;
    }
    const toml::node* where = settle_node_ ? settle_node_ : limits_node_;
    const std::string message = fmt::format(
        "{} is below the {} s floor for endpoint {} (allowed: {}..86400, or [limits] allow_short_settle = "
        "true)",
        cfg.limits.settle_s, settle_floor_s, cfg.endpoint, settle_floor_s);
    if (where) {
      in_.error(*where, "limits.settle_s", message);
    } else {
      in_.error("limits.settle_s", message);
    }
  }

  void read_limits(const toml::table& t, limits_config& limits) {
    const auto keys = limit_keys();
    in_.check_keys(t, "limits", keys);
    limits_node_ = &t;
    settle_node_ = t.get("settle_s");
    if (const toml::node* n = t.get("allow_short_settle")) {
      if (auto v = in_.boolean(*n, "limits.allow_short_settle")) limits.allow_short_settle = *v;
    }
    if (const toml::node* n = t.get("requests_per_second")) {
      if (auto v = in_.number(*n, "limits.requests_per_second")) {
        if (*v <= 0 || *v > max_requests_per_second) {
          in_.error(*n, "limits.requests_per_second",
                    fmt::format("{} is out of range (allowed: more than 0, at most {})", *v,
                                max_requests_per_second));
        } else {
          limits.requests_per_second = *v;
        }
      }
    }
    if (const toml::node* n = t.get("max_amount_per_run")) read_amount(*n, limits);
    const toml::node* base_node = nullptr;
    for (const auto& l : int_limits) {
      const toml::node* n = t.get(l.key);
      if (!n) continue;
      const std::string field = join_field("limits", l.key);
      if (auto v = in_.integer(*n, field, l.lo, l.hi)) limits.*(l.member) = *v;
      if (l.key == "backoff_base_ms") base_node = n;
    }
    if (limits.backoff_max_ms < limits.backoff_base_ms) {
      const toml::node* n = t.get("backoff_max_ms");
      in_.error(n           ? *n
                : base_node ? *base_node
                            : static_cast<const toml::node&>(t),
                "limits.backoff_max_ms",
                fmt::format("{} is below backoff_base_ms {} (allowed: backoff_base_ms..3600000)",
                            limits.backoff_max_ms, limits.backoff_base_ms));
    }
  }

  // A decimal string: a float would be rounded in binary before anyone compared it with a price.
  void read_amount(const toml::node& n, limits_config& limits) {
    constexpr std::string_view field = "limits.max_amount_per_run";
    constexpr std::string_view allowed = "a decimal string such as \"5000.00\", at least 0";
    if (!n.is_string()) {
      in_.error(n, field, fmt::format("is {} (allowed: {})", describe_type(n), allowed));
      return;
    }
    const std::string text = std::string(*n.value<std::string_view>());
    auto v = decimal::parse(text);
    if (!v || v->negative()) {
      in_.error(n, field, fmt::format("{} is not an amount (allowed: {})", quote(text), allowed));
      return;
    }
    limits.max_amount_per_run = *v;
    limits.max_amount_text = text;
    amount_node_ = &n;
  }

  void read_products(const toml::node& n, billing_config& b) {
    const toml::table* products = in_.table(n, "billing.products");
    if (!products) return;
    for (const auto& [key, node] : *products) {
      const std::string name(key.str());
      const std::string field = fmt::format("billing.products.\"{}\"", name);
      const toml::table* t = in_.table(node, field);
      if (!t) continue;
      in_.check_keys(*t, field, product_keys);
      billing_product p;
      auto text = [&](std::string_view k, std::string& out, bool required) {
        const toml::node* v = t->get(k);
        if (!v) {
          if (required)
            in_.error(
                *t, join_field(field, k),
                "is missing (required: the code read off an order of this flavor: cphfleet billing codes "
                "ORDER_ID)");
          return;
        }
        if (auto s = in_.string(*v, join_field(field, k))) {
          if (s->empty() && required)
            in_.error(*v, join_field(field, k), "is empty (allowed: the code read off an order)");
          out = *s;
        }
      };
      text("cloud_service_type", p.cloud_service_type, true);
      text("resource_type", p.resource_type, true);
      text("resource_spec", p.resource_spec, true);
      text("region", p.region, false);
      text("available_zone", p.available_zone, false);
      if (const toml::node* v = t->get("resource_size"))
        if (auto i = in_.integer(*v, join_field(field, "resource_size"), 1, 1'000'000)) p.resource_size = *i;
      if (const toml::node* v = t->get("size_measure_id"))
        if (auto i = in_.integer(*v, join_field(field, "size_measure_id"), 1, 1'000'000))
          p.size_measure_id = *i;
      b.products.emplace(name, std::move(p));
    }
  }

  void read_ledger(const toml::table& t, config& cfg) {
    in_.check_keys(t, "ledger", ledger_keys);
    if (const toml::node* n = t.get("path")) {
      if (auto v = in_.path_string(*n, "ledger.path", "a CSV file, relative to this file's folder")) {
        cfg.ledger_path = relative_to_file(*v);
      }
    }
  }

  void read_billing(const toml::table& t, config& cfg) {
    in_.check_keys(t, "billing", billing_keys);
    billing_config b;
    const toml::node* site = t.get("site");
    const toml::node* endpoint = t.get("endpoint");
    if (site && endpoint) {
      in_.error(*site, "billing.site",
                "is set together with billing.endpoint (allowed: one of them: site for the official host, "
                "endpoint for any other)");
    } else if (site) {
      if (auto v = in_.string(*site, "billing.site")) {
        if (auto url = billing_site_endpoint(*v)) {
          b.site = *v;
          b.endpoint = *url;
        } else {
          in_.error(*site, "billing.site",
                    fmt::format("{} is not a site (allowed: {})", quote(*v), billing_sites_allowed));
        }
      }
    } else if (endpoint) {
      if (auto v = in_.string(*endpoint, "billing.endpoint")) {
        if (*v == "embedded") {
          if (endpoint_known_ && !cfg.embedded())
            in_.error(*endpoint, "billing.endpoint",
                      fmt::format("is \"embedded\" but cloud.endpoint is {} (allowed: \"embedded\" only with "
                                  "cloud.endpoint = \"embedded\", whose emulator serves billing too)",
                                  quote(cfg.endpoint)));
          b.endpoint = *v;
        } else if (auto problem = endpoint_problem(*v)) {
          in_.error(*endpoint, "billing.endpoint",
                    fmt::format("{} (allowed: {})", *problem, endpoint_allowed));
        } else {
          b.endpoint = without_trailing_slashes(*v);
        }
      }
    } else {
      in_.error(t, "billing.site",
                fmt::format("is missing (required: a site ({}) or an endpoint: \"embedded\" or a URL)",
                            billing_sites_allowed));
    }
    if (const toml::node* n = t.get("settle_s")) {
      if (auto v = in_.integer(*n, "billing.settle_s", 0, 86'400)) b.settle_s = *v;
    }
    if (const toml::node* n = t.get("products")) read_products(*n, b);
    if (auto v = env_("HUAWEICLOUD_SDK_DOMAIN_ID"); v && !v->empty()) {
      if (valid_project_id(*v)) {
        b.domain_id = *v;
      } else {
        in_.error("billing",
                  fmt::format("env HUAWEICLOUD_SDK_DOMAIN_ID {} is not an account id (allowed: {})",
                              quote(*v), project_id_allowed));
      }
    }
    cfg.billing = std::move(b);
  }

  void read_emulator(const toml::table& t, emulator_config& e) {
    in_.check_keys(t, "emulator", emulator_keys);
    if (const toml::node* n = t.get("latency_ms")) {
      if (auto v = in_.integer(*n, "emulator.latency_ms", 0, 60'000)) e.latency_ms = *v;
    }
    if (const toml::node* n = t.get("settle_ms")) {
      if (auto v = in_.integer(*n, "emulator.settle_ms", 0, 3'600'000)) e.settle_ms = *v;
    }
    if (const toml::node* n = t.get("provision_ms")) {
      if (auto v = in_.integer(*n, "emulator.provision_ms", 0, 3'600'000)) e.provision_ms = *v;
    }
    if (const toml::node* n = t.get("rate_limit")) {
      if (auto v = in_.number(*n, "emulator.rate_limit")) {
        if (*v < 0 || *v > max_requests_per_second) {
          in_.error(
              *n, "emulator.rate_limit",
              fmt::format("{} is out of range (allowed: 0 for none, up to {})", *v, max_requests_per_second));
        } else {
          e.rate_limit = *v;
        }
      }
    }
    if (const toml::node* n = t.get("seed")) {
      if (auto v = in_.integer(*n, "emulator.seed", 0, INT64_MAX)) e.seed = static_cast<std::uint64_t>(*v);
    }
    if (const toml::node* n = t.get("faults")) {
      if (const auto* faults = in_.table(*n, "emulator.faults")) {
        const auto& kinds = fault_kinds;
        in_.check_keys(*faults, "emulator.faults", kinds);
        bool ok = true;
        for (const auto& [key, value] : *faults) {
          if (!parse_fault_kind(key.str())) {
            ok = false;
            continue;
          }
          const std::string field = join_field("emulator.faults", key.str());
          auto p = in_.number(value, field);
          if (p && (*p < 0 || *p > 1)) {
            in_.error(value, field, fmt::format("{} is out of range (allowed: a probability, 0..1)", *p));
            p.reset();
          }
          if (p) e.faults[std::string(key.str())] = *p;
          ok = ok && p.has_value();
        }
        // The emulator's own check has the last word (the probabilities must add up to at most 1).
        if (ok) {
          try {
            checked_probabilities(e.faults);
          } catch (const std::invalid_argument& error) {
            in_.error(*faults, "emulator.faults", error.what());
          }
        }
      }
    }
    if (const toml::node* n = t.get("script")) {
      if (auto v = in_.string(*n, "emulator.script")) {
        if (check_script(*n, *v)) e.script = *v;
      }
    }
  }

  // "N:KIND,N:KIND": the purchase numbered N (from 1) meets fault KIND. Each item is checked here so
  // every mistake is listed; the emulator's own parser then has the last word.
  bool check_script(const toml::node& n, std::string_view script) {
    if (trim(script).empty()) return true;
    constexpr std::string_view allowed =
        "allowed: N:KIND,N:KIND with purchase numbers from 1, like 3:commit_then_drop";
    const auto& kinds = fault_kinds;
    bool ok = true;
    std::set<std::int64_t> seen;
    for (std::size_t start = 0; start <= script.size();) {
      std::size_t comma = std::min(script.find(',', start), script.size());
      std::string_view item = trim(script.substr(start, comma - start));
      start = comma + 1;
      auto colon = item.find(':');
      std::int64_t number = 0;
      std::string_view kind;
      if (colon != std::string_view::npos) {
        std::string_view digits = trim(item.substr(0, colon));
        kind = trim(item.substr(colon + 1));
        number = parse_integer<std::int64_t>(digits).value_or(0);
      }
      if (number < 1 || kind.empty()) {
        in_.error(n, "emulator.script", fmt::format("{} is not N:KIND ({})", quote(item), allowed));
        ok = false;
      } else if (!parse_fault_kind(kind)) {
        std::string_view close = closest_key(kind, kinds);
        in_.error(n, "emulator.script",
                  close.empty()
                      ? fmt::format("{} is not a fault kind (allowed: {})", quote(kind), fault_kind_list())
                      : fmt::format("{} is not a fault kind (did you mean {}?)", quote(kind), close));
        ok = false;
      } else if (!seen.insert(number).second) {
        in_.error(n, "emulator.script",
                  fmt::format("purchase {} is scripted twice (allowed: one fault per purchase)", number));
        ok = false;
      }
    }
    if (ok) {
      try {
        parse_fault_script(script);
      } catch (const std::invalid_argument& error) {
        in_.error(n, "emulator.script", error.what());
        ok = false;
      }
    }
    return ok;
  }

  fs::path path_;
  const env_lookup& env_;
  toml_reader in_;
  bool endpoint_known_ = false;  // a valid endpoint was read, so rules that depend on it can run
  bool project_id_given_ = false;
  bool metadata_url_given_ = false;
  const toml::node* limits_node_ = nullptr;  // in the document read() holds, for check_settle_floor
  const toml::node* settle_node_ = nullptr;
  const toml::node* amount_node_ = nullptr;  // [limits] max_amount_per_run, when set
};

}  // namespace

std::optional<std::string> process_env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

config read_config(const std::filesystem::path& path, const env_lookup& env, diagnostics& errors) {
  return config_reader(path, env, errors).read();
}

config load_config(const std::filesystem::path& path, const env_lookup& env) {
  diagnostics errors;
  config cfg = read_config(path, env, errors);
  if (!errors.empty()) throw input_error(std::move(errors));
  return cfg;
}

config load_config(const std::filesystem::path& path) { return load_config(path, process_env); }

config read_config(std::string_view text, const std::filesystem::path& path, const env_lookup& env,
                   diagnostics& errors) {
  return config_reader(path, env, errors).read(&text);
}

}  // namespace cphfleet

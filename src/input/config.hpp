// The config file (README "Config files"): where to send, how to authenticate, limits, ledger.
#pragma once
#include "base/decimal.hpp"
#include "base/diagnostic.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

struct limits_config {
  double requests_per_second = 5.0;
  std::int64_t burst = 5;
  std::int64_t max_in_flight = 4;
  std::int64_t max_attempts = 6;
  std::int64_t backoff_base_ms = 500;
  std::int64_t backoff_max_ms = 30000;
  std::int64_t throttle_backoff_base_ms =
      2000;                            // base after a 429 (docs/service.md "Throttling": 2-5 s is typical)
  std::int64_t retry_budget = 0;       // run-wide retries; 0 = planned calls, at least 50
  std::int64_t circuit_ambiguous = 5;  // consecutive ambiguous outcomes that open the circuit
  std::int64_t connect_timeout_s = 10;
  std::int64_t request_timeout_s = 30;
  std::int64_t settle_s = 180;
  bool allow_short_settle = false;  // lets settle_s go under settle_floor_s for a real endpoint
  std::int64_t max_servers_per_run = 100;
  // The money guard (README "Money"): a run whose quoted list price is above it buys nothing. In the
  // account's currency; unset: no money guard. Needs `[billing]` and the flavors' codes.
  std::optional<decimal> max_amount_per_run;
  std::string max_amount_text;  // as written, for messages
};

// The in-process emulator's options, when `endpoint = "embedded"`.
struct emulator_config {
  std::int64_t latency_ms = 0;
  std::int64_t settle_ms = 0;
  std::int64_t provision_ms = 2000;  // from order to server normal and phones running
  double rate_limit = 0;             // per API, per second; 0 = none
  std::uint64_t seed = 1;
  std::map<std::string, double> faults;  // kind -> probability per purchase
  std::string script;                    // "3:commit_then_drop,7:busy"
};

// One flavor's billing codes, as the price inquiry's product_infos name them.
struct billing_product {
  std::string cloud_service_type;
  std::string resource_type;
  std::string resource_spec;
  std::string region;          // empty: [cloud] region
  std::string available_zone;  // optional
  std::optional<std::int64_t> resource_size;
  std::optional<std::int64_t> size_measure_id;
};

// `[billing]`: the billing service (BSS), for the order commands and reconciliation's second witness.
struct billing_config {
  std::string site;      // "cn", "intl" or "eu" when the file names one, else empty
  std::string endpoint;  // https://bss.myhuaweicloud.com, ..., a URL, or "embedded"; no trailing `/`
  // The account id sent as X-Domain-Id: env HUAWEICLOUD_SDK_DOMAIN_ID (empty when unset; required by
  // the real service, checked only by an emulator started with --domain-id).
  std::string domain_id;
  std::int64_t settle_s = 30;  // orders show when the purchase is taken: the wait before believing none
  // `[billing.products."<server_model_name>"]`: the flavor's billing codes for the price inquiry
  // (README "Money": Huawei does not publish CPH's; `cphfleet billing codes ORDER_ID` reads them off an
  // order).
  std::map<std::string, billing_product, std::less<>> products;

  bool embedded() const { return endpoint == "embedded"; }
};

// The billing host of each site (docs/service.md "Billing": the SDK's table holds only the Chinese one).
std::optional<std::string> billing_site_endpoint(std::string_view site);
inline constexpr std::string_view billing_sites_allowed = "cn, intl, eu";

enum class auth_method { aksk, token };

// The ECS metadata service's address, as the official SDK uses it.
inline constexpr std::string_view default_metadata_url = "http://169.254.169.254";

struct config {
  std::filesystem::path path;  // the file it came from
  // "https://cph.cn-north-4.myhuaweicloud.com" or "embedded"; no trailing `/`. With `region`, the
  // region's endpoint (input/regions.hpp), or what its override variable names.
  std::string endpoint;
  std::string region;           // `[cloud] region` when the file names one, else empty
  std::string region_override;  // the HUAWEICLOUD_SDK_REGION_CPH_... variable the endpoint came from
  // From the file, else env HUAWEICLOUD_SDK_PROJECT_ID; embedded: else embedded_project_id. For a real
  // endpoint it may still be empty here: load_credentials then takes the credentials file's.
  std::string project_id;
  std::optional<std::filesystem::path> ca_file;  // resolved against the config's folder
  auth_method auth = auth_method::aksk;
  // Where the ECS metadata service answers (`[auth] metadata_url`, else env CPHFLEET_ECS_METADATA_URL):
  // the last source of aksk credentials. No trailing `/`.
  std::string metadata_url = std::string(default_metadata_url);
  limits_config limits;
  std::filesystem::path ledger_path;  // resolved against the config's folder
  emulator_config emulator;
  std::optional<billing_config> billing;  // without `[billing]`: no billing calls at all
  // What the file allows but an operator should hear about each time (a settle window under the
  // floor): every command that loads the config logs them.
  std::vector<std::string> warnings;

  bool embedded() const { return endpoint == "embedded"; }
};

// The shortest settle window for an endpoint that is neither embedded nor loopback, unless
// `[limits] allow_short_settle = true`: the Terraform provider's first wait after a purchase.
inline constexpr std::int64_t settle_floor_s = 120;

// True for an http(s) URL whose host is 127.0.0.0/8, ::1 or `localhost`, decided from the text alone
// (no DNS: a name that resolves to loopback elsewhere is not this machine for certain).
bool endpoint_is_loopback(std::string_view endpoint);

// What a project id may be: it goes into every path. project_id_allowed says it in a message.
bool valid_project_id(std::string_view s);
inline constexpr std::string_view project_id_allowed = "1..64 of A-Z, a-z, 0-9, _ and -";

// The project id of the embedded emulator when the file names none.
inline constexpr std::string_view embedded_project_id = "0123456789abcdef0123456789abcdef";

// Looks up an environment variable; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;
std::optional<std::string> process_env(std::string_view name);  // the real environment

// Reads and checks a config file; throws input_error with every problem found.
// `env` looks up environment variables (tests pass their own).
config load_config(const std::filesystem::path& path);
config load_config(const std::filesystem::path& path, const env_lookup& env);
// The same, appending every problem to `errors` (in file order) instead of throwing.
config read_config(const std::filesystem::path& path, const env_lookup& env, diagnostics& errors);

// The same from text already read, as the file at `path` (messages name it, and relative paths are
// resolved against its folder); only `ca_file` is looked at on disk.
config read_config(std::string_view text, const std::filesystem::path& path, const env_lookup& env,
                   diagnostics& errors);

}  // namespace cphfleet

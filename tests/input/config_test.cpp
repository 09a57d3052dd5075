#include "input/config.hpp"
#include "base/toml_reader.hpp"
#include "support/temp_files.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace cphfleet {
namespace {

using testing::temp_files;

env_lookup fake_env(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::vector<std::string> errors_of_text(std::string_view text, const env_lookup& env = fake_env({})) {
  temp_files dir;
  std::vector<std::string> out;
  try {
    load_config(dir.write("c.toml", text), env);
  } catch (const input_error& e) {
    for (const auto& d : e.errors) out.push_back(d.to_string());
  }
  return out;
}

struct config_case {
  std::string text;
  std::vector<std::string> expected;
};

void check_cases(const std::vector<config_case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(errors_of_text(c.text), c.expected);
  }
}

// Line 1 and 2; a case's own lines start at 3.
constexpr std::string_view real_cloud =
    "[cloud]\nendpoint = \"https://cph.cn-north-4.myhuaweicloud.com\"\nproject_id = \"p1\"\n";
constexpr std::string_view embedded = "[cloud]\nendpoint = \"embedded\"\n";

TEST(config_test, a_full_config_loads_with_paths_resolved_against_its_folder) {
  temp_files dir;
  dir.write("config/ca.pem", "not checked here");
  auto path =
      dir.write("config/c.toml",
                "[cloud]\n"
                "endpoint = \"https://cph.cn-north-4.myhuaweicloud.com/\"\n"
                "project_id = \"0123456789abcdef0123456789abcdef\"\n"
                "ca_file = \"ca.pem\"\n"
                "[auth]\nmethod = \"token\"\n"
                "[limits]\n"
                "requests_per_second = 2\nburst = 3\nmax_in_flight = 7\nmax_attempts = 9\n"
                "backoff_base_ms = 100\nbackoff_max_ms = 900\nthrottle_backoff_base_ms = 3000\n"
                "retry_budget = 50\ncircuit_ambiguous = 2\nconnect_timeout_s = 4\nrequest_timeout_s = 8\n"
                "settle_s = 0\nallow_short_settle = true\nmax_servers_per_run = 500\n"
                "[ledger]\npath = \"../ledger/x.csv\"\n");
  config cfg = load_config(path, fake_env({{"HUAWEICLOUD_SDK_PROJECT_ID", "from-env"}}));
  EXPECT_EQ(cfg.path, std::filesystem::path("config/c.toml"));
  EXPECT_EQ(cfg.endpoint, "https://cph.cn-north-4.myhuaweicloud.com");  // no trailing slash
  EXPECT_FALSE(cfg.embedded());
  EXPECT_EQ(cfg.project_id, "0123456789abcdef0123456789abcdef");  // the file wins over the environment
  EXPECT_EQ(cfg.ca_file, std::filesystem::path("config/ca.pem"));
  EXPECT_EQ(cfg.auth, auth_method::token);
  EXPECT_EQ(cfg.limits.requests_per_second, 2.0);
  EXPECT_EQ(cfg.limits.burst, 3);
  EXPECT_EQ(cfg.limits.max_in_flight, 7);
  EXPECT_EQ(cfg.limits.max_attempts, 9);
  EXPECT_EQ(cfg.limits.backoff_base_ms, 100);
  EXPECT_EQ(cfg.limits.backoff_max_ms, 900);
  EXPECT_EQ(cfg.limits.throttle_backoff_base_ms, 3000);
  EXPECT_EQ(cfg.limits.retry_budget, 50);
  EXPECT_EQ(cfg.limits.circuit_ambiguous, 2);
  EXPECT_EQ(cfg.limits.connect_timeout_s, 4);
  EXPECT_EQ(cfg.limits.request_timeout_s, 8);
  EXPECT_EQ(cfg.limits.settle_s, 0);
  EXPECT_TRUE(cfg.limits.allow_short_settle);
  EXPECT_EQ(cfg.limits.max_servers_per_run, 500);
  EXPECT_EQ(cfg.ledger_path, std::filesystem::path("config/../ledger/x.csv"));
}

TEST(config_test, an_embedded_config_needs_only_its_endpoint) {
  temp_files dir;
  config cfg = load_config(dir.write("config/e.toml", embedded), fake_env({}));
  EXPECT_TRUE(cfg.embedded());
  EXPECT_EQ(cfg.project_id, embedded_project_id);
  EXPECT_EQ(cfg.auth, auth_method::aksk);
  EXPECT_EQ(cfg.ledger_path, std::filesystem::path("config/../ledger/orders.csv"));
  EXPECT_FALSE(cfg.ca_file);
  const limits_config defaults;
  EXPECT_EQ(cfg.limits.requests_per_second, defaults.requests_per_second);
  EXPECT_EQ(cfg.limits.max_servers_per_run, defaults.max_servers_per_run);
  EXPECT_EQ(cfg.emulator.seed, 1u);
  EXPECT_TRUE(cfg.emulator.faults.empty());
}

TEST(config_test, project_id_comes_from_the_file_else_the_environment) {
  temp_files dir;
  auto path = dir.write("c.toml", "[cloud]\nendpoint = \"https://cph.cn-north-4.myhuaweicloud.com\"\n");
  EXPECT_EQ(load_config(path, fake_env({{"HUAWEICLOUD_SDK_PROJECT_ID", "abc123"}})).project_id, "abc123");
  // Neither: the credentials file may still name it (credentials_test has the error when none does).
  EXPECT_EQ(load_config(path, fake_env({})).project_id, "");
  EXPECT_EQ(
      errors_of_text("[cloud]\nendpoint = \"https://cph.cn-north-4.myhuaweicloud.com\"\n",
                     fake_env({{"HUAWEICLOUD_SDK_PROJECT_ID", "a/b"}})),
      (std::vector<std::string>{"c.toml: cloud.project_id: env HUAWEICLOUD_SDK_PROJECT_ID 'a/b' is not a "
                                "project id (allowed: 1..64 of A-Z, a-z, 0-9, _ and -)"}));
  check_cases({
      {"[cloud]\nendpoint = \"embedded\"\nproject_id = \"../x\"\n",
       {"c.toml:3:14: cloud.project_id: '../x' is not a project id (allowed: 1..64 of A-Z, a-z, 0-9, _ and "
        "-)"}},
      {"[cloud]\nendpoint = \"embedded\"\nproject_id = \"\"\n",
       {"c.toml:3:14: cloud.project_id: '' is not a project id (allowed: 1..64 of A-Z, a-z, 0-9, _ and -)"}},
  });
}

TEST(config_test, endpoint_is_embedded_or_https_or_http_to_loopback) {
  auto with = [](std::string_view endpoint) {
    return "[cloud]\nproject_id = \"p\"\nendpoint = \"" + std::string(endpoint) + "\"\n";
  };
  const std::string allowed = "(allowed: \"embedded\", https://host[:port], or http:// to a loopback host)";
  check_cases({
      {with("https://cph.cn-north-4.myhuaweicloud.com"), {}},
      {with("https://127.0.0.1:8443"), {}},
      {with("http://127.0.0.1:8080"), {}},
      {with("http://127.9.9.9"), {}},
      {with("http://localhost:8080/"), {}},
      {with("http://[::1]:8080"), {}},
      {with("http://cph.cn-north-4.myhuaweicloud.com"),
       {"c.toml:3:12: cloud.endpoint: 'http://cph.cn-north-4.myhuaweicloud.com' would send requests "
        "unencrypted " +
        allowed}},
      {with("http://10.0.0.1"),
       {"c.toml:3:12: cloud.endpoint: 'http://10.0.0.1' would send requests unencrypted " + allowed}},
      {with("ftp://host"), {"c.toml:3:12: cloud.endpoint: 'ftp://host' is not https " + allowed}},
      {with("cph.cn-north-4.myhuaweicloud.com"),
       {"c.toml:3:12: cloud.endpoint: 'cph.cn-north-4.myhuaweicloud.com' is not a URL " + allowed}},
      {with("Embedded"), {"c.toml:3:12: cloud.endpoint: 'Embedded' is not a URL " + allowed}},
      {with("https://host/v1/p"), {"c.toml:3:12: cloud.endpoint: 'https://host/v1/p' has a path " + allowed}},
      {with("https://user:pw@host?x=1"),
       {"c.toml:3:12: cloud.endpoint: 'https://user:pw@host?x=1' has credentials and a query " + allowed}},
      {"[cloud]\nendpoint = 443\n", {"c.toml:2:12: cloud.endpoint: is an integer (allowed: a string)"}},
      {"[cloud]\nproject_id = \"p\"\n",
       {"c.toml:1:1: cloud.region: is missing (required: a region like \"cn-north-4\", or an endpoint: "
        "\"embedded\" or a URL)"}},
      {"[limits]\n", {"c.toml: cloud: is missing (required: a [cloud] table with a region or an endpoint)"}},
  });
}

TEST(config_test, ca_file_must_exist_next_to_the_config) {
  temp_files dir;
  dir.write("config/ca.pem", "pem");
  auto ok = dir.write("config/a.toml", std::string(real_cloud) + "ca_file = \"ca.pem\"\n");
  EXPECT_EQ(load_config(ok, fake_env({})).ca_file, std::filesystem::path("config/ca.pem"));

  std::vector<std::string> errors;
  try {
    load_config(dir.write("config/b.toml", std::string(real_cloud) + "ca_file = \"missing.pem\"\n"),
                fake_env({}));
  } catch (const input_error& e) {
    for (const auto& d : e.errors) errors.push_back(d.to_string());
  }
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "config/b.toml:4:11: cloud.ca_file: 'missing.pem' is not a file (looked "
                        "at config/missing.pem; allowed: a PEM file, relative to this file's "
                        "folder)"}));
  check_cases({
      {std::string(embedded) + "ca_file = \"ca.pem\"\n",
       {"c.toml:3:11: cloud.ca_file: is set but the endpoint does not use TLS (allowed: only with "
        "https://)"}},
      {std::string(real_cloud) + "ca_file = \"\"\n",
       {"c.toml:4:11: cloud.ca_file: is empty (allowed: a PEM file, relative to this file's folder)"}},
  });
}

TEST(config_test, secrets_in_the_file_are_refused_with_the_env_vars_to_use) {
  const std::string refused =
      "looks like a credential, and secrets never go in this file (allowed: env HUAWEICLOUD_SDK_AK and "
      "HUAWEICLOUD_SDK_SK, plus HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys, or the SDK's credentials "
      "file, with method \"aksk\"; env CPHFLEET_AUTH_TOKEN with method \"token\")";
  check_cases({
      {std::string(embedded) + "[auth]\nmethod = \"aksk\"\nak = \"AKIA\"\nsk = \"s3cr3t\"\n",
       {"c.toml:5:1: auth.ak: " + refused, "c.toml:6:1: auth.sk: " + refused}},
      {std::string(embedded) + "[auth]\npassword = \"x\"\nauth_token = \"x\"\nsecret_access_key = \"x\"\n",
       {"c.toml:4:1: auth.password: " + refused, "c.toml:5:1: auth.auth_token: " + refused,
        "c.toml:6:1: auth.secret_access_key: " + refused}},
      {std::string(embedded) + "HUAWEICLOUD_SDK_SK = \"x\"\n",
       {"c.toml:3:1: cloud.HUAWEICLOUD_SDK_SK: " + refused}},
      {std::string(embedded) + "[auth]\nmethod = \"password\"\n",
       {"c.toml:4:10: auth.method: 'password' is not an auth method (allowed: aksk, token)"}},
      // A key that merely resembles a credential name is an ordinary typo.
      {std::string(embedded) + "[auth]\nmethd = \"aksk\"\n",
       {"c.toml:4:1: auth.methd: is not a known key (did you mean method?)"}},
  });
}

TEST(config_test, every_limit_is_range_checked) {
  struct bound {
    std::string key;
    std::int64_t lo;
    std::int64_t hi;
  };
  const std::vector<bound> bounds{
      {"burst", 1, 10000},
      {"max_in_flight", 1, 256},
      {"max_attempts", 1, 100},
      {"backoff_base_ms", 1, 600000},
      {"throttle_backoff_base_ms", 1, 600000},
      {"retry_budget", 0, 1000000},
      {"circuit_ambiguous", 1, 1000},
      {"connect_timeout_s", 1, 600},
      {"request_timeout_s", 1, 3600},
      {"settle_s", 0, 86400},
      {"max_servers_per_run", 1, 1000000},
  };
  std::vector<config_case> cases;
  for (const auto& b : bounds) {
    const std::string col = std::to_string(b.key.size() + 4);
    auto line = [&](std::int64_t v) {
      // A large backoff base needs a cap at least as large (checked below).
      std::string cap = b.key == "backoff_base_ms" ? "backoff_max_ms = 3600000\n" : "";
      return std::string(embedded) + "[limits]\n" + b.key + " = " + std::to_string(v) + "\n" + cap;
    };
    cases.push_back({line(b.lo), {}});
    cases.push_back({line(b.hi), {}});
    for (std::int64_t v : {b.lo - 1, b.hi + 1}) {
      cases.push_back(
          {line(v),
           {"c.toml:4:" + col + ": limits." + b.key + ": " + std::to_string(v) +
            " is out of range (allowed: " + std::to_string(b.lo) + ".." + std::to_string(b.hi) + ")"}});
    }
  }
  const std::string limits = std::string(embedded) + "[limits]\n";
  cases.push_back({limits + "requests_per_second = 0.5\n", {}});
  cases.push_back(
      {limits + "requests_per_second = 0\n",
       {"c.toml:4:23: limits.requests_per_second: 0 is out of range (allowed: more than 0, at most "
        "10000)"}});
  cases.push_back(
      {limits + "requests_per_second = 10000.5\n",
       {"c.toml:4:23: limits.requests_per_second: 10000.5 is out of range (allowed: more than 0, at "
        "most 10000)"}});
  cases.push_back({limits + "requests_per_second = \"5\"\n",
                   {"c.toml:4:23: limits.requests_per_second: is a string (allowed: a number)"}});
  cases.push_back(
      {limits + "requests_per_second = nan\n",
       {"c.toml:4:23: limits.requests_per_second: nan is not a finite number (allowed: a number)"}});
  cases.push_back({limits + "burst = 2.5\n", {"c.toml:4:9: limits.burst: is a float (allowed: an integer)"}});
  cases.push_back({limits + "backoff_max_ms = 500\n", {}});
  cases.push_back({limits + "backoff_max_ms = 3600000\n", {}});
  cases.push_back({limits + "backoff_max_ms = 3600001\n",
                   {"c.toml:4:18: limits.backoff_max_ms: 3600001 is out of range (allowed: 1..3600000)"}});
  cases.push_back({limits + "backoff_base_ms = 5000\nbackoff_max_ms = 4000\n",
                   {"c.toml:5:18: limits.backoff_max_ms: 4000 is below backoff_base_ms 5000 (allowed: "
                    "backoff_base_ms..3600000)"}});
  cases.push_back({limits + "backoff_base_ms = 40000\n",
                   {"c.toml:4:19: limits.backoff_max_ms: 30000 is below backoff_base_ms 40000 (allowed: "
                    "backoff_base_ms..3600000)"}});
  cases.push_back({limits + "max_inflight = 4\n",
                   {"c.toml:4:1: limits.max_inflight: is not a known key (did you mean max_in_flight?)"}});
  check_cases(cases);
}

TEST(config_test, ledger_path_resolves_against_the_config_folder) {
  temp_files dir;
  EXPECT_EQ(load_config(
                dir.write("config/l.toml", std::string(embedded) + "[ledger]\npath = \"/var/ledger.csv\"\n"),
                fake_env({}))
                .ledger_path,
            std::filesystem::path("/var/ledger.csv"));
  EXPECT_EQ(
      load_config(dir.write("config/m.toml", std::string(embedded) + "[ledger]\npath = \"orders.csv\"\n"),
                  fake_env({}))
          .ledger_path,
      std::filesystem::path("config/orders.csv"));
  check_cases({
      {std::string(embedded) + "[ledger]\npath = \"\"\n",
       {"c.toml:4:8: ledger.path: is empty (allowed: a CSV file, relative to this file's folder)"}},
      {std::string(embedded) + "[ledger]\nfile = \"x.csv\"\n",
       {"c.toml:4:1: ledger.file: is not a known key (allowed: path)"}},
      {std::string(embedded) + "ledger = \"x.csv\"\n",
       {"c.toml:3:1: cloud.ledger: is not a known key (allowed: "
        "region, endpoint, project_id, ca_file)"}},
  });
}

TEST(config_test, a_path_with_a_nul_or_control_character_is_refused) {
  // A NUL would cut the path at every system call: the lock would open another file than the ledger.
  check_cases({
      {std::string(embedded) + "[ledger]\npath = \"orders.csv\\u0000.bak\"\n",
       {"c.toml:4:8: ledger.path: holds a control character (allowed: a CSV file, relative to this file's "
        "folder, without NUL or other control characters)"}},
      {std::string(embedded) + "[ledger]\npath = \"orders\\n.csv\"\n",
       {"c.toml:4:8: ledger.path: holds a control character (allowed: a CSV file, relative to this file's "
        "folder, without NUL or other control characters)"}},
      {std::string(real_cloud) + "ca_file = \"ca\\u0007.pem\"\n",
       {"c.toml:4:11: cloud.ca_file: holds a control character (allowed: a PEM file, relative to this "
        "file's folder, without NUL or other control characters)"}},
  });
}

TEST(config_test, a_config_that_is_not_a_regular_file_is_refused_before_reading) {
  // /dev/zero would otherwise be read until memory runs out.
  auto errors = [](const std::filesystem::path& p) {
    std::vector<std::string> out;
    try {
      load_config(p, fake_env({}));
    } catch (const input_error& e) {
      for (const auto& d : e.errors) out.push_back(d.to_string());
    }
    return out;
  };
  EXPECT_EQ(errors("/dev/zero"),
            std::vector<std::string>{"/dev/zero: is not a regular file (allowed: a TOML file)"});
  temp_files dir;
  auto big = dir.write("big.toml", "# " + std::string(max_toml_file_bytes, 'x') + "\n");
  EXPECT_EQ(errors(big),
            std::vector<std::string>{big + ": is larger than 4 MiB (allowed: a TOML file of at most "
                                           "that size)"});
}

TEST(config_test, a_table_header_no_key_can_start_is_a_syntax_error) {
  // Found by tests/fuzz/config_fuzz.cpp: toml++ 3.3.0 built with assertions aborts on a `[` followed by
  // a NUL; the library cphfleet links reports it like any syntax error.
  EXPECT_EQ(errors_of_text(std::string("[\0cloud]\nendpoint = \"embedded\"\n", 31)),
            (std::vector<std::string>{"c.toml:1:2: invalid TOML: error while parsing key: expected bare key "
                                      "starting character or string delimiter, saw '\\u0000'"}));
}

TEST(config_test, characters_toml_whitespace_checks_stumble_on_read_as_the_linked_library_reads_them) {
  // Found by tests/fuzz/config_fuzz.cpp: toml++ 3.3.0's table of Unicode whitespace reaches an
  // `unreachable` for some code points (U+FEDF here, U+00A7 after a line-ending backslash). As built
  // and shipped, the library reads them as what they are: not whitespace.
  EXPECT_EQ(
      errors_of_text("\xEF\xBB\x9Fu5"),
      (std::vector<std::string>{"c.toml:1:1: invalid TOML: error while parsing root table: expected keys, "
                                "tables, whitespace or comments, saw '\xEF\xBB\x9F'"}));
  diagnostics errors;
  config cfg = read_config(std::string(embedded) + "[ledger]\npath = \"\"\"\\\n\xC2\xA7.csv\"\"\"\n",
                           "config/e.toml", fake_env({}), errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(cfg.ledger_path, std::filesystem::path("config/\xC2\xA7.csv"));
}

TEST(config_test, text_already_read_is_checked_as_the_file_it_names) {
  diagnostics errors;
  config cfg = read_config(std::string(embedded) + "[ledger]\npath = \"o.csv\"\n", "config/e.toml",
                           fake_env({}), errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(cfg.embedded());
  EXPECT_EQ(cfg.path, std::filesystem::path("config/e.toml"));
  EXPECT_EQ(cfg.ledger_path, std::filesystem::path("config/o.csv"));

  read_config(std::string(embedded) + "[limits]\nburst = 0\n", "config/e.toml", fake_env({}), errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "config/e.toml:4:9: limits.burst: 0 is out of range (allowed: 1..10000)");
}

TEST(config_test, settle_window_under_the_floor_is_refused_for_a_real_endpoint) {
  // A window shorter than the service's delay makes reconcile find nothing and buy the chunk again.
  check_cases({
      {std::string(real_cloud) + "[limits]\nsettle_s = 2\n",
       {"c.toml:5:12: limits.settle_s: 2 is below the 120 s floor for endpoint "
        "https://cph.cn-north-4.myhuaweicloud.com (allowed: 120..86400, or [limits] allow_short_settle = "
        "true)"}},
      {std::string(real_cloud) + "[limits]\nsettle_s = 120\n", {}},
      {std::string(real_cloud) + "[limits]\nallow_short_settle = \"yes\"\n",
       {"c.toml:5:22: limits.allow_short_settle: is a string (allowed: true or false)"}},
      // Loopback and embedded endpoints are emulators: their settle time is the test's own choice.
      {"[cloud]\nendpoint = \"http://127.0.0.1:8080\"\nproject_id = \"p1\"\n[limits]\nsettle_s = 0\n", {}},
      {"[cloud]\nendpoint = \"https://localhost:8443\"\nproject_id = \"p1\"\n[limits]\nsettle_s = 1\n", {}},
      {"[cloud]\nendpoint = \"http://[::1]:8080\"\nproject_id = \"p1\"\n[limits]\nsettle_s = 1\n", {}},
      {std::string(embedded) + "[limits]\nsettle_s = 0\n", {}},
  });
}

TEST(config_test, allow_short_settle_lowers_the_floor_with_a_warning) {
  temp_files dir;
  config cfg = load_config(
      dir.write("c.toml", std::string(real_cloud) + "[limits]\nsettle_s = 5\nallow_short_settle = true\n"),
      fake_env({}));
  EXPECT_EQ(cfg.limits.settle_s, 5);
  EXPECT_EQ(cfg.warnings,
            std::vector<std::string>{
                "c.toml: limits.settle_s: 5 s is below the 120 s floor for endpoint "
                "https://cph.cn-north-4.myhuaweicloud.com, allowed by allow_short_settle = true: an "
                "ambiguous purchase may be re-sent before its servers show"});
  EXPECT_TRUE(load_config(dir.write("d.toml", std::string(real_cloud)), fake_env({})).warnings.empty());
}

TEST(config_test, loopback_endpoints_are_decided_from_the_text_alone) {
  EXPECT_TRUE(endpoint_is_loopback("http://127.0.0.1:18080"));
  EXPECT_TRUE(endpoint_is_loopback("https://127.255.0.9"));
  EXPECT_TRUE(endpoint_is_loopback("http://[::1]:80"));
  EXPECT_TRUE(endpoint_is_loopback("http://LocalHost:1"));
  EXPECT_FALSE(endpoint_is_loopback("https://cph.cn-north-4.myhuaweicloud.com"));
  EXPECT_FALSE(endpoint_is_loopback("https://128.0.0.1"));
  EXPECT_FALSE(endpoint_is_loopback("https://localhost.example.com"));
  EXPECT_FALSE(endpoint_is_loopback("embedded"));
}

TEST(config_test, emulator_options_are_read_and_checked) {
  temp_files dir;
  auto path =
      dir.write("e.toml", std::string(embedded) +
                              "[emulator]\nlatency_ms = 20\nsettle_ms = 1000\nrate_limit = 10\nseed = 42\n"
                              "faults = { throttle = 0.1, commit_then_drop = 0.9 }\n"
                              "script = \"3:commit_then_drop, 7:busy\"\n");
  config cfg = load_config(path, fake_env({}));
  EXPECT_EQ(cfg.emulator.latency_ms, 20);
  EXPECT_EQ(cfg.emulator.settle_ms, 1000);
  EXPECT_EQ(cfg.emulator.rate_limit, 10.0);
  EXPECT_EQ(cfg.emulator.seed, 42u);
  EXPECT_EQ(cfg.emulator.faults,
            (std::map<std::string, double>{{"commit_then_drop", 0.9}, {"throttle", 0.1}}));
  EXPECT_EQ(cfg.emulator.script, "3:commit_then_drop, 7:busy");

  const std::string emu = std::string(embedded) + "[emulator]\n";  // options from line 4
  const std::string not_n_kind =
      "is not N:KIND (allowed: N:KIND,N:KIND with purchase numbers from 1, like 3:commit_then_drop)";
  check_cases({
      {std::string(real_cloud) + "[emulator]\nseed = 1\n",
       {"c.toml:4:1: emulator: is set for endpoint 'https://cph.cn-north-4.myhuaweicloud.com' "
        "(allowed: only with endpoint = \"embedded\")"}},
      {emu + "faults = { throtle = 0.1 }\n",
       {"c.toml:4:12: emulator.faults.throtle: is not a known key (did you mean throttle?)"}},
      {emu + "faults = { meteor = 0.1 }\n",
       {"c.toml:4:12: emulator.faults.meteor: is not a known key (allowed: throttle, busy, error500, "
        "error502, "
        "error503, error504, commit_then_504, commit_then_drop, drop_before, slow_commit, no_balance, "
        "provision_fail, phone_fail)"}},
      {emu + "faults = { busy = 1.5 }\n",
       {"c.toml:4:19: emulator.faults.busy: 1.5 is out of range (allowed: a probability, 0..1)"}},
      {emu + "faults = { busy = \"often\" }\n",
       {"c.toml:4:19: emulator.faults.busy: is a string (allowed: a number)"}},
      // The emulator's own check: one draw per purchase cannot pick faults more often than always.
      {emu + "faults = { busy = 0.6, throttle = 0.6 }\n",
       {"c.toml:4:10: emulator.faults: fault probabilities add up to 1.2 (at most 1)"}},
      {emu + "faults = { busy = 0.5, throttle = 0.5 }\n", {}},
      {emu + "script = \"3:commit_then_dorp,x:busy,0:busy,5:busy,5:throttle,7,\"\n",
       {"c.toml:4:10: emulator.script: 'commit_then_dorp' is not a fault kind (did you mean "
        "commit_then_drop?)",
        "c.toml:4:10: emulator.script: 'x:busy' " + not_n_kind,
        "c.toml:4:10: emulator.script: '0:busy' " + not_n_kind,
        "c.toml:4:10: emulator.script: purchase 5 is scripted twice (allowed: one fault per purchase)",
        "c.toml:4:10: emulator.script: '7' " + not_n_kind, "c.toml:4:10: emulator.script: '' " + not_n_kind}},
      {emu + "script = \"\"\n", {}},
      {emu + "script = \" 3:busy , 4:slow_commit \"\n", {}},
      {emu + "latency_ms = -1\nsettle_ms = 3600001\nrate_limit = -2\nseed = -3\n",
       {"c.toml:4:14: emulator.latency_ms: -1 is out of range (allowed: 0..60000)",
        "c.toml:5:13: emulator.settle_ms: 3600001 is out of range (allowed: 0..3600000)",
        "c.toml:6:14: emulator.rate_limit: -2 is out of range (allowed: 0 for none, up to 10000)",
        "c.toml:7:8: emulator.seed: -3 is out of range (allowed: 0..9223372036854775807)"}},
      {emu + "latency = 5\n",
       {"c.toml:4:1: emulator.latency: is not a known key (did you mean latency_ms?)"}},
  });
}

TEST(config_test, every_error_of_a_config_is_listed_in_file_order) {
  EXPECT_EQ(
      errors_of_text("[cloud]\n"
                     "endpoint = \"http://example.com\"\n"
                     "[auth]\n"
                     "sk = \"x\"\n"
                     "[limits]\n"
                     "burst = 0\n"
                     "max_in_flight = 1000\n"
                     "[limit]\n"),
      (std::vector<std::string>{
          "c.toml:2:12: cloud.endpoint: 'http://example.com' would send requests unencrypted (allowed: "
          "\"embedded\", https://host[:port], or http:// to a loopback host)",
          "c.toml:4:1: auth.sk: looks like a credential, and secrets never go in this file (allowed: env "
          "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, plus HUAWEICLOUD_SDK_SECURITY_TOKEN for "
          "temporary keys, or the SDK's credentials file, "
          "with method \"aksk\"; env CPHFLEET_AUTH_TOKEN with method \"token\")",
          "c.toml:6:9: limits.burst: 0 is out of range (allowed: 1..10000)",
          "c.toml:7:17: limits.max_in_flight: 1000 is out of range (allowed: 1..256)",
          "c.toml:8:2: limit: is not a known key (did you mean limits?)",
      }));
}

TEST(config_test, the_shipped_configs_are_valid) {
  const std::filesystem::path source = CPHFLEET_SOURCE_DIR;
  config embedded_cfg = load_config(source / "config/embedded.toml", fake_env({}));
  EXPECT_TRUE(embedded_cfg.embedded());
  EXPECT_EQ(embedded_cfg.ledger_path.filename(), "demo-orders.csv");
  EXPECT_EQ(embedded_cfg.emulator.script, "3:commit_then_drop");
  EXPECT_EQ(embedded_cfg.limits.burst, 5);
  EXPECT_EQ(embedded_cfg.limits.max_in_flight, 4);
  config cloud = load_config(source / "config/huaweicloud.toml",
                             fake_env({{"HUAWEICLOUD_SDK_PROJECT_ID", "0123456789abcdef0123456789abcdef"}}));
  EXPECT_EQ(cloud.endpoint, "https://cph.cn-north-4.myhuaweicloud.com");
  EXPECT_EQ(cloud.region, "cn-north-4");
  EXPECT_EQ(cloud.auth, auth_method::aksk);
}

// ---- region --------------------------------------------------------------------------------------

TEST(config_test, a_region_becomes_the_official_endpoint) {
  temp_files dir;
  auto path = dir.write("c.toml", "[cloud]\nregion = \"ap-southeast-3\"\nproject_id = \"p1\"\n");
  config cfg = load_config(path, fake_env({}));
  EXPECT_EQ(cfg.endpoint, "https://cph.ap-southeast-3.myhuaweicloud.com");
  EXPECT_EQ(cfg.region, "ap-southeast-3");
  EXPECT_EQ(cfg.region_override, "");
  // A region's endpoint is a real one: the settle floor and the emulator rule apply as to a URL.
  EXPECT_EQ(
      errors_of_text("[cloud]\nregion = \"cn-north-4\"\nproject_id = \"p1\"\n[limits]\nsettle_s = 5\n"),
      (std::vector<std::string>{"c.toml:5:12: limits.settle_s: 5 is below the 120 s floor for endpoint "
                                "https://cph.cn-north-4.myhuaweicloud.com (allowed: 120..86400, or [limits] "
                                "allow_short_settle = true)"}));
}

TEST(config_test, an_unknown_region_lists_the_regions_there_are) {
  check_cases({
      {"[cloud]\nregion = \"xx-1\"\nproject_id = \"p1\"\n",
       {"c.toml:2:10: cloud.region: unknown region 'xx-1' (allowed: af-north-1, ap-southeast-1, "
        "ap-southeast-3, "
        "cn-east-2, cn-east-3, cn-east-4, cn-north-4, cn-north-9, cn-south-1, cn-southwest-2, la-north-2, "
        "la-south-2, ru-northwest-2; another region needs env HUAWEICLOUD_SDK_REGION_CPH_XX_1 or an "
        "endpoint)"}},
      {"[cloud]\nregion = \"CN North 4\"\n",
       {"c.toml:2:10: cloud.region: 'CN North 4' is not a region id (allowed: af-north-1, ap-southeast-1, "
        "ap-southeast-3, cn-east-2, cn-east-3, cn-east-4, cn-north-4, cn-north-9, cn-south-1, "
        "cn-southwest-2, "
        "la-north-2, la-south-2, ru-northwest-2)"}},
      {"[cloud]\nregion = 4\n", {"c.toml:2:10: cloud.region: is an integer (allowed: a string)"}},
  });
}

TEST(config_test, region_and_endpoint_together_are_refused) {
  check_cases({
      {"[cloud]\nendpoint = \"https://cph.cn-north-4.myhuaweicloud.com\"\nregion = \"cn-north-4\"\n",
       {"c.toml:3:10: cloud.region: is set together with cloud.endpoint (allowed: one of them: region for "
        "the "
        "official endpoint, endpoint for any other)"}},
  });
}

TEST(config_test, the_sdk_region_variable_overrides_the_endpoint) {
  temp_files dir;
  auto path = dir.write("c.toml", "[cloud]\nregion = \"cn-north-4\"\nproject_id = \"p1\"\n");
  config cfg = load_config(
      path, fake_env({{"HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4", "https://cph-proxy.example.com:8443/"}}));
  EXPECT_EQ(cfg.endpoint, "https://cph-proxy.example.com:8443");
  EXPECT_EQ(cfg.region, "cn-north-4");
  EXPECT_EQ(cfg.region_override, "HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4");
  // As the SDK does: a list fails over in order; the runner sends to the first.
  cfg = load_config(
      path,
      fake_env({{"HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4", "http://127.0.0.1:9000, https://b.example.com"}}));
  EXPECT_EQ(cfg.endpoint, "http://127.0.0.1:9000");
  // The variable also serves a region the table does not hold yet, as the SDK's lookup reads it first.
  auto other = dir.write("o.toml", "[cloud]\nregion = \"me-east-1\"\nproject_id = \"p1\"\n");
  cfg = load_config(other,
                    fake_env({{"HUAWEICLOUD_SDK_REGION_CPH_ME_EAST_1", "https://cph.me-east-1.example"}}));
  EXPECT_EQ(cfg.endpoint, "https://cph.me-east-1.example");
  // Another region's variable changes nothing.
  cfg = load_config(path, fake_env({{"HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_9", "https://x.example"}}));
  EXPECT_EQ(cfg.endpoint, "https://cph.cn-north-4.myhuaweicloud.com");
}

TEST(config_test, a_bad_region_override_is_an_input_error_naming_the_variable) {
  auto errors = [](std::string value) {
    return errors_of_text("[cloud]\nregion = \"cn-north-4\"\nproject_id = \"p1\"\n",
                          fake_env({{"HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4", std::move(value)}}));
  };
  EXPECT_EQ(errors("http://cph.example.com"),
            (std::vector<std::string>{"c.toml: cloud.region: env HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4 "
                                      "'http://cph.example.com' would send requests unencrypted (allowed: "
                                      "https://host[:port], or http:// to a loopback host)"}));
  EXPECT_EQ(errors("https://a.example,cph.example.com/v1"),
            (std::vector<std::string>{"c.toml: cloud.region: env HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4 "
                                      "'cph.example.com/v1' is not a URL (allowed: https://host[:port], or "
                                      "http:// to a loopback host)"}));
}

TEST(config_test, the_metadata_url_comes_from_the_file_else_the_environment) {
  temp_files dir;
  auto plain = dir.write("a.toml", "[cloud]\nregion = \"cn-north-4\"\nproject_id = \"p1\"\n");
  EXPECT_EQ(load_config(plain, fake_env({})).metadata_url, "http://169.254.169.254");
  EXPECT_EQ(
      load_config(plain, fake_env({{"CPHFLEET_ECS_METADATA_URL", "http://127.0.0.1:8080/"}})).metadata_url,
      "http://127.0.0.1:8080");
  auto pinned = dir.write("b.toml",
                          "[cloud]\nregion = \"cn-north-4\"\nproject_id = \"p1\"\n[auth]\n"
                          "metadata_url = \"http://localhost:9\"\n");
  EXPECT_EQ(
      load_config(pinned, fake_env({{"CPHFLEET_ECS_METADATA_URL", "http://127.0.0.1:8080"}})).metadata_url,
      "http://localhost:9");
  const std::string allowed = "(allowed: http://host[:port] to 169.254.169.254 or a loopback host)";
  check_cases({
      {std::string(embedded) + "[auth]\nmetadata_url = \"http://10.1.2.3\"\n",
       {"c.toml:4:16: auth.metadata_url: 'http://10.1.2.3' is not the metadata address or this machine " +
        allowed}},
      {std::string(embedded) + "[auth]\nmetadata_url = \"https://169.254.169.254\"\n",
       {"c.toml:4:16: auth.metadata_url: 'https://169.254.169.254' is not http " + allowed}},
      {std::string(embedded) + "[auth]\nmetadata_url = \"http://169.254.169.254/openstack\"\n",
       {"c.toml:4:16: auth.metadata_url: 'http://169.254.169.254/openstack' has a path " + allowed}},
  });
  EXPECT_EQ(
      errors_of_text(std::string(embedded), fake_env({{"CPHFLEET_ECS_METADATA_URL", "ftp://x"}})),
      (std::vector<std::string>{
          "c.toml: auth.metadata_url: env CPHFLEET_ECS_METADATA_URL 'ftp://x' is not http " + allowed}));
}

}  // namespace
}  // namespace cphfleet

// A job, a config with `[billing]` pointing at a `cphfleet emulator`, and the runner as a child process:
// what the billing commands' end-to-end tests share (orders, cancel, pay, prices).
#pragma once
#include "support/run_fixture.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace cphfleet::test {

inline constexpr const char* k_billing_domain = "acct00000001";

// The emulator's own billing codes for the test jobs' flavor (src/emulator/billing.hpp), as the config
// names them.
inline std::string emulator_products_text(std::string_view flavor = "physical.rx1.xlarge") {
  return "[billing.products.\"" + std::string(flavor) +
         "\"]\ncloud_service_type = \"hws.service.type.cph\"\nresource_type = "
         "\"hws.resource.type.cph.server\"\n"
         "resource_spec = \"" +
         std::string(flavor) + ".cph\"\n";
}

struct billing_env {
  temp_dir tmp{"billing"};
  std::filesystem::path dir = tmp.path();
  std::filesystem::path job = dir / "job.toml";
  std::filesystem::path config = dir / "config.toml";
  std::filesystem::path ledger = dir / "orders.csv";

  // `limits_extra` goes into [limits] ("max_amount_per_run = \"100.00\"\n"); `billing_extra` after
  // [billing] (the products' tables).
  void write(const std::vector<fleet_def>& fleets, const std::string& url, std::int64_t auto_pay,
             bool billing = true, const std::string& limits_extra = {},
             const std::string& billing_extra = {}) {
    write_file(job, job_text(fleets, auto_pay));
    std::string cfg = config_text(url);
    if (!limits_extra.empty()) {
      const std::string at = "\n[ledger]";
      cfg.insert(cfg.find(at) + 1, limits_extra);
    }
    if (billing) cfg += "[billing]\nendpoint = \"" + url + "\"\n" + billing_extra;
    write_file(config, cfg);
  }
  static std::vector<std::string> env() {
    auto e = aksk_env();
    e.push_back(std::string("HUAWEICLOUD_SDK_DOMAIN_ID=") + k_billing_domain);
    return e;
  }
  run_result cphfleet(std::vector<std::string> args) const { return run_cphfleet(args, env()); }
  run_result run(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"run", job.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return cphfleet(args);
  }
  std::vector<std::string> with_config(std::vector<std::string> args) const {
    args.insert(args.begin() + 1, {"--config", config.string()});
    return args;
  }
  std::string order_of(const std::string& chunk) const {
    ledger_index idx(read_ledger(ledger));
    const ledger_row* row = idx.latest(chunk);
    return row ? row->order_id : "";
  }
};

}  // namespace cphfleet::test

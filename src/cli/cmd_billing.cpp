// `cphfleet billing codes ORDER_ID`: the billing codes of an order's flavor, read off the order's
// resources (ListPayPerUseCustomerResources by order id), printed as the config's
// `[billing.products."<server_model_name>"]` table. Huawei does not publish CPH's codes, so an operator
// reads them once per account off an order of each flavor (README "Money"). Reads only; needs
// `[billing]`.
#include "api/purchase_body.hpp"
#include "app/billing_session.hpp"
#include "app/service.hpp"
#include "cli/cli.hpp"
#include "client/bss_client.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>

namespace cphfleet {
namespace {

struct billing_options {
  std::string action;
  std::string order_id;
};

// A TOML basic string.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

int run_codes(const common_options& common, const billing_options& opt) {
  config cfg = load_config_only(common.config, common.ledger);
  require_billing(cfg, "billing codes");
  // The flavor the order bought, when the ledger holds the order: its request names it.
  std::string flavor;
  std::string chunk;
  {
    ledger_index index = read_ledger_index(cfg.ledger_path);
    chunk = std::string(index.chunk_of_order(opt.order_id));
    if (const ledger_row* row = chunk.empty() ? nullptr : index.latest(chunk))
      flavor = parse_purchase(row->request).request.server_model_name;
  }
  net::io_context ioc(1);
  service_session cph(ioc, cfg);
  billing_session bss(ioc, cfg, cph);
  resources_call call;
  run_to_end(ioc, [&]() -> net::awaitable<void> {
    call = co_await bss.client().order_resources(
        opt.order_id, std::chrono::steady_clock::now() + std::chrono::seconds(cfg.limits.request_timeout_s));
  }());
  if (call.report.transport || call.report.http_status / 100 != 2) {
    fmt::print(stderr, "cphfleet: billing codes: reading the resources of order {} failed: {}\n",
               opt.order_id, describe(call.report));
    return exit_code::failed;
  }
  std::vector<const order_resource*> main;
  for (const auto& r : call.resources)
    if (r.is_main_resource == 1 || call.resources.size() == 1) main.push_back(&r);
  if (main.empty()) {
    fmt::print(stderr,
               "cphfleet: billing codes: order {} has no resources yet (an unpaid order has none: pay it, or "
               "read the codes off a paid order)\n",
               opt.order_id);
    return exit_code::failed;
  }
  // One table per distinct set of codes (an order is of one flavor, but say so if it is not).
  std::vector<const order_resource*> distinct;
  for (const auto* r : main) {
    bool seen = std::any_of(distinct.begin(), distinct.end(), [&](const order_resource* d) {
      return d->service_type_code == r->service_type_code && d->resource_type_code == r->resource_type_code &&
             d->resource_spec_code == r->resource_spec_code;
    });
    if (!seen) distinct.push_back(r);
  }
  fmt::print("# The billing codes of order {}{}, as read off its {} resource{}.\n", opt.order_id,
             chunk.empty() ? "" : fmt::format(" (chunk {})", chunk), main.size(),
             main.size() == 1 ? "" : "s");
  if (flavor.empty())
    fmt::print(
        "# The ledger does not hold this order: the table is named by its resource_spec; rename it to the\n"
        "# server_model_name the order bought.\n");
  for (const auto* r : distinct) {
    const std::string key = flavor.empty() ? r->resource_spec_code : flavor;
    fmt::print("[billing.products.{}]\n", toml_string(key));
    fmt::print("cloud_service_type = {}\n", toml_string(r->service_type_code));
    fmt::print("resource_type = {}\n", toml_string(r->resource_type_code));
    fmt::print("resource_spec = {}\n", toml_string(r->resource_spec_code));
    if (!r->region_code.empty()) fmt::print("region = {}\n", toml_string(r->region_code));
  }
  return exit_code::ok;
}

}  // namespace

void add_billing_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<billing_options>();
  auto* cmd = app.add_subcommand(
      "billing",
      "`billing codes ORDER_ID`: print an order's billing codes as the config's [billing.products] table");
  cmd->add_option("ACTION", opt->action, "codes")->required()->check(CLI::IsMember({"codes"}));
  cmd->add_option("ORDER_ID", opt->order_id, "An order of the flavor (its resources carry the codes)")
      ->required();
  cmd->callback([&common, &result, opt] { result = run_codes(common, *opt); });
}

}  // namespace cphfleet

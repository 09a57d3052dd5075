// `cphfleet catalog KIND [--json]`: what the service offers (docs/service.md "Reads"), as a table or JSON.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <memory>

#include "app/service.hpp"
#include "base/terminal.hpp"
#include "cli/cli.hpp"
#include "client/cph_client.hpp"
#include "client/outcome.hpp"
#include "input/inputs.hpp"

namespace cphfleet {
namespace {

struct catalog_options {
  std::string kind;
  bool json = false;
};

const std::map<std::string, catalog_kind, std::less<>>& kinds() {
  static const std::map<std::string, catalog_kind, std::less<>> k = {
      {"server-models", catalog_kind::server_models},
      {"phone-models", catalog_kind::phone_models},
      {"images", catalog_kind::images},
      {"bandwidths", catalog_kind::bandwidths},
  };
  return k;
}

using table = std::vector<std::vector<std::string>>;  // first row: the header

void print_table(const table& t) {
  std::vector<std::size_t> widths(t.front().size(), 0);
  for (const auto& row : t)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  for (const auto& row : t) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      line += i + 1 == row.size() ? row[i] : pad_right(row[i], widths[i]);
    }
    fmt::print("{}\n", line);
  }
}

table to_table(const catalog& c, catalog_kind kind) {
  table t;
  switch (kind) {
    case catalog_kind::server_models:
      t.push_back({"server_model_name", "server_type", "cpu", "memory", "product_type"});
      for (const auto& m : c.server_models) {
        t.push_back({m.server_model_name, m.server_type, std::to_string(m.cpu), std::to_string(m.memory),
                     m.product_type});
      }
      break;
    case catalog_kind::phone_models:
      t.push_back({"server_model_name", "phone_model_name", "status", "cpu", "memory", "disk", "resolution",
                   "phones"});
      for (const auto& m : c.phone_models) {
        t.push_back({m.server_model_name, m.phone_model_name, m.status == 1 ? "on sale" : "offline",
                     std::to_string(m.cpu), std::to_string(m.memory), std::to_string(m.disk), m.resolution,
                     std::to_string(m.phone_capacity)});
      }
      break;
    case catalog_kind::images:
      t.push_back({"image_id", "image_name", "os_type", "public", "image_label"});
      for (const auto& m : c.images) {
        t.push_back({m.image_id, m.image_name, m.os_type, m.is_public == 1 ? "yes" : "no", m.image_label});
      }
      break;
    case catalog_kind::bandwidths:
      t.push_back({"band_width_id", "size_mbit_s", "share_type", "charge_mode"});
      for (const auto& m : c.bandwidths) {
        t.push_back({m.band_width_id, std::to_string(m.band_width_size),
                     m.band_width_share_type == 0 ? "dedicated" : "shared",
                     std::to_string(m.band_width_charge_mode)});
      }
      break;
  }
  return t;
}

// The service's own shape: {"server_models": [...]}, {"phone_images": [...]}, ...
boost::json::object to_json(const catalog& c, catalog_kind kind) {
  auto array_of = [](const auto& items) {
    boost::json::array a;
    for (const auto& item : items) a.push_back(cphfleet::to_json(item));
    return a;
  };
  switch (kind) {
    case catalog_kind::server_models:
      return {{"server_models", array_of(c.server_models)}};
    case catalog_kind::phone_models:
      return {{"phone_models", array_of(c.phone_models)}};
    case catalog_kind::images:
      return {{"phone_images", array_of(c.images)}};
    case catalog_kind::bandwidths:
      return {{"band_widths", array_of(c.bandwidths)}};
  }
  return {};
}

int run_catalog(const catalog_options& opt, const common_options& common) {
  const catalog_kind kind = kinds().at(opt.kind);
  config cfg = load_config_only(common.config, common.ledger);  // input_error: exit 2 in cli_main
  catalog_call call = fetch_catalog(cfg, kind);
  outcome o = classify(call.report, call_kind::read);
  if (o.cls != outcome_class::ordered) {
    const auto& r = call.report;
    std::string why = r.transport ? r.transport->message
                                  : fmt::format("HTTP {} {} {}", r.http_status, r.error_code, r.error_msg);
    fmt::print(stderr, "cphfleet: catalog {}: {}{}\n", opt.kind, why,
               call.request_id.empty() ? "" : fmt::format(" (request_id {})", call.request_id));
    return o.stop_run ? exit_code::aborted : exit_code::failed;
  }
  if (opt.json) {
    fmt::print("{}\n", boost::json::serialize(to_json(call.items, kind)));
  } else {
    print_table(to_table(call.items, kind));
  }
  return exit_code::ok;
}

}  // namespace

void add_catalog_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<catalog_options>();
  auto* cmd = app.add_subcommand(
      "catalog", "What the service offers: server-models | phone-models | images | bandwidths");
  cmd->add_option("kind", opt->kind, "server-models, phone-models, images or bandwidths")
      ->required()
      ->check(CLI::IsMember({"server-models", "phone-models", "images", "bandwidths"}));
  cmd->add_flag("--json", opt->json, "The service's JSON shape, e.g. {\"server_models\": [...]}");
  cmd->callback([opt, &common, &result] { result = run_catalog(*opt, common); });
}

}  // namespace cphfleet

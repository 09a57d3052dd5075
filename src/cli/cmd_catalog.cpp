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

// product_type 0 and 1 by what they sell; a value the SDK does not list as its number; absent as "-".
std::string product_text(const std::optional<int>& p) {
  if (!p) return "-";
  if (*p == product_type::cloud_phone) return "phone";
  if (*p == product_type::cloud_game) return "game";
  return std::to_string(*p);
}

std::string version_text(const std::optional<int>& v) {
  if (!v) return "-";
  if (*v == 0) return "1.0";
  if (*v == 1) return "2.0";
  return std::to_string(*v);
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

table to_table(const catalog& c, catalog_kind kind) {
  table t;
  switch (kind) {
    case catalog_kind::server_models:
      t.push_back({"server_model_name", "product", "server_type", "cpu", "memory_gib", "gpu", "disk_max_num",
                   "free_size_gib"});
      for (const auto& m : c.server_models) {
        std::string gpu = m.extend_spec.gpu.empty()
                              ? "-"
                              : fmt::format("{} x{}", m.extend_spec.gpu, m.extend_spec.gpu_count);
        t.push_back({m.server_model_name, product_text(m.product_type), or_dash(m.server_type),
                     std::to_string(m.cpu), std::to_string(m.memory), gpu, std::to_string(m.disk_max_num),
                     std::to_string(m.free_size)});
      }
      break;
    case catalog_kind::phone_models:
      t.push_back({"server_model_name", "phone_model_name", "status", "product", "version", "phones", "cpu",
                   "memory_mib", "disk_gib", "resolution", "image_label"});
      for (const auto& m : c.phone_models) {
        t.push_back({m.server_model_name, m.phone_model_name, m.status == 1 ? "on sale" : "offline",
                     product_text(m.product_type), version_text(m.phone_model_version),
                     std::to_string(m.phone_capacity), std::to_string(m.cpu), std::to_string(m.memory),
                     std::to_string(m.disk), or_dash(m.resolution), or_dash(m.image_label)});
      }
      break;
    case catalog_kind::images:
      t.push_back({"image_id", "image_name", "os_type", "os_name", "visibility", "image_label"});
      for (const auto& m : c.images) {
        std::string visibility = m.is_public == 1   ? "public"
                                 : m.is_public == 2 ? "private"
                                                    : std::to_string(m.is_public);
        t.push_back({m.image_id, m.image_name, or_dash(m.os_type), or_dash(m.os_name), visibility,
                     or_dash(m.image_label)});
      }
      break;
    case catalog_kind::bandwidths:
      t.push_back({"band_width_id", "band_width_name", "size_mbit_s", "share_type", "charge_mode"});
      for (const auto& m : c.bandwidths) {
        t.push_back({m.band_width_id, or_dash(m.band_width_name), std::to_string(m.band_width_size),
                     m.band_width_share_type == 0 ? "dedicated" : "shared",
                     m.band_width_charge_mode == 0 ? "bandwidth" : "traffic"});
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
      "catalog",
      "What the service offers: server-models | phone-models | images | bandwidths. Tables show product "
      "as phone (product_type 0) or game (1), a phone model's version as 1.0 (phone_model_version 0) or "
      "2.0 (1), its phones per server, offline flavors, and images as public (is_public 1) or private (2)");
  cmd->add_option("kind", opt->kind, "server-models, phone-models, images or bandwidths")
      ->required()
      ->check(CLI::IsMember({"server-models", "phone-models", "images", "bandwidths"}));
  cmd->add_flag("--json", opt->json,
                "The service's JSON shape with every field, e.g. {\"server_models\": [...]}");
  cmd->callback([opt, &common, &result] { result = run_catalog(*opt, common); });
}

}  // namespace cphfleet

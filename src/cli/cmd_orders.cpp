// `cphfleet orders [--fleet F]... [--json]`: every chunk of the config's ledger that holds an order,
// with that order as the billing service shows it now: billing state, amount, currency, created and
// paid times. Reads only; needs `[billing]`.
#include "app/billing_session.hpp"
#include "app/metrics.hpp"
#include "app/service.hpp"
#include "base/decimal.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <tuple>

namespace cphfleet {
namespace {

struct orders_options {
  std::vector<std::string> fleets;
  bool json = false;
  std::string metrics_file;
};

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

void print_table(const std::vector<chunk_order>& orders) {
  fmt::print("{:<24} {:>5} {:<24} {:<16} {:>12} {:<8} {:<20} {:<20}\n", "chunk", "count", "order", "state",
             "amount", "currency", "created", "paid");
  for (const auto& c : orders) {
    if (!c.detail) {
      fmt::print("{:<24} {:>5} {:<24} could not be read: {}\n", c.row.chunk, c.row.count, c.row.order_id,
                 c.error);
      continue;
    }
    const bss_order& o = c.detail->order;
    fmt::print("{:<24} {:>5} {:<24} {:<16} {:>12} {:<8} {:<20} {:<20}\n", c.row.chunk, c.row.count,
               c.row.order_id, order_status_name(o.status), or_dash(o.official_amount), or_dash(o.currency),
               or_dash(o.create_time), or_dash(o.payment_time));
  }
}

// The amounts stay the service's decimal text (strings in this JSON), never a binary float.
std::string to_json(const std::vector<chunk_order>& orders) {
  boost::json::array items;
  for (const auto& c : orders) {
    boost::json::object item{{"fleet", c.row.fleet},
                             {"chunk", c.row.chunk},
                             {"count", c.row.count},
                             {"ledger_status", to_string(c.row.status)},
                             {"order_id", c.row.order_id}};
    if (c.detail) {
      const bss_order& o = c.detail->order;
      item["status"] = o.status;
      item["state"] = order_status_name(o.status);
      item["official_amount"] = o.official_amount;
      item["amount_after_discount"] = o.amount_after_discount;
      item["currency"] = o.currency;
      item["create_time"] = o.create_time;
      item["payment_time"] = o.payment_time;
    } else {
      item["error"] = c.error;
    }
    items.emplace_back(std::move(item));
  }
  return boost::json::serialize(boost::json::object{{"orders", std::move(items)}});
}

// cphfleet_order_amount{ledger,fleet,currency,state}: the fleet's orders after discounts, summed exactly
// per billing state (a pay-row's chunk counts once: each chunk is one order).
std::string order_metrics(const std::vector<chunk_order>& orders, const std::string& ledger) {
  std::map<std::tuple<std::string, std::string, std::string>, decimal> sums;
  for (const auto& c : orders) {
    if (!c.detail) continue;
    const bss_order& o = c.detail->order;
    auto amount =
        decimal::parse(o.amount_after_discount.empty() ? o.official_amount : o.amount_after_discount);
    if (!amount) continue;
    sums[{c.row.fleet, o.currency, order_status_name(o.status)}] += *amount;
  }
  std::string out =
      "# HELP cphfleet_order_amount The fleet's orders after discounts, by billing state, in their "
      "currency.\n"
      "# TYPE cphfleet_order_amount gauge\n";
  for (const auto& [key, sum] : sums) {
    const auto& [fleet, currency, state] = key;
    out +=
        fmt::format("cphfleet_order_amount{{ledger=\"{}\",fleet=\"{}\",currency=\"{}\",state=\"{}\"}} {}\n",
                    metric_label_value(ledger), metric_label_value(fleet), metric_label_value(currency),
                    metric_label_value(state), sum.text());
  }
  return out;
}

int run_orders(const common_options& common, const orders_options& opt) {
  config cfg = load_config_only(common.config, common.ledger);
  require_billing(cfg, "orders");
  if (!opt.metrics_file.empty()) check_metrics_path(opt.metrics_file);
  ledger_index index = read_ledger_index(cfg.ledger_path);
  for (const auto& f : opt.fleets)
    if (index.chunks_of(f).empty())
      throw input_error(
          {{"", 0, 0, "--fleet", fmt::format("'{}' is not in the ledger {}", f, cfg.ledger_path.string())}});
  std::vector<ledger_row> rows;
  for (const auto& fleet : index.fleets()) {
    if (!opt.fleets.empty() && std::find(opt.fleets.begin(), opt.fleets.end(), fleet) == opt.fleets.end())
      continue;
    for (const ledger_row* row : index.chunks_of(fleet))
      if (!row->order_id.empty()) rows.push_back(*row);
  }
  net::io_context ioc(1);
  service_session cph(ioc, cfg);
  billing_session bss(ioc, cfg, cph);
  std::vector<chunk_order> orders;
  run_to_end(ioc, [&]() -> net::awaitable<void> {
    orders = co_await read_chunk_orders(bss.api(), std::move(rows), cfg.limits.request_timeout_s);
  }());
  if (opt.json) {
    fmt::print("{}\n", to_json(orders));
  } else {
    print_table(orders);
  }
  if (!opt.metrics_file.empty())
    write_metrics_text(
        opt.metrics_file,
        order_metrics(orders, std::filesystem::absolute(cfg.ledger_path).lexically_normal().string()));
  bool all_read =
      std::all_of(orders.begin(), orders.end(), [](const chunk_order& c) { return c.detail.has_value(); });
  return all_read ? exit_code::ok : exit_code::failed;
}

}  // namespace

void add_orders_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<orders_options>();
  auto* cmd = app.add_subcommand("orders", "Show each ordered chunk's order as the billing service has it");
  cmd->add_option("--fleet", opt->fleets, "Only these fleets (repeatable)");
  cmd->add_flag("--json", opt->json, "One JSON object on stdout");
  cmd->add_option("--metrics-file", opt->metrics_file,
                  "Write cphfleet_order_amount per fleet, currency and state as Prometheus text");
  cmd->callback([&common, &result, opt] { result = run_orders(common, *opt); });
}

}  // namespace cphfleet

// `cphfleet cancel --fleet F | --chunk C`: cancels the pending-payment orders of the chunks named (a
// person declined them). Each cancelled chunk gets a `failed` row, "order cancelled: nothing bought",
// so the next run buys it again; a chunk whose order is not pending payment is left alone and named.
// Holds the ledger lock; needs `[billing]`.
#include "app/billing_session.hpp"
#include "app/run_driver.hpp"
#include "app/service.hpp"
#include "base/time_text.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "ledger/writer.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>

namespace cphfleet {
namespace {

struct cancel_options {
  std::vector<std::string> fleets;
  std::vector<std::string> chunks;
};

constexpr std::string_view k_cancelled_msg = "order cancelled: nothing bought";

int run_cancel(const common_options& common, const cancel_options& opt) {
  if (opt.fleets.empty() && opt.chunks.empty())
    throw input_error({{"", 0, 0, "--fleet", "is missing (required: --fleet F or --chunk C)"}});
  config cfg = load_config_only(common.config, common.ledger);
  require_billing(cfg, "cancel");

  net::io_context ioc(1);
  order_chunks held = open_order_chunks(ioc.get_executor(), cfg, "cphfleet cancel", opt.fleets, opt.chunks);
  if (!held.writer) return exit_code::locked;

  service_session cph(ioc, cfg);
  billing_session bss(ioc, cfg, cph);
  const std::string run_id = new_run_id();
  std::int64_t cancelled = 0;
  std::int64_t failures = 0;
  run_to_end(ioc, [&]() -> net::awaitable<void> {
    auto deadline = [&] {
      return std::chrono::steady_clock::now() + std::chrono::seconds(cfg.limits.request_timeout_s);
    };
    std::vector<chunk_order> orders =
        co_await read_chunk_orders(bss.api(), std::move(held.rows), cfg.limits.request_timeout_s);
    for (auto& c : orders) {
      if (!c.detail) {
        ++failures;
        fmt::print(stderr, "cphfleet: cancel: {}: reading order {} failed: {}\n", c.row.chunk, c.row.order_id,
                   c.error);
        continue;
      }
      if (c.detail->order.status != order_status::pending_payment) {
        ++held.left_alone;
        fmt::print("left alone: {}: order {} is {}, not pending payment\n", c.row.chunk, c.row.order_id,
                   order_status_name(c.detail->order.status));
        continue;
      }
      call_report report = co_await bss.api().cancel_order(c.row.order_id, deadline());
      if (classify(report, call_kind::purchase).cls != outcome_class::ordered) {
        // An answer lost on the way may still have cancelled it: the order's state says.
        order_detail_call after = co_await bss.api().order_detail(c.row.order_id, deadline());
        if (!after.detail || after.detail->order.status != order_status::cancelled) {
          ++failures;
          fmt::print(stderr, "cphfleet: cancel: {}: cancelling order {} failed: {}\n", c.row.chunk,
                     c.row.order_id, describe(report));
          continue;
        }
      }
      ledger_row row = c.row;
      row.time = utc_now_rfc3339();
      row.run_id = run_id;
      row.status = chunk_status::failed;
      row.http_status = report.http_status;
      row.error_code.clear();
      row.error_msg = std::string(k_cancelled_msg);
      row.request_id.clear();
      row.server_ids.clear();
      co_await held.writer->append(std::move(row));
      ++cancelled;
      fmt::print("cancelled {}: order {}\n", c.row.chunk, c.row.order_id);
    }
  }());
  fmt::print("cancel: {} orders cancelled, {} chunks left alone, {} failed\n", cancelled, held.left_alone,
             failures);
  return failures == 0 ? exit_code::ok : exit_code::failed;
}

bool named(const std::vector<std::string>& names, std::string_view v) {
  return std::find(names.begin(), names.end(), v) != names.end();
}

}  // namespace

order_chunks::order_chunks() = default;
order_chunks::order_chunks(order_chunks&&) noexcept = default;
order_chunks::~order_chunks() = default;

order_chunks open_order_chunks(net::any_io_executor ex, const config& cfg, std::string_view who,
                               const std::vector<std::string>& fleets,
                               const std::vector<std::string>& chunks) {
  order_chunks out;
  out.index = std::make_unique<ledger_index>(std::vector<ledger_row>{}, ledger_history::latest_only);
  ledger_index& index = *out.index;
  try {
    out.writer = std::make_unique<ledger_writer>(std::move(ex), cfg.ledger_path, who,
                                                 [&index](ledger_row&& row) { index.add(std::move(row)); });
  } catch (const ledger_busy& e) {
    fmt::print(stderr, "cphfleet: {}\n", e.what());
    return out;
  }
  const std::string ledger_path = cfg.ledger_path.string();
  for (const auto& c : chunks)
    if (!index.latest(c))
      throw input_error({{"", 0, 0, "--chunk",
                          fmt::format("'{}' is not in the ledger {} (allowed: a chunk name the ledger holds)",
                                      c, ledger_path)}});
  for (const auto& f : fleets)
    if (index.chunks_of(f).empty())
      throw input_error({{"", 0, 0, "--fleet", fmt::format("'{}' is not in the ledger {}", f, ledger_path)}});
  const bool all = fleets.empty() && chunks.empty();
  for (const auto& fleet : index.fleets()) {
    for (const ledger_row* row : index.chunks_of(fleet)) {
      if (!all && !named(fleets, fleet) && !named(chunks, row->chunk)) continue;
      if (row->status == chunk_status::ordered && !row->order_id.empty()) {
        out.rows.push_back(*row);
      } else if (named(chunks, row->chunk)) {
        ++out.left_alone;
        fmt::print("left alone: {}: the ledger holds it as {}{}\n", row->chunk, to_string(row->status),
                   is_unresolved(row->status) ? " (settle it first: cphfleet reconcile)" : ", with no order");
      }
    }
  }
  return out;
}

void add_cancel_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<cancel_options>();
  auto* cmd = app.add_subcommand(
      "cancel", "Cancel the pending-payment orders of these chunks, so that the next run buys them again");
  cmd->add_option("--fleet", opt->fleets, "The chunks of these fleets (repeatable)");
  cmd->add_option("--chunk", opt->chunks, "These chunks (repeatable)");
  cmd->callback([&common, &result, opt] { result = run_cancel(common, *opt); });
}

}  // namespace cphfleet

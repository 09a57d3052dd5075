// `cphfleet pay [--fleet F]... [--chunk C]... [--max-amount X] [--json]`: approval mode (README "Money").
// Pays the pending-payment orders of the ledger's chunks, after showing their total, one PayOrders call
// each, and refuses (exit 2, nothing paid) above the money guard. A pay whose answer is lost is settled
// by reading the order's state, never by paying again. Every pay is recorded before it leaves and after
// (ledger/row.hpp pay_mark). Holds the ledger lock; needs `[billing]`.
#include "app/billing_session.hpp"
#include "app/pricing.hpp"
#include "app/run_driver.hpp"
#include "app/service.hpp"
#include "base/decimal.hpp"
#include "base/time_text.hpp"
#include "cli/cli.hpp"
#include "client/bss_client.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "ledger/writer.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <memory>

namespace cphfleet {
namespace {

struct pay_options {
  std::vector<std::string> fleets;
  std::vector<std::string> chunks;
  std::string max_amount;
  bool json = false;
};

// What a pay will charge: the amount after discounts, else the list price.
std::optional<decimal> charge_of(const bss_order& o) {
  return decimal::parse(o.amount_after_discount.empty() ? o.official_amount : o.amount_after_discount);
}

struct pay_result {
  ledger_row row;
  std::string amount;
  std::string mark;  // pay_mark
  std::string detail;
};

int run_pay(const common_options& common, const pay_options& opt) {
  config cfg = load_config_only(common.config, common.ledger);
  require_billing(cfg, "pay");
  const std::optional<money_limit> limit = money_limit_of(cfg, opt.max_amount);
  if (!limit)
    throw input_error(
        {{"", 0, 0, "--max-amount",
          fmt::format("is missing (required: the most this pay may spend, as --max-amount 5000.00 "
                      "or [limits] max_amount_per_run in {})",
                      cfg.path.string())}});

  net::io_context ioc(1);
  order_chunks held = open_order_chunks(ioc.get_executor(), cfg, "cphfleet pay", opt.fleets, opt.chunks);
  if (!held.writer) return exit_code::locked;

  service_session cph(ioc, cfg);
  billing_session bss(ioc, cfg, cph);
  const std::string run_id = new_run_id();
  std::vector<pay_result> results;
  std::int64_t failures = 0;
  decimal total;
  std::string currency;
  run_to_end(ioc, [&]() -> net::awaitable<void> {
    auto deadline = [&] {
      return std::chrono::steady_clock::now() + std::chrono::seconds(cfg.limits.request_timeout_s);
    };
    std::vector<chunk_order> orders =
        co_await read_chunk_orders(bss.api(), std::move(held.rows), cfg.limits.request_timeout_s);
    // First every order's state and the total: nothing is paid unless all of it is within the guard.
    std::vector<chunk_order> pending;
    for (auto& c : orders) {
      if (!c.detail) {
        ++failures;
        fmt::print(stderr, "cphfleet: pay: {}: reading order {} failed: {}\n", c.row.chunk, c.row.order_id,
                   c.error);
        continue;
      }
      const bss_order& o = c.detail->order;
      // A pay an earlier `pay` left open (killed after PAY.SENDING, or its answer lost) is settled from
      // the order's state now.
      const bool open_pay = c.row.error_code == pay_mark::sending || c.row.error_code == pay_mark::unknown ||
                            c.row.error_code == pay_mark::under_way;
      if (open_pay && o.status == order_status::completed) {
        ledger_row row = c.row;
        row.time = utc_now_rfc3339();
        row.run_id = run_id;
        row.error_code = std::string(pay_mark::paid);
        row.error_msg = fmt::format("order {}: settled: the order reads completed (paid {})", o.order_id,
                                    o.payment_time.empty() ? "at a time not shown" : o.payment_time);
        co_await held.writer->append(std::move(row));
        if (!opt.json)
          fmt::print("{}: order {}: an earlier pay went through: completed\n", c.row.chunk, o.order_id);
        continue;
      }
      if (o.status != order_status::pending_payment) {
        if (!opt.fleets.empty() || !opt.chunks.empty() || o.status != order_status::completed) {
          ++held.left_alone;
          if (!opt.json)
            fmt::print("left alone: {}: order {} is {}, not pending payment\n", c.row.chunk, c.row.order_id,
                       order_status_name(o.status));
        }
        continue;
      }
      auto amount = charge_of(o);
      if (!amount)
        throw input_error(
            {{"", 0, 0, "--max-amount",
              fmt::format("order {} of {} has no amount the guard can read ('{}'): nothing was paid",
                          o.order_id, c.row.chunk, o.amount_after_discount)}});
      if (currency.empty()) currency = o.currency;
      if (o.currency != currency)
        throw input_error(
            {{"", 0, 0, "--max-amount",
              fmt::format("the orders are in {} and in {}: pay them apart (--fleet, --chunk); nothing "
                          "was paid",
                          currency, o.currency)}});
      total += *amount;
      pending.push_back(std::move(c));
    }
    if (!opt.json)
      fmt::print("pay: {} order{} pending payment, {} {} in total; money guard: at most {} ({})\n",
                 pending.size(), pending.size() == 1 ? "" : "s", total.text(),
                 currency.empty() ? "" : currency, limit->text, limit->source);
    if (total > limit->amount)
      throw input_error(
          {{"", 0, 0, "--max-amount",
            fmt::format("the pending orders total {} {}, above the money guard's {} ({}): nothing "
                        "was paid (pay fewer with --fleet or --chunk, or raise the limit)",
                        total.text(), currency, limit->text, limit->source)}});
    for (auto& c : pending) {
      const bss_order& o = c.detail->order;
      ledger_row row = c.row;
      row.time = utc_now_rfc3339();
      row.run_id = run_id;
      row.status = chunk_status::ordered;
      row.attempt = 0;
      row.http_status = 0;
      row.request_id.clear();
      row.error_code = std::string(pay_mark::sending);
      row.error_msg = fmt::format("paying order {}: {} {}", o.order_id, charge_of(o)->text(), o.currency);
      co_await held.writer->append(row);  // on disk before the pay leaves
      call_report report = co_await bss.client().pay_order(o.order_id, deadline());
      row.time = utc_now_rfc3339();
      row.http_status = report.http_status;
      pay_result r{row, charge_of(o)->text(), "", ""};
      const bool ok = !report.transport && report.http_status / 100 == 2;
      // Refused for certain: a 4xx other than 429 and "under way", or a request never written.
      const bool never_sent = report.transport && !report.transport->request_written;
      const bool definite_no =
          never_sent || (!report.transport && report.http_status / 100 == 4 && report.http_status != 429 &&
                         report.error_code != k_payment_under_way);
      if (ok) {
        r.mark = pay_mark::paid;
        r.detail = "paid";
      } else if (definite_no) {
        r.mark = pay_mark::refused;
        r.detail = fmt::format("{}: {}", never_sent ? "not sent" : "refused", describe(report));
      } else {
        // The pay may have gone through (a lost answer, a 5xx), or another pay is under way: the order's
        // state says which. It is never sent again here.
        order_detail_call after = co_await bss.api().order_detail(o.order_id, deadline());
        const int status = after.detail ? after.detail->order.status : -1;
        if (status == order_status::completed) {
          r.mark = pay_mark::paid;
          r.detail = fmt::format("paid (the pay's answer: {}; the order is completed)", describe(report));
        } else if (status == order_status::processing || report.error_code == k_payment_under_way) {
          r.mark = pay_mark::under_way;
          r.detail = fmt::format("payment under way ({}); `cphfleet orders` shows when it completes",
                                 describe(report));
        } else {
          r.mark = pay_mark::unknown;
          r.detail = fmt::format(
              "the pay's answer was lost ({}) and the order reads {}: not paid again; run `cphfleet pay` "
              "later "
              "(a pay while one is under way pays nothing: {})",
              describe(report),
              after.detail ? order_status_name(status) : "unreadable: " + describe(after.report),
              k_payment_under_way);
        }
      }
      if (r.mark == pay_mark::refused || r.mark == pay_mark::unknown) ++failures;
      row.error_code = r.mark;
      row.error_msg = fmt::format("order {}: {} {}: {}", o.order_id, r.amount, o.currency, r.detail);
      co_await held.writer->append(row);
      r.row = std::move(row);
      if (!opt.json)
        fmt::print("{}: order {}: {} {}: {}\n", r.row.chunk, o.order_id, r.amount, o.currency, r.detail);
      results.push_back(std::move(r));
    }
  }());
  std::int64_t paid = 0;
  for (const auto& r : results) paid += r.mark == pay_mark::paid || r.mark == pay_mark::under_way;
  if (opt.json) {
    boost::json::array items;
    for (const auto& r : results)
      items.push_back(boost::json::object{{"fleet", r.row.fleet},
                                          {"chunk", r.row.chunk},
                                          {"order_id", r.row.order_id},
                                          {"amount", r.amount},
                                          {"result", r.mark},
                                          {"detail", r.detail}});
    fmt::print("{}\n", boost::json::serialize(boost::json::object{{"total", total.text()},
                                                                  {"currency", currency},
                                                                  {"max_amount", limit->text},
                                                                  {"paid", paid},
                                                                  {"left_alone", held.left_alone},
                                                                  {"failed", failures},
                                                                  {"orders", std::move(items)}}));
  } else {
    fmt::print("pay: {} paid or under way, {} left alone, {} failed\n", paid, held.left_alone, failures);
  }
  return failures == 0 ? exit_code::ok : exit_code::failed;
}

}  // namespace

void add_pay_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<pay_options>();
  auto* cmd = app.add_subcommand(
      "pay", "Pay the pending-payment orders of these chunks (all by default), within the money guard");
  cmd->add_option("--fleet", opt->fleets, "The chunks of these fleets (repeatable)");
  cmd->add_option("--chunk", opt->chunks, "These chunks (repeatable)");
  cmd->add_option(
      "--max-amount", opt->max_amount,
      "Pay nothing if the orders' total is above this amount (default: [limits] max_amount_per_run)");
  cmd->add_flag("--json", opt->json, "One JSON object on stdout");
  cmd->callback([&common, &result, opt] { result = run_pay(common, *opt); });
}

}  // namespace cphfleet

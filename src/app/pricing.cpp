#include "app/pricing.hpp"

#include "api/bss.hpp"
#include "app/billing_session.hpp"
#include "app/service.hpp"
#include "base/diagnostic.hpp"
#include "client/bss_client.hpp"
#include "client/outcome.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

namespace cphfleet {
namespace json = boost::json;

namespace {

constexpr std::size_t k_products_per_inquiry = 100;

std::string period_text(int period_type, std::int64_t n) {
  const char* unit = period_type == 3 ? "year" : period_type == 2 ? "month" : "period";
  return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
}

}  // namespace

std::vector<fleet_price> fleets_to_price(const plan& p) {
  std::vector<fleet_price> out;
  for (const auto& f : p.fleets) {
    if (f.chunks.empty()) continue;
    fleet_price fp;
    fp.fleet = f.fleet;
    const purchase_request& r = f.chunks.front().request;
    fp.server_model_name = r.server_model_name;
    fp.period_type = static_cast<int>(r.extend_param.period_type);
    fp.period_num = r.extend_param.period_num;
    for (const auto& c : f.chunks) fp.servers += c.count;
    out.push_back(std::move(fp));
  }
  return out;
}

std::vector<fleet_price> fleets_to_price(const std::vector<chunk_work>& work) {
  std::vector<fleet_price> out;
  for (const auto& w : work) {
    const purchase_request r = parse_purchase(w.body).request;
    const int period_type = static_cast<int>(r.extend_param.period_type);
    auto it = std::find_if(out.begin(), out.end(), [&](const fleet_price& f) {
      return f.fleet == w.fleet && f.server_model_name == r.server_model_name &&
             f.period_type == period_type && f.period_num == r.extend_param.period_num;
    });
    if (it == out.end()) {
      out.push_back({w.fleet, r.server_model_name, 0, period_type, r.extend_param.period_num, std::nullopt});
      it = out.end() - 1;
    }
    it->servers += w.count;
  }
  return out;
}

net::awaitable<run_quote> quote_plan(bss_client& bss, const config& cfg, const std::string& project_id,
                                     const plan& p) {
  co_return co_await quote_fleets(bss, cfg, project_id, fleets_to_price(p));
}

net::awaitable<run_quote> quote_fleets(bss_client& bss, const config& cfg, const std::string& project_id,
                                       std::vector<fleet_price> fleets) {
  run_quote q;
  q.fleets = std::move(fleets);
  if (q.fleets.empty()) co_return q;
  if (!cfg.billing) {
    q.error = "no [billing] in the config";
    co_return q;
  }
  std::vector<std::string> missing;
  std::vector<rate_product> products;
  for (std::size_t i = 0; i < q.fleets.size(); ++i) {
    const fleet_price& f = q.fleets[i];
    auto it = cfg.billing->products.find(f.server_model_name);
    if (it == cfg.billing->products.end()) {
      if (std::find(missing.begin(), missing.end(), f.server_model_name) == missing.end())
        missing.push_back(f.server_model_name);
      continue;
    }
    const billing_product& codes = it->second;
    rate_product r;
    r.id = std::to_string(i + 1);  // unique in the inquiry; maps the answer back to the fleet
    r.cloud_service_type = codes.cloud_service_type;
    r.resource_type = codes.resource_type;
    r.resource_spec = codes.resource_spec;
    r.region = codes.region.empty() ? cfg.region : codes.region;
    r.available_zone = codes.available_zone;
    r.resource_size = codes.resource_size;
    r.size_measure_id = codes.size_measure_id;
    r.period_type = f.period_type;
    r.period_num = f.period_num;
    r.subscription_num = f.servers;
    products.push_back(std::move(r));
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing)
      names += fmt::format("{}[billing.products.\"{}\"]", names.empty() ? "" : ", ", m);
    q.error =
        fmt::format("no billing codes for {} in {} (read them off an order: cphfleet billing codes ORDER_ID)",
                    names, cfg.path.string());
    co_return q;
  }
  decimal total;
  for (std::size_t from = 0; from < products.size(); from += k_products_per_inquiry) {
    rate_request req;
    req.project_id = project_id;
    const std::size_t to = std::min(products.size(), from + k_products_per_inquiry);
    req.products.assign(products.begin() + static_cast<std::ptrdiff_t>(from),
                        products.begin() + static_cast<std::ptrdiff_t>(to));
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(cfg.limits.request_timeout_s);
    rate_call call = co_await bss.price(std::move(req), deadline);
    if (!call.answer) {
      q.error = fmt::format("the price inquiry failed: {}", describe(call.report));
      co_return q;
    }
    if (q.currency.empty()) {
      q.currency = call.answer->currency;
    } else if (call.answer->currency != q.currency) {
      q.error = fmt::format("the price inquiry answered in {} and in {}", q.currency, call.answer->currency);
      co_return q;
    }
    // Every fleet has its product (a flavor without codes returned above), so product k is fleet k.
    for (std::size_t k = from; k < to; ++k) {
      const std::string& id = products[k].id;
      auto it = std::find_if(call.answer->products.begin(), call.answer->products.end(),
                             [&](const product_rate& r) { return r.id == id; });
      auto amount =
          it == call.answer->products.end() ? std::nullopt : decimal::parse(it->official_website_amount);
      if (!amount || amount->negative()) {
        q.error = fmt::format("the price inquiry gave no amount for fleet {}", q.fleets[k].fleet);
        co_return q;
      }
      q.fleets[k].amount = *amount;
      total += *amount;
    }
  }
  q.total = total;
  co_return q;
}

run_quote quote_plan_now(const config& cfg, const plan& p) {
  run_quote q;
  q.fleets = fleets_to_price(p);
  if (q.fleets.empty()) return q;
  try {
    net::io_context ioc(1);
    service_session cph(ioc, cfg);
    billing_session bss(ioc, cfg, cph);
    run_to_end(ioc, [&]() -> net::awaitable<void> {
      q = co_await quote_plan(bss.client(), cfg, cph.project_id(), p);
    }());
  } catch (const input_error& e) {
    q.total.reset();
    q.error.clear();
    for (const auto& d : e.errors) q.error += (q.error.empty() ? "" : "; ") + d.field + ": " + d.message;
  } catch (const std::exception& e) {
    q.total.reset();
    q.error = e.what();
  }
  return q;
}

std::optional<money_limit> money_limit_of(const config& cfg, const std::string& flag_text) {
  if (!flag_text.empty()) {
    auto v = decimal::parse(flag_text);
    if (!v || v->negative())
      throw input_error(
          {{"", 0, 0, "--max-amount",
            fmt::format("'{}' is not an amount (allowed: a decimal such as 5000.00, at least 0)",
                        flag_text)}});
    return money_limit{*v, flag_text, "--max-amount"};
  }
  if (cfg.limits.max_amount_per_run)
    return money_limit{*cfg.limits.max_amount_per_run, cfg.limits.max_amount_text,
                       fmt::format("[limits] max_amount_per_run in {}", cfg.path.string())};
  return std::nullopt;
}

std::string quote_verdict(const run_quote& q, const std::optional<money_limit>& limit) {
  std::int64_t servers = 0;
  for (const auto& f : q.fleets) servers += f.servers;
  std::string price =
      q.total ? fmt::format("price: {} {} (list price) for {} servers", q.total->text(), q.currency, servers)
              : fmt::format("price: unknown: {}", q.error);
  if (!limit) return price;
  if (!q.total)
    return fmt::format("{}; money guard: at most {} ({}): refused, a run would buy nothing", price,
                       limit->text, limit->source);
  const bool allowed = *q.total <= limit->amount;
  return fmt::format("{}; money guard: at most {} ({}): {}", price, limit->text, limit->source,
                     allowed ? "allowed" : "refused, a run would buy nothing");
}

std::string quote_text(const run_quote& q) {
  std::string out;
  for (const auto& f : q.fleets) {
    out += fmt::format(
        "  {}: {} x {} for {}: {}\n", f.fleet, f.servers, f.server_model_name,
        period_text(f.period_type, f.period_num),
        f.amount ? fmt::format("{} {}", f.amount->text(), q.currency) : std::string("not quoted"));
  }
  return out;
}

json::object quote_json(const run_quote& q) {
  json::array fleets;
  for (const auto& f : q.fleets) {
    json::object o{{"fleet", f.fleet},
                   {"server_model_name", f.server_model_name},
                   {"servers", f.servers},
                   {"period_type", f.period_type},
                   {"period_num", f.period_num}};
    o["amount"] = f.amount ? json::value(f.amount->text()) : json::value(nullptr);
    fleets.push_back(std::move(o));
  }
  json::object out;
  out["currency"] = q.currency;
  out["total"] = q.total ? json::value(q.total->text()) : json::value(nullptr);
  out["error"] = q.error;
  out["fleets"] = std::move(fleets);
  return out;
}

void check_money_guard(const run_quote& q, const money_limit& limit) {
  if (q.nothing_to_buy()) return;
  if (!q.total)
    throw input_error(
        {{"", 0, 0, "max_amount_per_run",
          fmt::format("the money guard ({}: at most {}) cannot be checked: {}; nothing was bought",
                      limit.source, limit.text, q.error)}});
  if (*q.total > limit.amount)
    throw input_error(
        {{"", 0, 0, "max_amount_per_run",
          fmt::format("the run's list price {} {} is above the money guard's {} ({}): nothing was "
                      "bought (raise the limit, or lower the fleets' targets)",
                      q.total->text(), q.currency, limit.text, limit.source)}});
}

}  // namespace cphfleet

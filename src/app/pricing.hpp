// What a run would cost (README "Money"): the plan's servers priced by the billing service's price
// inquiry (ListRateOnPeriodDetail), per fleet and in total, and the money guard that refuses a run above
// `[limits] max_amount_per_run` or `--max-amount`. Amounts are decimals end to end. A quote that cannot
// be had is never a pass: with a money guard set it refuses the run.
#pragma once
#include "base/decimal.hpp"
#include "base/net.hpp"
#include "input/config.hpp"
#include "plan/planner.hpp"
#include "send/scheduler.hpp"

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet {

class bss_client;

struct fleet_price {
  std::string fleet;
  std::string server_model_name;
  std::int64_t servers = 0;
  int period_type = 0;  // 2 month, 3 year
  std::int64_t period_num = 0;
  std::optional<decimal> amount;  // the list price of all of them, when quoted
};

struct run_quote {
  std::vector<fleet_price> fleets;  // the fleets with something to buy
  std::optional<decimal> total;     // every fleet quoted
  std::string currency;
  std::string error;  // why there is no total ("" when there is, or when nothing is to buy)

  bool nothing_to_buy() const { return fleets.empty(); }
};

// The fleets of `p` that buy something, with the flavor and period their chunks ask for.
std::vector<fleet_price> fleets_to_price(const plan& p);
// The same for chunks about to be sent (replay), from their recorded bodies; one entry per fleet, flavor
// and period.
std::vector<fleet_price> fleets_to_price(const std::vector<chunk_work>& work);

// Prices `fleets` with one inquiry per 100 of them. Never throws for the service's answers: a failure or
// a flavor without `[billing.products]` codes leaves `total` empty and says why in `error`.
net::awaitable<run_quote> quote_fleets(bss_client& bss, const config& cfg, const std::string& project_id,
                                       std::vector<fleet_price> fleets);
net::awaitable<run_quote> quote_plan(bss_client& bss, const config& cfg, const std::string& project_id,
                                     const plan& p);

// The same on sessions of its own (plan, validate): the CPH session for the project id, and the billing
// session. A session that cannot be opened (no credentials, a bad endpoint) is a quote's error too.
run_quote quote_plan_now(const config& cfg, const plan& p);

// The guard's limit and where it came from ("--max-amount", or "[limits] max_amount_per_run in F").
struct money_limit {
  decimal amount;
  std::string text;    // as written
  std::string source;  // for messages
};
// --max-amount (when given: `flag_text`) over the config's; nullopt when neither is set. Throws
// input_error when the flag is not an amount.
std::optional<money_limit> money_limit_of(const config& cfg, const std::string& flag_text);

// "price: 150400.00 CNY (list price) for 47 servers", or why there is none.
std::string quote_verdict(const run_quote& q, const std::optional<money_limit>& limit);
// The quote, one line per fleet and the total, for `plan`.
std::string quote_text(const run_quote& q);
// {currency, total, error, fleets:[{fleet, server_model_name, servers, period_type, period_num, amount}]};
// amounts as decimal strings.
boost::json::object quote_json(const run_quote& q);

// Throws input_error (exit 2, nothing bought) when the quote is above the limit or there is no quote.
void check_money_guard(const run_quote& q, const money_limit& limit);

}  // namespace cphfleet

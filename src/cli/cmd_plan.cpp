// `cphfleet plan JOB [--json] [--max-servers N]`: what a run would send now, given the ledger.
// Sends nothing.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "app/pricing.hpp"
#include "base/terminal.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "plan/planner.hpp"
#include "plan/saved_plan.hpp"

namespace cphfleet {
namespace {

struct plan_options {
  std::string job;
  bool json = false;
  std::int64_t max_servers = 0;
  CLI::Option* max_servers_option = nullptr;
  std::string out;
  bool detailed_exitcode = false;
  std::string max_amount;
};

// `eu-001 … eu-004: 10 servers each` for a run of consecutive chunks of one size.
std::vector<std::string> chunk_runs(const fleet_plan& f) {
  std::vector<std::string> out;
  auto number = [](std::string_view chunk) {
    std::size_t d = chunk.rfind('-');
    return d == std::string_view::npos ? -1 : std::stoll(std::string(chunk.substr(d + 1)));
  };
  for (std::size_t i = 0; i < f.chunks.size();) {
    std::size_t j = i;
    while (j + 1 < f.chunks.size() && f.chunks[j + 1].count == f.chunks[i].count &&
           number(f.chunks[j + 1].chunk) == number(f.chunks[j].chunk) + 1)
      ++j;
    const auto& first = f.chunks[i];
    if (j == i)
      out.push_back(fmt::format("{}: {} server{}", first.chunk, first.count, first.count == 1 ? "" : "s"));
    else
      out.push_back(
          fmt::format("{} \u2026 {}: {} servers each", first.chunk, f.chunks[j].chunk, first.count));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string read_job_bytes(const std::string& job_path) {
  // A file that cannot be read is reported by load_inputs, with the job file's own message.
  std::ifstream in(job_path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void print_plan_chunks(const plan& p) {
  for (const auto& f : p.fleets) {
    if (f.chunks.empty()) continue;
    fmt::print("{} would send:\n", f.fleet);
    for (const auto& line : chunk_runs(f)) fmt::print("  {}\n", line);
  }
}

std::string spend_guard_verdict(const plan& p, std::int64_t max_servers, const std::string& source) {
  std::string from = source.empty() ? std::string("--max-servers")
                                    : fmt::format("[limits] max_servers_per_run in {}", source);
  if (p.servers() <= max_servers)
    return fmt::format("spend guard: {} servers of at most {} ({}): allowed", p.servers(), max_servers, from);
  return fmt::format("spend guard: {} servers of at most {} ({}): refused, a run would buy nothing",
                     p.servers(), max_servers, from);
}

void print_plan_table(const plan& p) {
  std::size_t name_width = display_width("total");
  for (const auto& f : p.fleets) name_width = std::max(name_width, display_width(f.fleet));
  auto line = [&](std::string_view name, auto target, auto ordered, auto unresolved, auto calls,
                  auto servers) {
    fmt::print("{}  {:>8}  {:>8}  {:>10}  {:>6}  {:>8}\n", pad_right(name, name_width), target, ordered,
               unresolved, calls, servers);
  };
  fmt::print("job {}: what a run would send now (nothing is sent)\n", p.job);
  line("fleet", "target", "ordered", "unresolved", "calls", "servers");
  std::int64_t target = 0, ordered = 0, unresolved = 0;
  for (const auto& f : p.fleets) {
    std::int64_t servers = 0;
    for (const auto& c : f.chunks) servers += c.count;
    line(f.fleet, f.target, f.ordered, f.unresolved_servers, f.chunks.size(), servers);
    target += f.target;
    ordered += f.ordered;
    unresolved += f.unresolved_servers;
  }
  line("total", target, ordered, unresolved, p.calls(), p.servers());
  for (const auto& f : p.fleets) {
    if (f.unresolved.empty()) continue;
    constexpr std::size_t shown = 5;
    std::string names;
    for (std::size_t i = 0; i < f.unresolved.size() && i < shown; ++i)
      names += (i ? ", " : "") + f.unresolved[i];
    if (f.unresolved.size() > shown) names += fmt::format(", and {} more", f.unresolved.size() - shown);
    fmt::print(
        "{}: {} unresolved chunk(s) ({}) are settled by reading the service before anything is sent; "
        "their servers are not planned again\n",
        f.fleet, f.unresolved.size(), names);
  }
  if (p.calls() == 0) fmt::print("nothing to send: every fleet is at its target\n");
}

void add_plan_command(CLI::App& app, const common_options& common, int& result) {
  auto opts = std::make_shared<plan_options>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "Show what a run would send now, given the ledger, and what the spend guard says; sends nothing. Exit "
      "2 on invalid input, or when the run would buy more than the spend guard allows");
  cmd->add_option("JOB", opts->job, "Job file")->required();
  cmd->add_flag("--json", opts->json, "One JSON object on stdout");
  opts->max_servers_option =
      cmd->add_option("--max-servers", opts->max_servers,
                      "Spend guard: allow a run of up to N servers (default: [limits] max_servers_per_run)")
          ->check(CLI::NonNegativeNumber);
  cmd->add_option(
      "--max-amount", opts->max_amount,
      "Money guard: refuse (exit 2) if the plan's list price is above this amount (default: [limits] "
      "max_amount_per_run; needs [billing])");
  cmd->add_option("--out", opts->out,
                  "Save the plan to FILE, for `run --plan FILE` to send exactly it (or nothing)");
  cmd->add_flag("--detailed-exitcode", opts->detailed_exitcode,
                "Exit 0 when there is nothing to buy, 2 when there is, 1 on any error (as Terraform's plan)");
  cmd->callback([opts, &common, &result] {
    auto make = [&] {
      std::string job_bytes = read_job_bytes(opts->job);
      job_inputs in = load_inputs(opts->job, common.config, common.ledger);
      ledger_index ledger = read_ledger_index(in.cfg.ledger_path, ledger_cells::state);
      plan p = make_plan(in.job, ledger);
      bool from_flag = opts->max_servers_option->count() > 0;
      std::int64_t limit = from_flag ? opts->max_servers : in.cfg.limits.max_servers_per_run;
      std::string source = from_flag ? std::string() : in.cfg.path.string();
      const std::optional<money_limit> money = money_limit_of(in.cfg, opts->max_amount);
      if (money && !in.cfg.billing)
        throw input_error(
            {{"", 0, 0, "--max-amount",
              fmt::format("is given but {} has no [billing] to price the run with", in.cfg.path.string())}});
      // With [billing] and the flavors' codes (or a money guard), the plan is priced: that asks the
      // billing service, and sends no purchase.
      std::optional<run_quote> quote;
      if (p.calls() > 0 && in.cfg.billing && (money || !in.cfg.billing->products.empty()))
        quote = quote_plan_now(in.cfg, p);
      if (opts->json) {
        if (quote) {
          boost::json::value v = boost::json::parse(plan_to_json(p));
          v.as_object()["price"] = quote_json(*quote);
          fmt::print("{}\n", boost::json::serialize(v));
        } else {
          fmt::print("{}\n", plan_to_json(p));
        }
      } else {
        print_plan_table(p);
        print_plan_chunks(p);
        if (p.calls() > 0) fmt::print("{}\n", spend_guard_verdict(p, limit, source));
        if (quote) fmt::print("{}{}\n", quote_text(*quote), quote_verdict(*quote, money));
      }
      std::fflush(stdout);
      check_spend_guard(p, limit, source);
      if (money && quote) check_money_guard(*quote, *money);
      if (!opts->out.empty()) {
        write_saved_plan(opts->out, save_plan(p, opts->job, job_bytes, in.cfg.ledger_path));
        if (!opts->json)
          fmt::print(
              "plan saved to {}: `cphfleet run --plan {}` sends exactly it, or nothing if the job or "
              "the ledger changes first\n",
              opts->out, opts->out);
      }
      return p.calls();
    };
    if (!opts->detailed_exitcode) {
      make();
      result = exit_code::ok;
      return;
    }
    try {
      result = make() > 0 ? 2 : 0;
    } catch (const input_error& e) {
      for (const auto& d : e.errors) fmt::print(stderr, "{}\n", d.to_string());
      result = 1;
    } catch (const std::exception& e) {
      fmt::print(stderr, "cphfleet: {}\n", e.what());
      result = 1;
    }
  });
}

}  // namespace cphfleet

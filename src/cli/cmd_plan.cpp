// `cphfleet plan JOB [--json] [--max-servers N]`: what a run would send now, given the ledger.
// Sends nothing.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "base/terminal.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "plan/planner.hpp"

namespace cphfleet {
namespace {

struct plan_options {
  std::string job;
  bool json = false;
  std::int64_t max_servers = 0;
  CLI::Option* max_servers_option = nullptr;
};

}  // namespace

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
      "Show what a run would send now, given the ledger; sends nothing. Exit 2 on invalid input, or when "
      "the run would buy more than the spend guard allows");
  cmd->add_option("JOB", opts->job, "Job file")->required();
  cmd->add_flag("--json", opts->json, "One JSON object on stdout");
  opts->max_servers_option =
      cmd->add_option("--max-servers", opts->max_servers,
                      "Spend guard: allow a run of up to N servers (default: [limits] max_servers_per_run)")
          ->check(CLI::NonNegativeNumber);
  cmd->callback([opts, &common, &result] {
    job_inputs in = load_inputs(opts->job, common.config, common.ledger);
    ledger_index ledger = read_ledger_index(in.cfg.ledger_path, ledger_cells::state);
    plan p = make_plan(in.job, ledger);
    bool from_flag = opts->max_servers_option->count() > 0;
    check_spend_guard(p, from_flag ? opts->max_servers : in.cfg.limits.max_servers_per_run,
                      from_flag ? std::string() : in.cfg.path.string());
    if (opts->json) {
      fmt::print("{}\n", plan_to_json(p));
    } else {
      print_plan_table(p);
    }
    std::fflush(stdout);
    result = exit_code::ok;
  });
}

}  // namespace cphfleet

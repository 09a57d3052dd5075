// `cphfleet run JOB [--dry-run] [--json] [--metrics-file F] [--deadline D] [--max-servers N]`:
// bring every fleet of the job up to its target.
#include "app/account_check.hpp"
#include "app/run_driver.hpp"
#include "base/log.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "plan/planner.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>

namespace cphfleet {
namespace {

struct run_options {
  std::string job;
  bool dry_run = false;
  send_options send;
};

// Takes the plan's strings over: the plan is dropped before sending, so a big run does not hold each
// chunk's request twice (parsed and as its body) while it sends.
std::vector<chunk_work> to_work(plan&& p) {
  std::vector<chunk_work> work;
  work.reserve(static_cast<std::size_t>(p.calls()));
  for (auto& f : p.fleets) {
    for (auto& c : f.chunks) {
      work.push_back({p.job, std::move(c.fleet), std::move(c.chunk), c.count, std::move(c.body),
                      c.request.extend_param.auto_pay(), c.request.api});
    }
  }
  return work;
}

int run_job(const common_options& common, const run_options& opt) {
  job_inputs in = load_inputs(opt.job, common.config, common.ledger);
  driver_flags flags = opt.send.flags();
  std::int64_t guard = opt.send.spend_limit(in.cfg);
  std::string guard_source = opt.send.spend_limit_source(in.cfg);

  // A dry run only reads, and takes no lock (as `plan`).
  if (opt.dry_run) {
    plan p = make_plan(in.job, read_ledger_index(in.cfg.ledger_path, ledger_cells::state));
    check_spend_guard(p, guard, guard_source);
    if (opt.send.json)
      fmt::print("{}\n", plan_to_json(p));
    else
      print_plan_table(p);
    return exit_code::ok;
  }
  // The spend guard is checked before anything happens, on what the ledger says once it is held.
  auto check = [&](const ledger_index& index) {
    check_spend_guard(make_plan(in.job, index), guard, guard_source);
  };

  std::vector<std::string> fleet_names;
  for (const auto& f : in.job.fleets) fleet_names.push_back(f.server_name);

  auto work = [&](driver_context& ctx) -> net::awaitable<void> {
    // Chunks an earlier run left open are settled first: until then their servers may or may not exist.
    co_await ctx.sched.settle_unresolved(fleet_names);
    std::vector<chunk_work> chunks;
    {
      plan p = make_plan(in.job, ctx.index);
      check_spend_guard(p, guard, guard_source);
      log(log_level::info, "plan", {{"job", p.job}, {"calls", p.calls()}, {"servers", p.servers()}});
      chunks = to_work(std::move(p));
    }
    co_await check_account_before_buying(ctx.api, ctx.sched, in.cfg, ctx.index, chunks, &in.job);
    co_await ctx.sched.send(std::move(chunks));
  };
  auto summarize = [&](const ledger_index& index) {
    std::vector<fleet_summary> out;
    for (const auto& f : in.job.fleets) out.push_back(summarize_fleet(index, f.server_name, f.target));
    return out;
  };
  return drive(in.cfg, "run", flags, work, summarize, check);
}

}  // namespace

void add_run_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<run_options>();
  auto* cmd = app.add_subcommand("run", "Bring every fleet of the job up to its target");
  cmd->add_option("JOB", opt->job, "Job file")->required();
  cmd->add_flag("--dry-run", opt->dry_run, "Show what would be sent (as `plan`), send nothing");
  opt->send.add_to(*cmd);
  cmd->callback([&common, &result, opt] {
    // A dry run prints a plan, as `plan` does; only a run that may send reports as one.
    if (opt->dry_run)
      result = run_job(common, *opt);
    else
      result = run_sending_command("run", opt->send.json, opt->send.metrics_file,
                                   [&] { return run_job(common, *opt); });
  });
}

}  // namespace cphfleet

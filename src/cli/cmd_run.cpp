// `cphfleet run JOB [--dry-run] [--json] [--metrics-file F] [--deadline D] [--max-servers N]
// [--wait [--interval D] [--timeout D]]`, `cphfleet run --plan FILE`: bring every fleet of the job up to
// its target, and with --wait until its servers are ready.
#include "api/signer.hpp"
#include "app/account_check.hpp"
#include "app/pricing.hpp"
#include "app/run_driver.hpp"
#include "app/status.hpp"
#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "base/terminal.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "plan/planner.hpp"
#include "plan/saved_plan.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <optional>

namespace cphfleet {
namespace {

struct run_options {
  std::string job;
  bool dry_run = false;
  std::string plan_file;  // --plan: send exactly this saved plan
  send_options send;
  run_identity id;  // filled as the inputs are read: the summary and metrics of a refusal carry it
  wait_options wait;
  std::string max_amount;  // --max-amount: the money guard's limit over the config's
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

// `run --plan FILE`: the saved plan, and the job file it names unless JOB is given (then they must agree).
std::optional<saved_plan> saved_plan_for(run_options& opt) {
  if (opt.plan_file.empty()) return std::nullopt;
  saved_plan saved = read_saved_plan(opt.plan_file);
  if (opt.job.empty()) {
    opt.job = saved.job_file;
  } else if (std::filesystem::absolute(opt.job).lexically_normal().string() != saved.job_file) {
    throw input_error({{opt.plan_file, 0, 0, "job_file",
                        fmt::format("the plan was made for {}, not {} (give that job, or plan this one)",
                                    saved.job_file, opt.job)}});
  }
  return saved;
}

int run_job(const common_options& common, run_options& opt) {
  std::optional<saved_plan> saved = saved_plan_for(opt);
  if (opt.job.empty())
    throw input_error({{"", 0, 0, "JOB", "is missing (required: a job file, or --plan FILE)"}});
  opt.id.job = opt.job;  // until the file is read: a refused job still has series of its own
  std::string job_bytes = saved ? read_job_bytes(opt.job) : std::string();
  job_inputs in = load_inputs(opt.job, common.config, common.ledger);
  opt.id.job = in.job.name;
  opt.id.set_ledger(in.cfg.ledger_path);
  driver_flags flags = opt.send.flags();
  flags.id = opt.id;
  std::int64_t guard = opt.send.spend_limit(in.cfg);
  std::string guard_source = opt.send.spend_limit_source(in.cfg);
  const std::optional<money_limit> money = money_limit_of(in.cfg, opt.max_amount);
  if (money && !in.cfg.billing)
    throw input_error(
        {{"", 0, 0, "--max-amount",
          fmt::format("is given but {} has no [billing] to price the run with (allowed: with "
                      "[billing] and [billing.products] for the job's flavors, README \"Money\")",
                      in.cfg.path.string())}});
  auto stale = [&](std::string field, std::string what) {
    throw input_error(
        {{opt.plan_file, 0, 0, std::move(field),
          what + ": nothing was sent; make the plan again (`cphfleet plan --out`) and review it"}});
  };
  if (saved) {
    if (hex_sha256(job_bytes) != saved->job_sha256)
      stale("job_sha256", "the job file changed since the plan");
    if (opt.id.ledger != saved->ledger)
      stale("ledger", fmt::format("the plan was made on the ledger {}, this run would use {}", saved->ledger,
                                  opt.id.ledger));
  }

  // A dry run only reads, and takes no lock (as `plan`).
  if (opt.dry_run) {
    plan p = make_plan(in.job, read_ledger_index(in.cfg.ledger_path, ledger_cells::state));
    if (opt.send.json) {
      check_spend_guard(p, guard, guard_source);
      fmt::print("{}\n", plan_to_json(p));
      return exit_code::ok;
    }
    print_plan_table(p);
    print_plan_chunks(p);
    if (p.calls() > 0) fmt::print("{}\n", spend_guard_verdict(p, guard, guard_source));
    std::fflush(stdout);
    check_spend_guard(p, guard, guard_source);
    return exit_code::ok;
  }
  // The spend guard is checked before anything happens, on what the ledger says once it is held; a
  // saved plan, on the very bytes it was made from.
  auto check = [&](const ledger_index& index) {
    if (saved && fingerprint_ledger(in.cfg.ledger_path) != saved->ledger_state)
      stale("ledger_sha256", "the ledger changed since the plan");
    check_spend_guard(make_plan(in.job, index), guard, guard_source);
  };

  std::vector<std::string> fleet_names;
  for (const auto& f : in.job.fleets) fleet_names.push_back(f.server_name);
  // --wait: after sending, status --wait for the job's fleets, on the same service (the embedded
  // emulator lives only as long as this command).
  std::optional<wait_settings> wait;
  if (opt.wait.wait) wait = opt.wait.settings();
  std::optional<status_report> status;
  if (wait) {
    flags.exit_rule = [&status](const std::vector<fleet_summary>& fleets, stop_reason stopped) {
      int code = exit_code_for(fleets, stopped);
      return code == exit_code::ok && status ? status_exit_code(*status) : code;
    };
    // --json: one answer, the run's with the status in it (null when the run stopped before waiting).
    if (opt.send.json) {
      flags.complete_summary = [&status](run_summary& s) {
        s.status = status ? boost::json::value(status_object(*status)) : boost::json::value(nullptr);
      };
    }
  }

  bool unpaid_sent = false;  // a chunk without auto-pay went out: its order awaits a person's payment
  auto work = [&](driver_context& ctx) -> net::awaitable<void> {
    // Chunks an earlier run left open are settled first: until then their servers may or may not exist.
    co_await ctx.sched.settle_unresolved(fleet_names);
    std::vector<chunk_work> chunks;
    {
      plan p = make_plan(in.job, ctx.index);
      // Settling may have changed what is to buy: then the reviewed plan is not what would go out.
      if (saved) {
        std::vector<std::string> diff = plan_differences(*saved, p);
        if (!diff.empty()) {
          std::string list;
          for (const auto& d : diff) list += (list.empty() ? "" : "; ") + d;
          stale("chunks", "settling the unresolved chunks changed the plan (" + list + ")");
        }
      }
      check_spend_guard(p, guard, guard_source);
      log(log_level::info, "plan", {{"job", p.job}, {"calls", p.calls()}, {"servers", p.servers()}});
      // The money guard prices exactly what would go out, after settling; no quote, no purchase.
      if (money && p.calls() > 0) {
        run_quote q = co_await quote_plan(*ctx.bss, in.cfg, ctx.project_id, p);
        log(q.total ? log_level::info : log_level::error, quote_verdict(q, money));
        check_money_guard(q, *money);
      }
      chunks = to_work(std::move(p));
    }
    for (const auto& c : chunks) unpaid_sent = unpaid_sent || !c.auto_pay;
    co_await check_account_before_buying(ctx.api, ctx.sched, in.cfg, ctx.index, chunks, &in.job);
    co_await ctx.sched.send(std::move(chunks));
    if (!wait || ctx.sched.stopped() != stop_reason::none) co_return;
    std::vector<fleet_target> targets;
    for (const auto& f : in.job.fleets) targets.push_back({f.server_name, f.target});
    // The run's own index keeps only the state of ordered chunks; status needs their server ids and
    // requests, which the ledger (synced by now) holds.
    ledger_index full = read_ledger_index(in.cfg.ledger_path);
    wait->progress = progress_line_wanted();
    wait->stop_requested = [&ctx] { return ctx.sched.stopped() != stop_reason::none; };
    ctx.progress_paused = true;
    status = co_await read_status(ctx.client, in.cfg.limits, targets, full, &*wait, ctx.billing);
    ctx.progress_paused = false;
    if (!status->error.empty()) log(log_level::error, "status after the run", {{"error", status->error}});
  };
  auto summarize = [&](const ledger_index& index) {
    std::vector<fleet_summary> out;
    for (const auto& f : in.job.fleets) out.push_back(summarize_fleet(index, f.server_name, f.target));
    return out;
  };
  int code = drive(in.cfg, "run", flags, work, summarize, check);
  // After the run's summary: the servers' state, as `status` prints it.
  if (status && !opt.send.json) fmt::print("\n{}", status_text(*status));
  if (unpaid_sent && !opt.send.json)
    fmt::print(
        "\norders without auto-pay await payment: review them with `cphfleet orders`, pay them with "
        "`cphfleet pay --max-amount AMOUNT` (or cancel them with `cphfleet cancel`)\n");
  return code;
}

}  // namespace

void add_run_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<run_options>();
  auto* cmd = app.add_subcommand("run", "Bring every fleet of the job up to its target");
  cmd->add_option("JOB", opt->job, "Job file (with --plan: the plan's own, when not given)");
  auto* dry = cmd->add_flag("--dry-run", opt->dry_run, "Show what would be sent (as `plan`), send nothing");
  cmd->add_option(
         "--plan", opt->plan_file,
         "Send exactly the plan `plan --out` saved, or nothing if the job or the ledger changed since")
      ->excludes(dry);
  opt->send.add_to(*cmd);
  cmd->add_option("--max-amount", opt->max_amount,
                  "Money guard: buy nothing if the run's list price is above this amount (default: [limits] "
                  "max_amount_per_run; needs [billing])");
  opt->wait.add_to(*cmd, "After sending, wait as `status --wait` does until no server is creating");
  cmd->callback([&common, &result, opt] {
    // A dry run prints a plan, as `plan` does; only a run that may send reports as one.
    if (opt->dry_run)
      result = run_job(common, *opt);
    else
      result = run_sending_command("run", opt->send.json, opt->send.metrics_file, opt->id,
                                   [&] { return run_job(common, *opt); });
  });
}

}  // namespace cphfleet

// `cphfleet replay [--fleet F]... [--chunk C]... [--json]` re-sends the chunks whose latest status is
// failed (or retrying) with the exact request the ledger recorded: no job file is needed.
#include "app/account_check.hpp"
#include "app/pricing.hpp"
#include "app/run_driver.hpp"
#include "base/log.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "plan/planner.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>
#include <set>

namespace cphfleet {
namespace {

struct replay_options {
  std::vector<std::string> fleets;
  std::vector<std::string> chunks;
  send_options send;
  run_identity id;
};

bool wanted(const std::vector<std::string>& filter, std::string_view v) {
  return filter.empty() || std::find(filter.begin(), filter.end(), v) != filter.end();
}

// The chunks to re-send: latest status failed or retrying (an ordered chunk never, whatever the filter).
std::vector<chunk_work> replayable(const ledger_index& index, const replay_options& opt) {
  std::vector<chunk_work> work;
  for (const auto& fleet : index.fleets()) {
    if (!wanted(opt.fleets, fleet)) continue;
    for (const ledger_row* row : index.chunks_of(fleet)) {
      if (row->status != chunk_status::failed && row->status != chunk_status::retrying) continue;
      if (!wanted(opt.chunks, row->chunk)) continue;
      // Re-sent to the call it was first sent with, which its recorded body tells.
      parsed_purchase p = parse_purchase(row->request);
      work.push_back({row->job, row->fleet, row->chunk, row->count, row->request,
                      p.errors.empty() && p.request.extend_param.auto_pay(), purchase_api_of(row->request)});
    }
  }
  return work;
}

std::int64_t servers_in(const std::vector<chunk_work>& work) {
  std::int64_t n = 0;
  for (const auto& w : work) n += w.count;
  return n;
}

void check_replay_guard(const std::vector<chunk_work>& work, std::int64_t limit, const std::string& source) {
  std::int64_t n = servers_in(work);
  if (n <= limit) return;
  throw input_error(
      {{source, 0, 0, "max_servers_per_run",
        fmt::format("replay would buy {} servers in {} calls, over the limit of {} (allowed: at most "
                    "the limit; --max-servers N lifts it for one replay)",
                    n, work.size(), limit)}});
}

// With --chunk, only the chunks asked for: a failed chunk nobody asked to replay is not this replay's
// failure.
std::vector<fleet_summary> summarize_chunks(const ledger_index& index, const std::vector<std::string>& fleets,
                                            const std::vector<std::string>& chunks) {
  if (chunks.empty()) return summarize_fleets(index, fleets);
  std::vector<fleet_summary> out;
  for (const auto& f : fleets) {
    fleet_summary s{f, -1, 0, 0, 0};
    for (const ledger_row* row : index.chunks_of(f)) {
      if (!wanted(chunks, row->chunk)) continue;
      std::int64_t& bucket = row->status == chunk_status::ordered ? s.ordered
                             : is_unresolved(row->status)         ? s.unknown
                                                                  : s.failed;
      bucket += row->count;
    }
    out.push_back(s);
  }
  return out;
}

int run_replay(const common_options& common, replay_options& opt) {
  config cfg = load_config_only(common.config, common.ledger);
  opt.id.set_ledger(cfg.ledger_path);
  std::int64_t guard = opt.send.spend_limit(cfg);
  std::string guard_source = opt.send.spend_limit_source(cfg);
  const std::optional<money_limit> money = money_limit_of(cfg, "");
  std::vector<std::string> fleets;
  // On the ledger as the lock holder reads it (a torn last record already cut), before anything is sent.
  auto check = [&](const ledger_index& before) {
    // Unknown names are an input error, not a silent no-op.
    for (const auto& c : opt.chunks) {
      if (!before.latest(c)) {
        throw input_error({{"", 0, 0, "--chunk",
                            fmt::format("'{}' is not in the ledger {} (allowed: a chunk name "
                                        "the ledger holds, like game-eu-003)",
                                        c, cfg.ledger_path.string())}});
      }
    }
    for (const auto& f : opt.fleets) {
      if (before.chunks_of(f).empty()) {
        throw input_error({{"", 0, 0, "--fleet",
                            fmt::format("'{}' is not in the ledger {}", f, cfg.ledger_path.string())}});
      }
    }
    check_replay_guard(replayable(before, opt), guard, guard_source);
    for (const auto& f : before.fleets())
      if (wanted(opt.fleets, f)) fleets.push_back(f);
  };

  driver_flags flags = opt.send.flags();
  flags.id = opt.id;
  auto work = [&](driver_context& ctx) -> net::awaitable<void> {
    // Never sent blind: what may have been bought is settled first.
    co_await ctx.sched.settle_unresolved(fleets);
    std::vector<chunk_work> chunks = replayable(ctx.index, opt);
    check_replay_guard(chunks, guard, guard_source);
    // The money guard of the config holds for a replay too: it buys as a run does.
    if (money && !chunks.empty()) {
      run_quote q = co_await quote_fleets(*ctx.bss, cfg, ctx.project_id, fleets_to_price(chunks));
      log(q.total ? log_level::info : log_level::error, quote_verdict(q, money));
      check_money_guard(q, *money);
    }
    log(log_level::info, "replaying", {{"chunks", chunks.size()}, {"servers", servers_in(chunks)}});
    co_await check_account_before_buying(ctx.api, ctx.sched, cfg, ctx.index, chunks, nullptr);
    co_await ctx.sched.send(std::move(chunks));
  };
  return drive(
      cfg, "replay", flags, work,
      [&](const ledger_index& index) { return summarize_chunks(index, fleets, opt.chunks); }, check);
}

}  // namespace

void add_replay_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<replay_options>();
  auto* cmd = app.add_subcommand("replay", "Re-send the failed chunks recorded in the ledger, as recorded");
  cmd->add_option("--fleet", opt->fleets, "Only these fleets (repeatable)");
  cmd->add_option("--chunk", opt->chunks, "Only these chunks (repeatable)");
  opt->send.add_to(*cmd);
  cmd->callback([&common, &result, opt] {
    result = run_sending_command("replay", opt->send.json, opt->send.metrics_file, opt->id,
                                 [&] { return run_replay(common, *opt); });
  });
}

}  // namespace cphfleet

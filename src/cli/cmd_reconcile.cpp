// `cphfleet reconcile [--json]` settles every sending/unknown chunk by reading the service, prints what
// it found per chunk, and exits 0 when nothing is left unresolved, 3 otherwise (README "Replaying a
// failed order, worked through"). `--adopt-order CHUNK=ORDER_ID` settles only the chunks it names, each
// with the order a person picked (README "Sending": what the matching rule leaves open).
#include "app/run_driver.hpp"
#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cphfleet {
namespace {

struct adoption {
  std::string chunk;
  std::string order_id;
};

std::vector<adoption> parse_adoptions(const std::vector<std::string>& values) {
  std::vector<adoption> out;
  diagnostics errors;
  for (const auto& v : values) {
    auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      errors.push_back({"", 0, 0, "--adopt-order", fmt::format("'{}' is not CHUNK=ORDER_ID", v)});
      continue;
    }
    out.push_back({v.substr(0, eq), v.substr(eq + 1)});
  }
  if (!errors.empty()) throw input_error(std::move(errors));
  return out;
}

int run_reconcile(const common_options& common, bool json, const std::vector<std::string>& adopt_values) {
  std::vector<adoption> adoptions = parse_adoptions(adopt_values);
  config cfg = load_config_only(common.config, common.ledger);
  if (cfg.embedded()) {
    log(log_level::warn,
        "the embedded emulator starts empty in every command: it cannot know what an earlier "
        "command bought (reconcile against a service that outlives one command)");
  }
  std::vector<std::string> fleets;
  std::vector<std::pair<std::string, chunk_status>> open;  // chunk, status before
  auto check = [&](const ledger_index& before) {
    fleets = before.fleets();
    for (const auto& f : fleets)
      for (const ledger_row* r : before.chunks_of(f))
        if (is_unresolved(r->status)) open.emplace_back(r->chunk, r->status);
    if (adoptions.empty()) return;
    std::erase_if(open, [&](const auto& o) {
      return std::none_of(adoptions.begin(), adoptions.end(),
                          [&](const adoption& a) { return a.chunk == o.first; });
    });
  };
  driver_flags flags;
  flags.json = json;
  flags.exit_rule = [](const std::vector<fleet_summary>& s, stop_reason stopped) {
    if (stopped == stop_reason::auth) return exit_code::aborted;
    bool left = std::any_of(s.begin(), s.end(), [](const fleet_summary& f) { return f.unknown > 0; });
    return left ? exit_code::unresolved : exit_code::ok;
  };
  auto work = [&](driver_context& ctx) -> net::awaitable<void> {
    if (adoptions.empty()) co_await ctx.sched.settle_unresolved(fleets);
    // Each checked in the billing service and the ledger; a refusal ends the command (nothing was sent).
    for (const adoption& a : adoptions) co_await ctx.sched.adopt_order(a.chunk, a.order_id);
    if (json) co_return;  // the JSON summary carries the per-fleet state; the log lines the detail
    if (open.empty()) fmt::print("nothing to reconcile: no chunk is sending or unknown\n");
    for (const auto& [chunk, was] : open) {
      const ledger_row* now = ctx.index.latest(chunk);
      fmt::print("{}: {} -> {}{}{}\n", chunk, to_string(was), to_string(now->status),
                 now->order_id.empty() ? "" : " order " + now->order_id,
                 now->error_msg.empty() ? "" : " (" + now->error_msg + ")");
    }
  };
  return drive(
      cfg, "reconcile", flags, work,
      [&](const ledger_index& index) { return summarize_fleets(index, fleets); }, check);
}

}  // namespace

void add_reconcile_command(CLI::App& app, const common_options& common, int& result) {
  auto json = std::make_shared<bool>(false);
  auto adopt = std::make_shared<std::vector<std::string>>();
  auto* cmd =
      app.add_subcommand("reconcile", "Settle unresolved (sending/unknown) chunks by reading the service");
  cmd->add_flag("--json", *json, "Summary as one JSON object on stdout");
  cmd->add_option(
         "--adopt-order", *adopt,
         "CHUNK=ORDER_ID: record that order as the chunk's (a sending or unknown chunk; the order must "
         "exist in the billing service and be no other chunk's); settles only the chunks named")
      ->type_name("CHUNK=ORDER_ID");
  cmd->callback([&common, &result, json, adopt] {
    result = run_sending_command("reconcile", *json, "", run_identity{},
                                 [&] { return run_reconcile(common, *json, *adopt); });
  });
}

}  // namespace cphfleet

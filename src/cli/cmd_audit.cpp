// `cphfleet audit [--fleet F]... [--json]`: the ledger against the servers on the account.
#include "app/account_check.hpp"
#include "app/audit.hpp"
#include "app/service.hpp"
#include "base/log.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <memory>

namespace cphfleet {
namespace {

struct audit_options {
  std::vector<std::string> fleets;
  bool json = false;
};

boost::json::object to_json(const fleet_audit& a) {
  boost::json::array orphans, phantoms, pending;
  for (const auto& o : a.orphans) {
    boost::json::array ids;
    for (const auto& id : o.server_ids) ids.emplace_back(id);
    orphans.push_back(boost::json::object{
        {"chunk", o.chunk}, {"order_id", o.order_id}, {"server_ids", std::move(ids)}, {"why", o.why}});
  }
  for (const auto& p : a.phantoms)
    phantoms.push_back(boost::json::object{{"chunk", p.chunk}, {"order_id", p.order_id}, {"count", p.count}});
  for (const auto& p : a.pending) pending.emplace_back(p);
  return {{"fleet", a.fleet},
          {"ledger_servers", a.ledger_servers},
          {"account_servers", a.account_servers},
          {"agrees", a.agrees()},
          {"orphans", std::move(orphans)},
          {"phantoms", std::move(phantoms)},
          {"pending", std::move(pending)}};
}

int run_audit(const common_options& common, const audit_options& opt) {
  config cfg = load_config_only(common.config, common.ledger);
  if (cfg.embedded()) {
    log(log_level::warn,
        "the embedded emulator starts empty in every command, so it holds none of the "
        "ledger's servers: audit a service that outlives one command (see config/local.toml)");
  }
  ledger_index index = read_ledger_index(cfg.ledger_path);
  std::vector<std::string> fleets;
  for (const auto& f : index.fleets())
    if (opt.fleets.empty() || std::find(opt.fleets.begin(), opt.fleets.end(), f) != opt.fleets.end())
      fleets.push_back(f);
  for (const auto& f : opt.fleets) {
    if (std::find(fleets.begin(), fleets.end(), f) == fleets.end()) fleets.push_back(f);  // orphans only
  }

  net::io_context ioc(1);
  service_session session(ioc, cfg);
  std::vector<fleet_audit> audits;
  std::string read_error;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        for (const auto& f : fleets) {
          list_call call = co_await session.api().list_servers(
              f, std::chrono::steady_clock::now() + std::chrono::seconds(cfg.limits.request_timeout_s));
          outcome o = classify(call.report, call_kind::read);
          if (o.cls != outcome_class::ordered) {
            read_error = fmt::format("listing the servers of {} failed: {}", f, describe(call.report));
            co_return;
          }
          audits.push_back(audit_fleet(f, index, call.servers, std::chrono::system_clock::now(),
                                       std::chrono::seconds(cfg.limits.settle_s)));
        }
      },
      [&](std::exception_ptr e) {
        ioc.stop();
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  if (!read_error.empty()) {
    fmt::print(stderr, "cphfleet: audit: {}\n", read_error);
    return exit_code::failed;
  }
  bool agree = std::all_of(audits.begin(), audits.end(), [](const fleet_audit& a) { return a.agrees(); });
  if (opt.json) {
    boost::json::array arr;
    for (const auto& a : audits) arr.push_back(to_json(a));
    fmt::print("{}\n",
               boost::json::serialize(boost::json::object{{"agrees", agree}, {"fleets", std::move(arr)}}));
  } else {
    for (const auto& a : audits) {
      fmt::print("{}: ledger {} servers, account {} servers: {}\n", a.fleet, a.ledger_servers,
                 a.account_servers, a.agrees() ? "agree" : "DISAGREE");
      for (const auto& o : a.orphans)
        fmt::print("  orphan  {} order {} ({} servers): {}\n", o.chunk, o.order_id, o.server_ids.size(),
                   o.why);
      // A duplicate under an ordered chunk is a person's to look at; a chunk the ledger lacks can be adopted.
      if (std::any_of(a.orphans.begin(), a.orphans.end(),
                      [](const audit_orphan& o) { return !o.why.starts_with("a duplicate"); })) {
        fmt::print("  to record the orphans of chunks the ledger lacks: {}\n", adopt_hint(a.fleet, cfg));
      }
      for (const auto& p : a.phantoms)
        fmt::print("  phantom {} order {} ({} servers): ordered in the ledger, not found on the account\n",
                   p.chunk, p.order_id, p.count);
      for (const auto& p : a.pending)
        fmt::print("  pending {}: ordered within the settle window; its servers may not be listed yet\n", p);
    }
  }
  return agree ? exit_code::ok : exit_code::failed;
}

}  // namespace

void add_audit_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<audit_options>();
  auto* cmd =
      app.add_subcommand("audit", "Compare the ledger with the servers on the account: orphans, phantoms");
  cmd->add_option("--fleet", opt->fleets, "Only these fleets (repeatable)");
  cmd->add_flag("--json", opt->json, "One JSON object on stdout");
  cmd->callback([&common, &result, opt] { result = run_audit(common, *opt); });
}

}  // namespace cphfleet

// `cphfleet validate JOB`: every rule of the job and its config, checked without sending anything.
#include <fmt/format.h>

#include "api/catalog_rules.hpp"
#include "app/metrics.hpp"
#include "app/service.hpp"
#include "base/time_text.hpp"
#include "cli/cli.hpp"
#include "client/cph_client.hpp"
#include "client/outcome.hpp"
#include "input/credentials.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "plan/planner.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <memory>
#include <optional>

namespace cphfleet {
namespace {

// Every catalog problem of every fleet, pointing at the fleet that has it (`fleet[0].image_id`), in
// fleet order.
diagnostics catalog_diagnostics(const job_spec& job, const catalog& cat) {
  diagnostics out;
  for (std::size_t i = 0; i < job.fleets.size(); ++i) {
    const fleet_spec& fleet = job.fleets[i];
    for (auto& e : check_against_catalog(fleet.request, cat))
      out.push_back(diagnostic{job.path.string(), fleet.line, fleet.column,
                               fmt::format("fleet[{}].{}", i, e.field), std::move(e.message)});
  }
  return out;
}

// Where a run would send and as whom; the error (input_error) when no source has credentials. The ECS
// metadata is asked (one fetch, a few seconds at most) since only an answer says it has keys.
struct service_check {
  std::string endpoint;  // as printed: `URL (region R)`
  credentials creds;
};

service_check check_service(const config& cfg) {
  service_check out;
  out.creds = load_credentials(cfg);
  if (out.creds.source == credential_source::ecs_metadata) fetch_first_ecs_credential(cfg, out.creds);
  if (cfg.region.empty()) {
    out.endpoint = cfg.endpoint;
  } else if (cfg.region_override.empty()) {
    out.endpoint = fmt::format("{} (region {})", cfg.endpoint, cfg.region);
  } else {
    out.endpoint = fmt::format("{} (region {}, from env {})", cfg.endpoint, cfg.region, cfg.region_override);
  }
  return out;
}

std::string credentials_line(const credentials& c) {
  if (c.source == credential_source::ecs_metadata) {
    return fmt::format("{} (fetched now: {}, expires {}), project {}", c.source_text(), c.key_text(),
                       rfc3339_s(c.expires_at_s * 1000), c.project_id);
  }
  return fmt::format("{} ({}), project {}", c.source_text(), c.key_text(), c.project_id);
}

struct validate_options {
  std::string job;
  bool online = false;
  bool json = false;
  std::int64_t max_servers = 0;
  CLI::Option* max_servers_option = nullptr;
  std::string metrics_file;
};

// Every check `run` makes before it sends, in its order, so that `validate` ok means `run` will not
// refuse its inputs: the job and the config, the output paths, the spend guard on the ledger as it is
// now, the credentials; then, with --online, the catalog. Each failure throws input_error (exit 2).
int run_validate(const validate_options& opts, const common_options& common) {
  job_inputs in = load_inputs(opts.job, common.config, common.ledger);
  if (!opts.metrics_file.empty()) check_metrics_path(opts.metrics_file);
  plan p = make_plan(in.job, read_ledger_index(in.cfg.ledger_path, ledger_cells::state));
  bool from_flag = opts.max_servers_option->count() > 0;
  std::int64_t limit = from_flag ? opts.max_servers : in.cfg.limits.max_servers_per_run;
  check_spend_guard(p, limit, from_flag ? std::string() : in.cfg.path.string());
  std::optional<service_check> service;
  if (!in.cfg.embedded()) service = check_service(in.cfg);
  if (opts.online) {
    // After the offline rules passed: the catalog knows which models, images and bandwidths exist.
    catalog_call call = fetch_catalog(in.cfg);
    outcome o = classify(call.report, call_kind::read);
    if (o.cls != outcome_class::ordered) {
      throw input_error({{opts.job, 0, 0, "--online",
                          fmt::format("cannot check online: reading the catalog failed: {}",
                                      call.report.transport
                                          ? call.report.transport->message
                                          : fmt::format("HTTP {} {} {}", call.report.http_status,
                                                        call.report.error_code, call.report.error_msg))}});
    }
    auto errors = catalog_diagnostics(in.job, call.items);
    if (!errors.empty()) throw input_error(std::move(errors));
  }
  std::int64_t servers = 0;
  for (const auto& f : in.job.fleets) servers += f.target;
  const std::size_t fleets = in.job.fleets.size();
  if (opts.json) {
    boost::json::object o;
    o["exit_code"] = exit_code::ok;
    o["job"] = in.job.name;
    o["fleets"] = fleets;
    o["servers"] = servers;
    o["endpoint"] = service ? service->endpoint : std::string("embedded");
    if (service) {
      o["credentials"] = {{"source", service->creds.source_text()},
                          {"key", service->creds.key_text()},
                          {"project_id", service->creds.project_id}};
    } else {
      o["credentials"] = nullptr;
    }
    o["to_buy"] = p.servers();
    o["spend_limit"] = limit;
    o["online"] = opts.online;
    o["error"] = nullptr;
    fmt::print("{}\n", boost::json::serialize(o));
    return exit_code::ok;
  }
  if (service) {
    fmt::print("endpoint: {}\n", service->endpoint);
    fmt::print("credentials: {}\n", credentials_line(service->creds));
  }
  fmt::print("{}: ok ({} fleet{}, {} server{})\n", opts.job, fleets, fleets == 1 ? "" : "s", servers,
             servers == 1 ? "" : "s");
  if (p.calls() > 0)
    fmt::print("{}\n", spend_guard_verdict(p, limit, from_flag ? std::string() : in.cfg.path.string()));
  return exit_code::ok;
}

}  // namespace

void add_validate_command(CLI::App& app, const common_options& common, int& result) {
  auto opts = std::make_shared<validate_options>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check a job file, its config and everything a run checks before sending; list every error "
      "(exit 0 or 2)");
  cmd->add_option("job", opts->job, "Job file (TOML)")->required();
  cmd->add_flag("--online", opts->online,
                "Also check model names, images and bandwidth ids against the service's catalog");
  cmd->add_flag("--json", opts->json, "One JSON object on stdout, errors included");
  opts->max_servers_option =
      cmd->add_option("--max-servers", opts->max_servers,
                      "Check the spend guard as `run --max-servers N` would (default: [limits] "
                      "max_servers_per_run)")
          ->check(CLI::NonNegativeNumber);
  cmd->add_option("--metrics-file", opts->metrics_file, "Check that `run --metrics-file F` could write F");
  cmd->callback([opts, &common, &result] { result = run_validate(*opts, common); });
}

}  // namespace cphfleet

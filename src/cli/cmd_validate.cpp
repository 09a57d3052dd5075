// `cphfleet validate JOB`: every rule of the job and its config, checked without sending anything.
#include <fmt/format.h>

#include "api/catalog_rules.hpp"
#include "app/service.hpp"
#include "base/time_text.hpp"
#include "cli/cli.hpp"
#include "client/cph_client.hpp"
#include "client/outcome.hpp"
#include "input/credentials.hpp"
#include "input/inputs.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

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

// Where a run would send and as whom, on stdout; the error when no source has credentials. The ECS
// metadata is asked (one fetch, a few seconds at most) since only an answer says it has keys.
int check_service(const config& cfg) {
  credentials c;
  try {
    c = load_credentials(cfg);
    if (c.source == credential_source::ecs_metadata) fetch_first_ecs_credential(cfg, c);
  } catch (const input_error& e) {
    for (const auto& d : e.errors) fmt::print(stderr, "{}\n", d.to_string());
    return exit_code::invalid;
  }
  if (cfg.region.empty()) {
    fmt::print("endpoint: {}\n", cfg.endpoint);
  } else if (cfg.region_override.empty()) {
    fmt::print("endpoint: {} (region {})\n", cfg.endpoint, cfg.region);
  } else {
    fmt::print("endpoint: {} (region {}, from env {})\n", cfg.endpoint, cfg.region, cfg.region_override);
  }
  if (c.source == credential_source::ecs_metadata) {
    fmt::print("credentials: {} (fetched now: {}, expires {}), project {}\n", c.source_text(), c.key_text(),
               rfc3339_s(c.expires_at_s * 1000), c.project_id);
  } else {
    fmt::print("credentials: {} ({}), project {}\n", c.source_text(), c.key_text(), c.project_id);
  }
  return exit_code::ok;
}

struct validate_options {
  std::string job;
  bool online = false;
};

int run_validate(const validate_options& opts, const common_options& common) {
  job_inputs in;
  try {
    in = load_inputs(opts.job, common.config, common.ledger);
  } catch (const input_error& e) {
    for (const auto& d : e.errors) fmt::print(stderr, "{}\n", d.to_string());
    return exit_code::invalid;
  }
  if (!in.cfg.embedded()) {
    if (int rc = check_service(in.cfg); rc != exit_code::ok) return rc;
  }
  if (opts.online) {
    // After the offline rules passed: the catalog knows which models, images and bandwidths exist.
    catalog_call call = fetch_catalog(in.cfg);
    outcome o = classify(call.report, call_kind::read);
    if (o.cls != outcome_class::ordered) {
      fmt::print(stderr, "{}: cannot check online: reading the catalog failed: {}\n", opts.job,
                 call.report.transport ? call.report.transport->message
                                       : fmt::format("HTTP {} {} {}", call.report.http_status,
                                                     call.report.error_code, call.report.error_msg));
      return exit_code::invalid;
    }
    auto errors = catalog_diagnostics(in.job, call.items);
    for (const auto& d : errors) fmt::print(stderr, "{}\n", d.to_string());
    if (!errors.empty()) return exit_code::invalid;
  }
  std::int64_t servers = 0;
  for (const auto& f : in.job.fleets) servers += f.target;
  const std::size_t fleets = in.job.fleets.size();
  fmt::print("{}: ok ({} fleet{}, {} server{})\n", opts.job, fleets, fleets == 1 ? "" : "s", servers,
             servers == 1 ? "" : "s");
  return exit_code::ok;
}

}  // namespace

void add_validate_command(CLI::App& app, const common_options& common, int& result) {
  auto opts = std::make_shared<validate_options>();
  CLI::App* cmd =
      app.add_subcommand("validate", "Check a job file and its config; list every error (exit 0 or 2)");
  cmd->add_option("job", opts->job, "Job file (TOML)")->required();
  cmd->add_flag("--online", opts->online,
                "Also check model names, images and bandwidth ids against the service's catalog");
  cmd->callback([opts, &common, &result] { result = run_validate(*opts, common); });
}

}  // namespace cphfleet

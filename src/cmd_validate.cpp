// `cphfleet validate JOB`: every rule of the job and its config, checked without sending anything.
#include <fmt/format.h>

#include "cli.hpp"
#include "inputs.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace cphfleet {
namespace {

struct validate_options {
  std::string job;
};

int run_validate(const validate_options& opts, const common_options& common) {
  job_inputs in;
  try {
    in = load_inputs(opts.job, common.config, common.ledger);
  } catch (const input_error& e) {
    for (const auto& d : e.errors) fmt::print(stderr, "{}\n", d.to_string());
    return exit_code::invalid;
  }
  // Checks that ask the service (the catalog knows which models, images and bandwidths exist) belong
  // here, after the offline rules passed, behind an `--online` flag: they need credentials and
  // network, which the offline check must never need.
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
  cmd->callback([opts, &common, &result] { result = run_validate(*opts, common); });
}

}  // namespace cphfleet

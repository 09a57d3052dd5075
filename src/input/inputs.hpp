// A job file with its config, as the commands that read both need them: `--config` overrides the
// job's `[job] config`, `--ledger` overrides `[ledger] path`. Every error of both files in one pass.
#pragma once
#include "input/config.hpp"
#include "input/job_file.hpp"

#include <string>

namespace cphfleet {

struct job_inputs {
  job_spec job;
  config cfg;
};

// Throws input_error with every problem of the job and the config (a config that cannot be found is
// one of them: "no config: give --config or set [job] config").
job_inputs load_inputs(const std::string& job_path, const std::string& config_override,
                       const std::string& ledger_override);

// For commands without a job file (replay, reconcile, ledger, audit): the config is --config, or
// `config/default.toml`... no guessing: throws input_error when --config is missing.
config load_config_only(const std::string& config_path, const std::string& ledger_override);

}  // namespace cphfleet

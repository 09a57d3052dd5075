#include "input/inputs.hpp"

#include "base/log.hpp"
#include "base/toml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace cphfleet {
namespace {

namespace fs = std::filesystem;

// Paths given on the command line with a control character are refused like those in files: a NUL
// cannot reach us through argv, but a newline or an escape sequence would make a log line lie.
void check_argument_path(std::string_view option, const std::string& value, diagnostics& errors) {
  if (has_control_character(value)) {
    errors.push_back({"", 0, 0, std::string(option),
                      "holds a control character (allowed: a path without NUL or other control characters)"});
  }
}

// `--ledger` as given on the command line: relative to the working directory, not to the config (the
// commands log the ledger's absolute path, so a run started from another folder says which file it uses).
void apply_ledger_override(config& cfg, const std::string& ledger_override) {
  if (!ledger_override.empty()) cfg.ledger_path = ledger_override;
}

void announce(const config& cfg) {
  for (const auto& w : cfg.warnings) log_warn("{}", w);
}

// A job file that could not be read or parsed, or has no [job] table, says nothing about its config:
// "no config" on top of that would be noise.
bool job_unusable(const diagnostics& errors, const std::string& job_path) {
  return std::any_of(errors.begin(), errors.end(), [&](const diagnostic& d) {
    return d.path == job_path && (d.field.empty() || d.field == "job");
  });
}

}  // namespace

job_inputs load_inputs(const std::string& job_path, const std::string& config_override,
                       const std::string& ledger_override) {
  diagnostics errors;
  check_argument_path("JOB", job_path, errors);
  check_argument_path("--config", config_override, errors);
  check_argument_path("--ledger", ledger_override, errors);
  if (!errors.empty()) throw input_error(std::move(errors));
  job_inputs in;
  in.job = read_job(job_path, errors);

  if (!config_override.empty()) {
    in.cfg = read_config(config_override, process_env, errors);
  } else if (in.job.config_path) {
    // A config named by the job that is not there is the job's error, pointed at `[job] config`.
    std::error_code ec;
    if (!fs::is_regular_file(*in.job.config_path, ec)) {
      const bool exists = fs::exists(*in.job.config_path, ec);
      errors.push_back(
          {job_path, in.job.config_line, in.job.config_column, "job.config",
           fmt::format("{} {} (allowed: a config file, relative to this file's folder)",
                       quote(in.job.config_path->string()), exists ? "is not a file" : "does not exist")});
    } else {
      in.cfg = read_config(*in.job.config_path, process_env, errors);
    }
  } else if (!job_unusable(errors, job_path)) {
    errors.push_back(
        {job_path, 0, 0, "job.config", "is missing and no --config was given (required: one of them)"});
  }
  if (!errors.empty()) {
    // The job's problems first, top to bottom (the missing config is one of them), then the config's.
    std::stable_sort(errors.begin(), errors.end(), [&](const diagnostic& a, const diagnostic& b) {
      auto key = [&](const diagnostic& d) {
        return std::tuple(d.path != job_path, d.line == 0, d.line, d.column);
      };
      return key(a) < key(b);
    });
    throw input_error(std::move(errors));
  }
  apply_ledger_override(in.cfg, ledger_override);
  announce(in.cfg);
  return in;
}

config load_config_only(const std::string& config_path, const std::string& ledger_override) {
  if (config_path.empty()) {
    throw input_error({{"", 0, 0, "--config", "is missing (required: this command reads no job file)"}});
  }
  diagnostics errors;
  check_argument_path("--config", config_path, errors);
  check_argument_path("--ledger", ledger_override, errors);
  if (!errors.empty()) throw input_error(std::move(errors));
  config cfg = load_config(config_path);
  apply_ledger_override(cfg, ledger_override);
  announce(cfg);
  return cfg;
}

}  // namespace cphfleet

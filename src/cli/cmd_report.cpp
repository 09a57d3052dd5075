// `cphfleet report [JOB] --html FILE`: a picture of the fleets from the ledger, as one HTML file.
#include "app/report_html.hpp"
#include "base/diagnostic.hpp"
#include "base/files.hpp"
#include "base/time_text.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/reader.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>

namespace cphfleet {
namespace {

struct report_options {
  std::string job;
  std::string html;
};

int run_report(const common_options& common, const report_options& opt) {
  report_inputs in;
  std::filesystem::path ledger;
  if (!opt.job.empty()) {
    job_inputs j = load_inputs(opt.job, common.config, common.ledger);
    in.title = j.job.name;
    for (const auto& f : j.job.fleets) in.targets[f.server_name] = f.target;
    ledger = j.cfg.ledger_path;
  } else {
    ledger = load_config_only(common.config, common.ledger).ledger_path;
    in.title = ledger.filename().string();
  }
  // No ledger yet: a page with the targets and nothing ordered.
  if (std::filesystem::exists(ledger))
    read_ledger(
        ledger, [&](ledger_row&& row) { in.rows.push_back(std::move(row)); }, ledger_read_options{});
  in.generated = utc_now_rfc3339();
  if (!replace_file(opt.html, report_html(in))) {
    throw input_error(
        {{"", 0, 0, "--html",
          fmt::format("{}: cannot be written (allowed: a file in an existing folder this user may "
                      "write to)",
                      opt.html)}});
  }
  fmt::print("{}: {} ledger rows drawn\n", opt.html, in.rows.size());
  return exit_code::ok;
}

}  // namespace

void add_report_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<report_options>();
  auto* cmd = app.add_subcommand("report",
                                 "Draw the fleets, the ledger's activity over time and the orders "
                                 "as one self-contained HTML file; reads only");
  cmd->add_option("JOB", opt->job, "Job file: the fleets' targets and its ledger (else --config's ledger)");
  cmd->add_option("--html", opt->html, "The HTML file to write")->required();
  cmd->callback([&common, &result, opt] { result = run_report(common, *opt); });
}

}  // namespace cphfleet

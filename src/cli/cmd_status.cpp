// `cphfleet status [JOB] [--fleet F]... [--wait [--interval D] [--timeout D]] [--json] [--metrics-file F]`:
// every server of the ordered chunks, and its phones, in one state each (README "Status"). Read-only:
// no ledger lock.
#include "app/billing_session.hpp"
#include "app/metrics.hpp"
#include "app/run_driver.hpp"
#include "app/service.hpp"
#include "app/status.hpp"
#include "base/log.hpp"
#include "base/terminal.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <csignal>
#include <memory>

namespace cphfleet {
namespace {

struct status_options {
  std::string job;
  std::vector<std::string> fleets;
  bool json = false;
  std::string metrics_file;
  wait_options wait;
};

int run_status(const common_options& common, const status_options& opt) {
  std::optional<job_inputs> in;
  config cfg;
  if (!opt.job.empty()) {
    in = load_inputs(opt.job, common.config, common.ledger);
    cfg = in->cfg;
  } else {
    cfg = load_config_only(common.config, common.ledger);
  }
  wait_settings wait = opt.wait.settings();
  if (!opt.metrics_file.empty()) check_metrics_path(opt.metrics_file);
  if (cfg.embedded()) {
    log(log_level::warn,
        "the embedded emulator starts empty in every command, so it holds none of the ledger's servers: "
        "read a service that outlives one command (see config/local.toml), or use `run --wait`");
  }
  ledger_index index = read_ledger_index(cfg.ledger_path);
  auto wanted = [&](const std::string& f) {
    return opt.fleets.empty() || std::find(opt.fleets.begin(), opt.fleets.end(), f) != opt.fleets.end();
  };
  std::vector<fleet_target> fleets;
  if (in) {
    for (const auto& f : in->job.fleets)
      if (wanted(f.server_name)) fleets.push_back({f.server_name, f.target});
  } else {
    for (const auto& f : index.fleets())
      if (wanted(f)) fleets.push_back({f, -1});
  }
  for (const auto& f : opt.fleets) {
    if (std::none_of(fleets.begin(), fleets.end(), [&](const fleet_target& t) { return t.fleet == f; }))
      fleets.push_back({f, -1});  // nothing ordered in the ledger: a row of zeros, not an error
  }

  net::io_context ioc(1);
  service_session session(ioc, cfg);
  // With [billing], a chunk whose servers are missing has its order read: paid, or waiting for payment.
  std::unique_ptr<billing_session> billing;
  if (cfg.billing) billing = std::make_unique<billing_session>(ioc, cfg, session);
  int signal_number = 0;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (!ec) signal_number = sig;  // the wait ends at its next slice and reports what it knows
  });
  wait.progress = progress_line_wanted();
  wait.stop_requested = [&] { return signal_number != 0; };
  status_report report;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        report = co_await read_status(session.client(), cfg.limits, fleets, index,
                                      opt.wait.wait ? &wait : nullptr, billing ? &billing->api() : nullptr);
      },
      [&](std::exception_ptr e) {
        signals.cancel();
        ioc.stop();
        if (e) std::rethrow_exception(e);
      });
  ioc.run();

  int code = signal_number == SIGINT    ? exit_code::sigint
             : signal_number == SIGTERM ? exit_code::sigterm
                                        : status_exit_code(report);
  if (!report.error.empty()) fmt::print(stderr, "cphfleet: status: {}\n", report.error);
  if (!opt.metrics_file.empty()) {
    run_identity id;
    id.set_ledger(cfg.ledger_path);
    write_metrics_text(opt.metrics_file,
                       status_metrics(report, in ? in->job.name : std::string(), id.ledger));
  }
  fmt::print("{}", opt.json ? status_json(report) : status_text(report));
  return code;
}

}  // namespace

void add_status_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<status_options>();
  auto* cmd = app.add_subcommand(
      "status",
      "Every server of the ordered chunks and its phones: ready, creating, failed, ... (read-only)");
  cmd->add_option("JOB", opt->job, "Job file (optional): its fleets and targets; else the ledger's fleets");
  cmd->add_option("--fleet", opt->fleets, "Only these fleets (repeatable)");
  cmd->add_flag("--json", opt->json, "One JSON object on stdout");
  cmd->add_option("--metrics-file", opt->metrics_file,
                  "Write Prometheus gauges cphfleet_servers{fleet,state} here (its folder is checked first)");
  opt->wait.add_to(*cmd, "Read again until no server is creating, or --timeout passes");
  cmd->callback([&common, &result, opt] { result = run_status(common, *opt); });
}

}  // namespace cphfleet

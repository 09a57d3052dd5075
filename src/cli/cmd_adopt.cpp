// `cphfleet adopt [JOB] [--fleet F]...`: records in the ledger the servers the account holds under a
// fleet's chunk names and the ledger lacks (a new or lost ledger, a duplicate purchase), as `ordered`
// rows taken from the account, so that the next run buys exactly what is missing.
#include "app/account_check.hpp"
#include "app/run_driver.hpp"
#include "app/service.hpp"
#include "base/log.hpp"
#include "base/time_text.hpp"
#include "cli/cli.hpp"
#include "input/inputs.hpp"
#include "ledger/writer.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>

namespace cphfleet {
namespace {

struct adopt_options {
  std::string job;
  std::vector<std::string> fleets;
};

int run_adopt(const common_options& common, const adopt_options& opt) {
  std::string job_name;
  std::vector<std::string> fleets = opt.fleets;
  config cfg;
  if (!opt.job.empty()) {
    job_inputs in = load_inputs(opt.job, common.config, common.ledger);
    job_name = in.job.name;
    cfg = std::move(in.cfg);
    if (fleets.empty())
      for (const auto& f : in.job.fleets) fleets.push_back(f.server_name);
  } else {
    cfg = load_config_only(common.config, common.ledger);
  }
  if (cfg.embedded()) {
    log(log_level::warn,
        "the embedded emulator starts empty in every command, so it holds no server to "
        "adopt: adopt from a service that outlives one command (see config/local.toml)");
  }

  net::io_context ioc(1);
  ledger_index index({}, ledger_history::latest_only);
  std::unique_ptr<ledger_writer> writer;
  try {
    writer = std::make_unique<ledger_writer>(ioc.get_executor(), cfg.ledger_path, "cphfleet adopt",
                                             [&](ledger_row&& row) { index.add(std::move(row)); });
  } catch (const ledger_busy& e) {
    fmt::print(stderr, "cphfleet: {}\n", e.what());
    return exit_code::locked;
  }
  if (fleets.empty()) fleets = index.fleets();
  if (fleets.empty()) {
    throw input_error({{"", 0, 0, "--fleet",
                        "is missing and the ledger names no fleet (required: --fleet F or a job file)"}});
  }

  service_session session(ioc, cfg);
  account_view view;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        view = co_await read_account(session.api(), cfg.limits, fleets, index);
      },
      [&](std::exception_ptr e) {
        ioc.stop();
        if (e) std::rethrow_exception(e);
      });
  ioc.run();

  const std::string run_id = new_run_id();
  std::int64_t adopted_servers = 0;
  for (const auto& u : view.unrecorded) {
    ledger_row row;
    row.time = utc_now_rfc3339();
    row.run_id = run_id;
    row.job = job_name;
    row.fleet = u.fleet;
    row.chunk = u.chunk;
    row.count = static_cast<std::int64_t>(u.server_ids.size());
    row.status = chunk_status::ordered;
    row.order_id = u.order_ids.front();
    row.server_ids = u.server_ids;
    row.project_id = session.project_id();
    row.error_msg = "adopted from the account";
    if (u.order_ids.size() > 1) {
      // One row holds one order: the others are named so that audit's duplicate is explained.
      row.error_msg += fmt::format(" ({} orders: {})", u.order_ids.size(), fmt::join(u.order_ids, ", "));
    }
    writer->append_now(row);
    adopted_servers += row.count;
    fmt::print("adopted {} ({}): order {}, {} servers\n", u.chunk, u.why, fmt::join(u.order_ids, ", "),
               row.count);
  }
  for (std::size_t i = 0; i < view.unread.size(); ++i) {
    fmt::print(stderr, "cphfleet: adopt: listing the servers of {} failed: {}\n", view.unread[i],
               view.errors[i]);
  }
  fmt::print("adopt: {} chunks, {} servers recorded from the account; {} fleets read, {} could not be read\n",
             view.unrecorded.size(), adopted_servers, fleets.size() - view.unread.size(), view.unread.size());
  return view.unread.empty() ? exit_code::ok : exit_code::failed;
}

}  // namespace

void add_adopt_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<adopt_options>();
  auto* cmd = app.add_subcommand(
      "adopt",
      "Record in the ledger the servers the account holds under the fleets' chunk names and the "
      "ledger lacks, so the next run buys only what is missing");
  cmd->add_option("JOB", opt->job, "Job file (its fleets and config); optional");
  cmd->add_option("--fleet", opt->fleets,
                  "Only these fleets (repeatable; default: the job's, else the ledger's)");
  cmd->callback([&common, &result, opt] { result = run_adopt(common, *opt); });
}

}  // namespace cphfleet

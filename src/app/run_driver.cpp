#include "app/run_driver.hpp"

#include "app/billing_session.hpp"
#include "app/exit_codes.hpp"
#include "app/metrics.hpp"
#include "app/progress.hpp"
#include "app/service.hpp"
#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "base/terminal.hpp"
#include "base/time_text.hpp"
#include "ledger/lock.hpp"
#include "ledger/writer.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <csignal>
#include <exception>
#include <random>

namespace cphfleet {

std::chrono::seconds parse_duration(std::string_view text, std::string_view option) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::int64_t scale = unit == "s" || unit.empty() ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (ec != std::errc() || scale == 0 || n <= 0) {
    throw input_error(
        {{"", 0, 0, std::string(option),
          fmt::format("'{}' is not a duration (allowed: a positive number of seconds, or 90s, 45m, 2h)",
                      text)}});
  }
  return std::chrono::seconds(n * scale);
}

void send_options::add_to(CLI::App& cmd) {
  cmd.add_flag("--json", json, "Summary as one JSON object on stdout");
  cmd.add_option("--metrics-file", metrics_file,
                 "Write Prometheus text metrics here on every exit (its folder is checked before sending)");
  cmd.add_option("--deadline", deadline, "Send nothing new after this long (90s, 45m, 2h)");
  max_servers_option =
      cmd.add_option("--max-servers", max_servers,
                     "Spend guard: allow up to N servers (default: [limits] max_servers_per_run)")
          ->check(CLI::NonNegativeNumber);
}

driver_flags send_options::flags() const {
  driver_flags f;
  f.json = json;
  f.metrics_file = metrics_file;
  if (!deadline.empty()) f.deadline = parse_duration(deadline, "--deadline");
  return f;
}

std::int64_t send_options::spend_limit(const config& cfg) const {
  return max_servers_option->count() > 0 ? max_servers : cfg.limits.max_servers_per_run;
}

std::string send_options::spend_limit_source(const config& cfg) const {
  return max_servers_option->count() > 0 ? std::string() : cfg.path.string();
}

std::string new_run_id() {
  // 20261126T033052Z-88befc: the start time in the X-Sdk-Date form, then 24 random bits.
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::random_device rd;
  return fmt::format("{}-{:06x}", sdk_date(std::chrono::duration_cast<std::chrono::seconds>(now).count()),
                     rd() & 0xFFFFFF);
}

command_failure describe_failure(std::exception_ptr e) {
  command_failure f;
  try {
    std::rethrow_exception(e);
  } catch (const input_error& x) {
    f.kind = "input";
    f.details = x.errors;
    for (const auto& d : x.errors) {
      std::string line = d.to_string();
      fmt::print(stderr, "{}\n", line);
      f.message += (f.message.empty() ? "" : "\n") + line;
    }
  } catch (const ledger_busy& x) {
    fmt::print(stderr, "cphfleet: {}\n", x.what());
    f.kind = "locked";
    f.message = x.what();
    f.holder = x.holder;
  } catch (const std::exception& x) {
    fmt::print(stderr, "cphfleet: {}\n", x.what());
    f.kind = "error";
    f.message = x.what();
  } catch (...) {
    fmt::print(stderr, "cphfleet: unknown error\n");
    f.kind = "error";
    f.message = "unknown error";
  }
  return f;
}

namespace {

struct report_options {
  bool json = false;
  std::string metrics_file;
  bool metrics_usable = false;  // the folder was checked before anything was sent
};

// Every exit of a sending command ends here: the metrics file, then the summary on stdout. A metrics
// file that cannot be written now is an error like any other.
int finish(run_summary& s, const report_options& o, bool sent) {
  if (o.metrics_usable) {
    try {
      write_metrics(o.metrics_file, s, s.command);
    } catch (const std::exception& e) {
      std::string error = fmt::format("--metrics-file {}: {}", o.metrics_file, e.what());
      fmt::print(stderr, "cphfleet: {}\n", error);
      s.error += (s.error.empty() ? "" : "\n") + error;
      s.exit_code = exit_code_after_error(s.exit_code, sent);
    }
  }
  try {
    fmt::print("{}", o.json ? summary_json(s) : summary_text(s));
    std::fflush(stdout);
  } catch (const std::exception& e) {
    // stdout cannot be written (a full disk behind a redirection): the exit code is all that is left to
    // tell, and it must stay the code of what happened, so nothing may escape to a caller that would
    // report an exit 2.
    fmt::print(stderr, "cphfleet: cannot print the summary: {}\n", e.what());
  }
  return s.exit_code;
}

}  // namespace

int exit_code_after_error(int code, bool sent) {
  if (code == exit_code::unresolved || code == exit_code::aborted || code == exit_code::locked ||
      code == exit_code::sigint || code == exit_code::sigterm)
    return code;
  return sent ? exit_code::failed : exit_code::invalid;
}

void run_identity::set_ledger(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  ledger = (ec ? path : abs).lexically_normal().string();
}

int run_sending_command(std::string_view command, bool json, const std::string& metrics_file,
                        const run_identity& id, const std::function<int()>& body) {
  try {
    return body();
  } catch (...) {
    run_summary s;
    s.command = std::string(command);
    s.job = id.job;
    s.ledger = id.ledger;
    s.run_id = new_run_id();
    s.failure = describe_failure(std::current_exception());
    s.error = s.failure.message;
    s.exit_code = exit_code::invalid;
    report_options o{json, metrics_file, false};
    if (!metrics_file.empty()) {
      try {
        check_metrics_path(metrics_file);
        o.metrics_usable = true;
      } catch (const std::exception&) {
        // Already told: the error being reported may be this very path.
      }
    }
    return finish(s, o, false);
  }
}

int drive(const config& cfg, std::string_view command, const driver_flags& flags,
          std::function<net::awaitable<void>(driver_context&)> work,
          std::function<std::vector<fleet_summary>(const ledger_index&)> summarize,
          std::function<void(const ledger_index&)> check) {
  auto started = std::chrono::steady_clock::now();
  run_summary summary;
  summary.command = std::string(command);
  summary.run_id = new_run_id();
  summary.job = flags.id.job;
  summary.ledger = flags.id.ledger;
  if (summary.ledger.empty()) {
    run_identity id;
    id.set_ledger(cfg.ledger_path);
    summary.ledger = id.ledger;
  }
  report_options report{flags.json, flags.metrics_file, false};
  // An exit before anything was sent: exit 2 (or 75), the fleets as far as the ledger was read.
  auto refuse = [&](int code, command_failure failure, const ledger_index* index) {
    summary.exit_code = code;
    summary.error = failure.message;
    summary.failure = std::move(failure);
    if (index) summary.fleets = summarize(*index);
    summary.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return finish(summary, report, false);
  };
  // Output paths are checked before the ledger is even opened: a run must not buy and then fail to say so.
  if (!flags.metrics_file.empty()) {
    try {
      check_metrics_path(flags.metrics_file);
      report.metrics_usable = true;
    } catch (...) {
      return refuse(exit_code::invalid, describe_failure(std::current_exception()), nullptr);
    }
  }
  net::io_context ioc(1);

  // Only the latest row of a chunk matters to a run: memory follows the chunks, not every attempt;
  // and of an ordered chunk only its state (ledger_cells::unsettled).
  ledger_index index({}, ledger_history::latest_only);
  std::unique_ptr<ledger_writer> writer;
  try {
    writer = std::make_unique<ledger_writer>(
        ioc.get_executor(), cfg.ledger_path, fmt::format("cphfleet {}", command),
        [&](ledger_row&& row) { index.add(std::move(row)); }, ledger_cells::unsettled);
  } catch (const ledger_busy&) {
    return refuse(exit_code::locked, describe_failure(std::current_exception()), nullptr);
  } catch (...) {
    return refuse(exit_code::invalid, describe_failure(std::current_exception()), nullptr);
  }
  if (check) {
    try {
      check(index);
    } catch (...) {
      return refuse(exit_code::invalid, describe_failure(std::current_exception()), &index);
    }
  }
  std::unique_ptr<service_session> session_owner;
  try {
    session_owner = std::make_unique<service_session>(ioc, cfg);
  } catch (...) {
    return refuse(exit_code::invalid, describe_failure(std::current_exception()), &index);
  }
  service_session& session = *session_owner;
  // With [billing], the billing service is the second witness of every chunk left unresolved.
  std::unique_ptr<billing_session> billing;
  if (cfg.billing) {
    try {
      billing = std::make_unique<billing_session>(ioc, cfg, session);
    } catch (...) {
      return refuse(exit_code::invalid, describe_failure(std::current_exception()), &index);
    }
  }
  log(log_level::info, fmt::format("{} started", command),
      {{"ledger", std::filesystem::absolute(cfg.ledger_path).string()},
       {"service", session.describe()},
       {"billing", billing ? billing->describe() : std::string("none")}});

  run_settings settings;
  settings.limits = cfg.limits;
  settings.run_id = summary.run_id;
  settings.project_id = session.project_id();
  if (flags.deadline) settings.deadline = started + *flags.deadline;
  if (cfg.billing) settings.billing_settle_s = cfg.billing->settle_s;
  scheduler sched(ioc.get_executor(), session.api(), *writer, index, settings,
                  billing ? &billing->api() : nullptr);
  driver_context ctx{sched,
                     index,
                     cfg,
                     session.api(),
                     session.client(),
                     billing ? &billing->api() : nullptr,
                     billing ? &billing->client() : nullptr,
                     session.project_id()};

  int signal_number = 0;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int sig) {
    if (ec) return;  // cancelled: the work is done
    if (signal_number == 0) {
      signal_number = sig;
      log(log_level::warn,
          "signal received: sending nothing new; a second signal abandons the calls in flight",
          {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      sched.request_stop(stop_reason::signal);
      signals.async_wait(on_signal);
    } else {
      log(log_level::warn, "second signal: recording calls in flight as unknown and leaving",
          {{"in_flight", sched.in_flight()}});
      try {
        sched.abandon_in_flight();
      } catch (const ledger_replaced& e) {
        log(log_level::error, e.what());  // nowhere left to record them: the file is not the one held
      }
      ioc.stop();
    }
  };
  signals.async_wait(on_signal);

  progress_line progress(progress_line_wanted());
  progress_meter meter;
  net::steady_timer ticker(ioc);
  bool finished = false;
  std::function<void(boost::system::error_code)> tick = [&](boost::system::error_code ec) {
    if (ec || finished) return;
    if (ctx.progress_paused) {
      progress.clear();
      ticker.expires_after(std::chrono::milliseconds(500));
      ticker.async_wait(tick);
      return;
    }
    progress_figures f;
    f.command = command;
    for (const auto& fs : summarize(index)) {
      f.ordered += fs.ordered;
      f.unknown += fs.unknown;
      f.target += std::max<std::int64_t>(fs.target, 0);
    }
    const run_stats& st = sched.stats();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    meter.add(elapsed, st.requests, st.servers_ordered);
    f.requests_per_s = meter.requests_per_s();
    f.servers_per_s = meter.servers_per_s();
    f.rate_cap = sched.purchase_rate();
    f.configured_rate = cfg.limits.requests_per_second;
    f.throttled = st.throttled;
    f.in_flight = sched.in_flight();
    f.waiting = sched.waiting();
    f.settling = sched.settling();
    if (auto at = sched.next_settle_read()) {
      f.next_settle_s = std::max<std::int64_t>(
          0, std::chrono::ceil<std::chrono::seconds>(*at - std::chrono::steady_clock::now()).count());
    }
    f.requests = st.requests;
    f.retries = st.retries;
    progress.show(join_fitting(progress_segments(f), progress_width()));
    ticker.expires_after(std::chrono::milliseconds(500));
    ticker.async_wait(tick);
  };
  ticker.expires_after(std::chrono::milliseconds(500));
  ticker.async_wait(tick);

  std::exception_ptr failure;
  net::co_spawn(ioc, work(ctx), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
    ticker.cancel();
    signals.cancel();
    ioc.stop();  // the embedded emulator and idle connections keep no one waiting
  });
  try {
    ioc.run();
  } catch (...) {
    // A handler threw (the second signal's synchronous ledger write, say): the run ends here.
    if (!failure) failure = std::current_exception();
  }
  progress.clear();

  summary.fleets = summarize(index);
  summary.stats = sched.stats();
  summary.stopped = sched.stopped();
  summary.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.exit_code = signal_number == SIGINT    ? exit_code::sigint
                      : signal_number == SIGTERM ? exit_code::sigterm
                                                 : flags.exit_rule(summary.fleets, summary.stopped);
  // `requests` counts a purchase once its `sending` row is on disk, just before it leaves: from then on
  // the service may hold an order, and no error may claim that nothing was sent.
  bool sent = summary.stats.requests > 0;
  if (failure) {
    summary.failure = describe_failure(failure);
    summary.error = summary.failure.message;
    summary.exit_code = exit_code_after_error(summary.exit_code, sent);
  }
  log(log_level::info, fmt::format("{} finished", command),
      {{"exit_code", summary.exit_code},
       {"requests", summary.stats.requests},
       {"ledger_rows", writer->rows_written()},
       {"ledger_syncs", writer->syncs()},
       {"tls_handshakes", session.tls_handshakes()},
       {"connections", session.connections_opened()}});
  if (flags.complete_summary) flags.complete_summary(summary);
  return finish(summary, report, sent);
}

}  // namespace cphfleet

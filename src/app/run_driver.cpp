#include "app/run_driver.hpp"

#include "cli/cli.hpp"
#include "base/diagnostic.hpp"
#include "ledger/writer.hpp"
#include "base/log.hpp"
#include "app/service.hpp"
#include "base/terminal.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <csignal>
#include <random>

namespace cphfleet {

std::chrono::seconds parse_duration(std::string_view text, std::string_view option) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::int64_t scale = unit == "s" || unit.empty() ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (ec != std::errc() || scale == 0 || n <= 0) {
    throw input_error({{"", 0, 0, std::string(option),
                        fmt::format("'{}' is not a duration (allowed: a positive number of seconds, or 90s, 45m, 2h)",
                                    text)}});
  }
  return std::chrono::seconds(n * scale);
}

void send_options::add_to(CLI::App& cmd) {
  cmd.add_flag("--json", json, "Summary as one JSON object on stdout");
  cmd.add_option("--metrics-file", metrics_file, "Write Prometheus text metrics here at the end");
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
  std::string t = utc_now_rfc3339();  // 2026-11-26T03:30:52.123Z -> 20261126T033052Z
  std::string compact;
  for (char c : t.substr(0, 19))
    if (c != '-' && c != ':') compact += c;
  std::random_device rd;
  return fmt::format("{}Z-{:06x}", compact, rd() & 0xFFFFFF);
}

int drive(const config& cfg, std::string_view command, const driver_flags& flags,
          std::function<net::awaitable<void>(driver_context&)> work,
          std::function<std::vector<fleet_summary>(const ledger_index&)> summarize) {
  auto started = std::chrono::steady_clock::now();
  net::io_context ioc(1);

  // Only the latest row of a chunk matters to a run: memory follows the chunks, not every attempt.
  ledger_index index({}, ledger_history::latest_only);
  std::unique_ptr<ledger_writer> writer;
  try {
    writer = std::make_unique<ledger_writer>(ioc.get_executor(), cfg.ledger_path, fmt::format("cphfleet {}", command),
                                             [&](ledger_row&& row) { index.add(std::move(row)); });
  } catch (const ledger_busy& e) {
    fmt::print(stderr, "cphfleet: {}\n", e.what());
    return exit_code::locked;
  }
  service_session session(ioc, cfg);
  log(log_level::info, fmt::format("{} started", command),
      {{"ledger", std::filesystem::absolute(cfg.ledger_path).string()}, {"service", session.describe()}});

  run_settings settings;
  settings.limits = cfg.limits;
  settings.run_id = new_run_id();
  settings.project_id = session.project_id();
  if (flags.deadline) settings.deadline = started + *flags.deadline;
  scheduler sched(ioc.get_executor(), session.api(), *writer, index, settings);
  driver_context ctx{sched, index, cfg, session.api()};

  int signal_number = 0;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int sig) {
    if (ec) return;  // cancelled: the work is done
    if (signal_number == 0) {
      signal_number = sig;
      log(log_level::warn, "signal received: sending nothing new; a second signal abandons the calls in flight",
          {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      sched.request_stop(stop_reason::signal);
      signals.async_wait(on_signal);
    } else {
      log(log_level::warn, "second signal: recording calls in flight as unknown and leaving",
          {{"in_flight", std::to_string(sched.in_flight())}});
      sched.abandon_in_flight();
      ioc.stop();
    }
  };
  signals.async_wait(on_signal);

  progress_line progress(stderr_is_terminal() && current_log_settings().min_level <= log_level::info);
  net::steady_timer ticker(ioc);
  bool finished = false;
  std::function<void(boost::system::error_code)> tick = [&](boost::system::error_code ec) {
    if (ec || finished) return;
    std::int64_t ordered = 0, target = 0;
    for (const auto& f : summarize(index)) {
      ordered += f.ordered;
      target += std::max<std::int64_t>(f.target, 0);
    }
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string settle;  // a settle window is minutes of nothing: say when the next read comes
    if (auto at = sched.next_settle_read()) {
      auto left = std::chrono::ceil<std::chrono::seconds>(*at - std::chrono::steady_clock::now());
      settle = fmt::format(" (next read in {} s)", left.count());
    }
    progress.show(fmt::format("{}: {}/{} servers ordered · {} in flight · {} waiting{} · {} requests ({:.1f}/s) · {} retries",
                              command, ordered, target, sched.in_flight(), sched.waiting(), settle, sched.stats().requests,
                              elapsed > 0 ? static_cast<double>(sched.stats().requests) / elapsed : 0.0,
                              sched.stats().retries));
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
  ioc.run();
  progress.clear();
  if (failure) std::rethrow_exception(failure);

  run_summary summary;
  summary.command = std::string(command);
  summary.run_id = settings.run_id;
  summary.fleets = summarize(index);
  summary.stats = sched.stats();
  summary.stopped = sched.stopped();
  summary.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.exit_code = signal_number == SIGINT    ? exit_code::sigint
                      : signal_number == SIGTERM ? exit_code::sigterm
                                                 : flags.exit_rule(summary.fleets, summary.stopped);
  log(log_level::info, fmt::format("{} finished", command),
      {{"exit_code", std::to_string(summary.exit_code)},
       {"requests", std::to_string(summary.stats.requests)},
       {"ledger_rows", std::to_string(writer->rows_written())},
       {"ledger_syncs", std::to_string(writer->syncs())},
       {"tls_handshakes", std::to_string(session.tls_handshakes())},
       {"connections", std::to_string(session.connections_opened())}});
  if (!flags.metrics_file.empty()) write_metrics(flags.metrics_file, summary, command);
  fmt::print("{}", flags.json ? summary_json(summary) : summary_text(summary));
  std::fflush(stdout);
  return summary.exit_code;
}

}  // namespace cphfleet

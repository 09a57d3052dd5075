#include "app/run_report.hpp"

#include "cli/cli.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>
#include <fstream>

namespace cphfleet {

fleet_summary summarize_fleet(const ledger_index& index, std::string_view fleet, std::int64_t target) {
  fleet_summary f;
  f.fleet = std::string(fleet);
  f.target = target;
  for (const ledger_row* row : index.chunks_of(fleet)) {
    switch (row->status) {
      case chunk_status::ordered: f.ordered += row->count; break;
      case chunk_status::failed:
      case chunk_status::retrying: f.failed += row->count; break;
      case chunk_status::sending:
      case chunk_status::unknown: f.unknown += row->count; break;
    }
  }
  return f;
}

int exit_code_for(const std::vector<fleet_summary>& fleets, stop_reason stopped) {
  if (stopped == stop_reason::auth || stopped == stop_reason::circuit) return exit_code::aborted;
  bool unknown = false, short_or_failed = false;
  for (const auto& f : fleets) {
    unknown = unknown || f.unknown > 0;
    short_or_failed = short_or_failed || f.failed > 0 || (f.target >= 0 && f.ordered < f.target);
  }
  if (unknown) return exit_code::unresolved;
  if (short_or_failed) return exit_code::failed;
  return exit_code::ok;
}

std::string summary_text(const run_summary& s) {
  std::string out = fmt::format("{:<32} {:>8} {:>8} {:>8} {:>8}\n", "fleet", "target", "ordered", "failed", "unknown");
  for (const auto& f : s.fleets) {
    out += fmt::format("{:<32} {:>8} {:>8} {:>8} {:>8}\n", f.fleet, f.target >= 0 ? std::to_string(f.target) : "-",
                       f.ordered, f.failed, f.unknown);
  }
  out += fmt::format("{} {}: {} requests, {} retries, {} throttled, {} reconciled, {:.1f} s", s.command, s.run_id,
                     s.stats.requests, s.stats.retries, s.stats.throttled, s.stats.reconciled, s.duration_s);
  if (s.stopped != stop_reason::none) out += fmt::format(", stopped early ({})", to_string(s.stopped));
  if (s.stats.not_sent > 0) out += fmt::format(", {} chunks left for the next run", s.stats.not_sent);
  out += fmt::format(", exit {}\n", s.exit_code);
  return out;
}

std::string summary_json(const run_summary& s) {
  boost::json::object o;
  o["run_id"] = s.run_id;
  o["exit_code"] = s.exit_code;
  boost::json::array fleets;
  for (const auto& f : s.fleets) {
    boost::json::object fo;
    fo["fleet"] = f.fleet;
    if (f.target >= 0) fo["target"] = f.target;
    else fo["target"] = nullptr;
    fo["ordered"] = f.ordered;
    fo["failed"] = f.failed;
    fo["unknown"] = f.unknown;
    fleets.push_back(std::move(fo));
  }
  o["fleets"] = std::move(fleets);
  o["requests"] = s.stats.requests;
  o["retries"] = s.stats.retries;
  o["throttled"] = s.stats.throttled;
  o["reconciled"] = s.stats.reconciled;
  o["not_sent"] = s.stats.not_sent;
  o["stopped"] = to_string(s.stopped);
  o["duration_s"] = s.duration_s;
  return boost::json::serialize(o) + "\n";
}

void write_metrics(const std::filesystem::path& path, const run_summary& s, std::string_view command) {
  std::string m;
  auto counter = [&](std::string_view name, std::string_view help, const std::vector<std::pair<std::string, std::int64_t>>& values) {
    m += fmt::format("# HELP cphfleet_{} {}\n# TYPE cphfleet_{} counter\n", name, help, name);
    for (const auto& [labels, v] : values) m += fmt::format("cphfleet_{}{{command=\"{}\"{}}} {}\n", name, command, labels, v);
  };
  counter("requests_total", "Purchase requests sent in the last run, by outcome.",
          {{",outcome=\"ordered\"", s.stats.answered_ordered},
           {",outcome=\"retryable\"", s.stats.answered_retryable},
           {",outcome=\"permanent\"", s.stats.answered_permanent},
           {",outcome=\"ambiguous\"", s.stats.answered_ambiguous}});
  counter("reads_total", "Server list reads made in the last run.", {{"", s.stats.reads}});
  counter("retries_total", "Purchases re-sent in the last run.", {{"", s.stats.retries}});
  counter("throttled_total", "429 answers in the last run.", {{"", s.stats.throttled}});
  counter("servers_ordered_total", "Servers ordered in the last run.", {{"", s.stats.servers_ordered}});
  counter("reconciled_total", "Chunks settled by reading the service in the last run.", {{"", s.stats.reconciled}});
  m += "# HELP cphfleet_fleet_servers Servers per fleet and ledger state after the last run.\n"
       "# TYPE cphfleet_fleet_servers gauge\n";
  for (const auto& f : s.fleets) {
    m += fmt::format("cphfleet_fleet_servers{{fleet=\"{}\",state=\"ordered\"}} {}\n", f.fleet, f.ordered);
    m += fmt::format("cphfleet_fleet_servers{{fleet=\"{}\",state=\"failed\"}} {}\n", f.fleet, f.failed);
    m += fmt::format("cphfleet_fleet_servers{{fleet=\"{}\",state=\"unknown\"}} {}\n", f.fleet, f.unknown);
    if (f.target >= 0) m += fmt::format("cphfleet_fleet_servers{{fleet=\"{}\",state=\"target\"}} {}\n", f.fleet, f.target);
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  m += fmt::format("# HELP cphfleet_last_run_timestamp_seconds When the last run ended.\n"
                   "# TYPE cphfleet_last_run_timestamp_seconds gauge\n"
                   "cphfleet_last_run_timestamp_seconds{{command=\"{}\"}} {}\n"
                   "# HELP cphfleet_last_run_exit_code The last run's exit code.\n"
                   "# TYPE cphfleet_last_run_exit_code gauge\n"
                   "cphfleet_last_run_exit_code{{command=\"{}\"}} {}\n"
                   "# HELP cphfleet_last_run_duration_seconds How long the last run took.\n"
                   "# TYPE cphfleet_last_run_duration_seconds gauge\n"
                   "cphfleet_last_run_duration_seconds{{command=\"{}\"}} {:.3f}\n",
                   command, now.count(), command, s.exit_code, command, s.duration_s);
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << m;
    if (!out.flush()) throw std::runtime_error(fmt::format("{}: cannot write metrics", tmp.string()));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace cphfleet

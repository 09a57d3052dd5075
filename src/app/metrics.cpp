#include "app/metrics.hpp"

#include "base/diagnostic.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace cphfleet {

std::string metrics_text(const run_summary& s, std::string_view command) {
  std::string m;
  auto counter = [&](std::string_view name, std::string_view help,
                     const std::vector<std::pair<std::string, std::int64_t>>& values) {
    m += fmt::format("# HELP cphfleet_{} {}\n# TYPE cphfleet_{} counter\n", name, help, name);
    for (const auto& [labels, v] : values)
      m += fmt::format("cphfleet_{}{{command=\"{}\"{}}} {}\n", name, command, labels, v);
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
  counter("reconciled_total", "Chunks settled by reading the service in the last run.",
          {{"", s.stats.reconciled}});
  m += "# HELP cphfleet_fleet_servers Servers per fleet and ledger state after the last run.\n"
       "# TYPE cphfleet_fleet_servers gauge\n";
  for (const auto& f : s.fleets) {
    m += fmt::format("cphfleet_fleet_servers{{fleet=\"{}\",state=\"ordered\"}} {}\n", f.fleet, f.ordered);
    m += fmt::format("cphfleet_fleet_servers{{fleet=\"{}\",state=\"failed\"}} {}\n", f.fleet, f.failed);
    m += fmt::format("cphfleet_fleet_servers{{fleet=\"{}\",state=\"unknown\"}} {}\n", f.fleet, f.unknown);
    if (f.target >= 0)
      m += fmt::format("cphfleet_fleet_servers{{fleet=\"{}\",state=\"target\"}} {}\n", f.fleet, f.target);
  }
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  m += fmt::format(
      "# HELP cphfleet_last_run_timestamp_seconds When the last run ended.\n"
      "# TYPE cphfleet_last_run_timestamp_seconds gauge\n"
      "cphfleet_last_run_timestamp_seconds{{command=\"{}\"}} {}\n"
      "# HELP cphfleet_last_run_exit_code The last run's exit code.\n"
      "# TYPE cphfleet_last_run_exit_code gauge\n"
      "cphfleet_last_run_exit_code{{command=\"{}\"}} {}\n"
      "# HELP cphfleet_last_run_duration_seconds How long the last run took.\n"
      "# TYPE cphfleet_last_run_duration_seconds gauge\n"
      "cphfleet_last_run_duration_seconds{{command=\"{}\"}} {:.3f}\n",
      command, now.count(), command, s.exit_code, command, s.duration_s);
  return m;
}

void check_metrics_path(const std::filesystem::path& path) {
  auto refuse = [&](std::string what) {
    throw input_error({{"", 0, 0, "--metrics-file",
                        fmt::format("{}: {} (allowed: a file in an existing folder this user may write to)",
                                    path.string(), what)}});
  };
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  std::error_code ec;
  auto st = std::filesystem::status(folder, ec);
  if (!std::filesystem::exists(st)) refuse(fmt::format("the folder {} does not exist", folder.string()));
  if (!std::filesystem::is_directory(st)) refuse(fmt::format("{} is not a folder", folder.string()));
  // The temporary file is created next to it and renamed over it: the folder must take new files.
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    refuse(fmt::format("the folder {} is not writable ({})", folder.string(), std::strerror(errno)));
  if (std::filesystem::is_directory(std::filesystem::status(path, ec))) refuse("is a folder");
}

void write_metrics(const std::filesystem::path& path, const run_summary& s, std::string_view command) {
  write_metrics_text(path, metrics_text(s, command));
}

void write_metrics_text(const std::filesystem::path& path, const std::string& m) {
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

#include "app/metrics.hpp"

#include "base/diagnostic.hpp"
#include "base/files.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace cphfleet {

std::string metric_label_value(std::string_view v) {
  // The text format escapes exactly these three inside a label value.
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string metrics_text(const run_summary& s, std::string_view command) {
  // Every series carries who wrote it: several jobs' files in one textfile folder must never hold the
  // same series twice, or the collector drops them all.
  std::string who = fmt::format("job=\"{}\",ledger=\"{}\",command=\"{}\"", metric_label_value(s.job),
                                metric_label_value(s.ledger), metric_label_value(command));
  std::string m;
  auto family = [&](std::string_view name, std::string_view help) {
    m += fmt::format("# HELP cphfleet_{} {}\n# TYPE cphfleet_{} gauge\n", name, help, name);
  };
  auto sample = [&](std::string_view name, std::string_view labels, auto value) {
    m += fmt::format("cphfleet_{}{{{}{}}} {}\n", name, who, labels, value);
  };
  // The last run's figures are gauges: each run replaces them, they do not add up across runs.
  family("last_run_requests", "Purchase requests the last run sent, by how the service answered.");
  sample("last_run_requests", ",outcome=\"ordered\"", s.stats.answered_ordered);
  sample("last_run_requests", ",outcome=\"retryable\"", s.stats.answered_retryable);
  sample("last_run_requests", ",outcome=\"permanent\"", s.stats.answered_permanent);
  sample("last_run_requests", ",outcome=\"ambiguous\"", s.stats.answered_ambiguous);
  const std::pair<std::string_view, std::string_view> counts[] = {
      {"last_run_reads", "Server list reads the last run made."},
      {"last_run_retries", "Purchases the last run sent again."},
      {"last_run_throttled", "429 answers the last run got."},
      {"last_run_servers_ordered", "Servers the last run ordered."},
      {"last_run_reconciled", "Chunks the last run settled by reading the service."},
      {"last_run_not_sent", "Chunks the last run left for the next one."},
  };
  const std::int64_t values[] = {s.stats.reads,           s.stats.retries,    s.stats.throttled,
                                 s.stats.servers_ordered, s.stats.reconciled, s.stats.not_sent};
  for (std::size_t i = 0; i < std::size(counts); ++i) {
    family(counts[i].first, counts[i].second);
    sample(counts[i].first, "", values[i]);
  }
  family("fleet_servers", "Servers per fleet and ledger state after the last run.");
  for (const auto& f : s.fleets) {
    std::string fleet = fmt::format(",fleet=\"{}\"", metric_label_value(f.fleet));
    sample("fleet_servers", fleet + ",state=\"ordered\"", f.ordered);
    sample("fleet_servers", fleet + ",state=\"failed\"", f.failed);
    sample("fleet_servers", fleet + ",state=\"unknown\"", f.unknown);
    if (f.target >= 0) sample("fleet_servers", fleet + ",state=\"target\"", f.target);
  }
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  family("last_run_timestamp_seconds", "When the last run ended.");
  sample("last_run_timestamp_seconds", "", now.count());
  family("last_run_exit_code", "The last run's exit code.");
  sample("last_run_exit_code", "", s.exit_code);
  family("last_run_duration_seconds", "How long the last run took.");
  sample("last_run_duration_seconds", "", fmt::format("{:.3f}", s.duration_s));
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
  if (!replace_file(path, m))
    throw std::runtime_error(fmt::format("{}: cannot write metrics", path.string()));
}

}  // namespace cphfleet

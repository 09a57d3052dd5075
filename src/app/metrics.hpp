// `--metrics-file`: a run's figures as Prometheus text for node_exporter's textfile collector
// (README "Output").
#pragma once
#include "app/run_report.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace cphfleet {

// A label value in the text format's escapes (backslash, double quote, line feed).
std::string metric_label_value(std::string_view v);
// The text: the last run's figures as gauges (requests by outcome, reads, retries, ...), servers per fleet
// and state, when it ended and how; every series labelled with the summary's job, ledger and `command`.
std::string metrics_text(const run_summary& s, std::string_view command);
// Throws input_error unless `path` can be written: its folder exists and this process may create files
// in it, and `path` is not a folder. Checked before anything is sent, so a run never buys and then
// fails to write its metrics for want of a folder.
void check_metrics_path(const std::filesystem::path& path);
// Written to a temporary file and renamed, so the collector never reads half a file.
void write_metrics(const std::filesystem::path& path, const run_summary& s, std::string_view command);
// Any metrics text, written the same way (status's gauges).
void write_metrics_text(const std::filesystem::path& path, const std::string& text);

}  // namespace cphfleet

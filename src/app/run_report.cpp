#include "app/run_report.hpp"

#include "app/exit_codes.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace cphfleet {

fleet_summary summarize_fleet(const ledger_index& index, std::string_view fleet, std::int64_t target) {
  fleet_summary f;
  f.fleet = std::string(fleet);
  f.target = target;
  for (const ledger_row* row : index.chunks_of(fleet)) {
    switch (row->status) {
      case chunk_status::ordered:
        f.ordered += row->count;
        break;
      case chunk_status::failed:
      case chunk_status::retrying:
        f.failed += row->count;
        break;
      case chunk_status::sending:
      case chunk_status::unknown:
        f.unknown += row->count;
        break;
    }
  }
  return f;
}

std::vector<fleet_summary> summarize_fleets(const ledger_index& index,
                                            const std::vector<std::string>& fleets) {
  std::vector<fleet_summary> out;
  for (const auto& f : fleets) out.push_back(summarize_fleet(index, f, -1));
  return out;
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
  std::string out =
      fmt::format("{:<32} {:>8} {:>8} {:>8} {:>8}\n", "fleet", "target", "ordered", "failed", "unknown");
  for (const auto& f : s.fleets) {
    out += fmt::format("{:<32} {:>8} {:>8} {:>8} {:>8}\n", f.fleet,
                       f.target >= 0 ? std::to_string(f.target) : "-", f.ordered, f.failed, f.unknown);
  }
  out += fmt::format("{} {}: {} requests, {} retries, {} throttled, {} reconciled, {:.1f} s", s.command,
                     s.run_id, s.stats.requests, s.stats.retries, s.stats.throttled, s.stats.reconciled,
                     s.duration_s);
  if (s.stopped != stop_reason::none) out += fmt::format(", stopped early ({})", to_string(s.stopped));
  if (s.stats.not_sent > 0) out += fmt::format(", {} chunks left for the next run", s.stats.not_sent);
  out += fmt::format(", exit {}\n", s.exit_code);
  if (!s.error.empty()) out += fmt::format("error: {}\n", s.error);
  return out;
}

boost::json::value failure_json(const command_failure& f) {
  boost::json::object o;
  o["kind"] = f.kind;
  o["message"] = f.message;
  boost::json::array details;
  for (const auto& d : f.details) {
    boost::json::object x;
    x["file"] = d.path;
    x["line"] = d.line;
    x["column"] = d.column;
    x["field"] = d.field;
    x["message"] = d.message;
    details.push_back(std::move(x));
  }
  o["diagnostics"] = std::move(details);
  if (!f.holder.empty()) o["holder"] = f.holder;
  return o;
}

std::string failure_answer_json(int exit_code, const command_failure& f) {
  boost::json::object o;
  o["exit_code"] = exit_code;
  o["error"] = failure_json(f);
  return boost::json::serialize(o) + "\n";
}

std::string summary_json(const run_summary& s) {
  boost::json::object o;
  o["run_id"] = s.run_id;
  o["exit_code"] = s.exit_code;
  boost::json::array fleets;
  for (const auto& f : s.fleets) {
    boost::json::object fo;
    fo["fleet"] = f.fleet;
    if (f.target >= 0)
      fo["target"] = f.target;
    else
      fo["target"] = nullptr;
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
  if (s.error.empty()) {
    o["error"] = nullptr;
  } else {
    command_failure f = s.failure;
    if (f.kind.empty()) f.kind = "error";
    f.message = s.error;  // with whatever was added after the failure (a metrics file not written)
    o["error"] = failure_json(f);
  }
  if (s.status) o["status"] = *s.status;
  return boost::json::serialize(o) + "\n";
}

}  // namespace cphfleet

#include "plan/planner.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/diagnostic.hpp"
#include "base/text.hpp"

namespace cphfleet {
namespace {

constexpr std::int64_t max_chunk_count = 10;  // the API's count limit per purchase
constexpr std::size_t max_server_name_chars = 60;

fleet_plan plan_fleet(const job_spec& job, std::size_t fleet_index, const ledger_index& ledger) {
  const fleet_spec& fleet = job.fleets[fleet_index];
  fleet_plan fp;
  fp.fleet = fleet.server_name;
  fp.target = fleet.target;
  for (const ledger_row* row : ledger.chunks_of(fleet.server_name)) {
    if (row->status == chunk_status::ordered) {
      fp.ordered += row->count;
    } else if (is_unresolved(row->status)) {
      fp.unresolved.push_back(row->chunk);
      fp.unresolved_servers += row->count;
    }
  }

  // More ordered than the target plans nothing: the runner never cancels.
  std::int64_t missing = fp.target - fp.ordered - fp.unresolved_servers;
  for (std::int64_t index = 1; missing > 0; ++index) {
    std::string name = chunk_name(fleet.server_name, index);
    // Free: never recorded, or its latest attempt bought nothing (failed, retrying). A name recorded
    // for another fleet is never taken over. A free chunk is planned anew from the job, with the job's
    // API even when it was first sent to the other one: it bought nothing, and leaving it failed would
    // let a later `replay` buy its servers a second time.
    if (const ledger_row* row = ledger.latest(name)) {
      if (row->fleet != fleet.server_name || row->status == chunk_status::ordered ||
          is_unresolved(row->status)) {
        continue;
      }
    }
    if (utf8_length(name) > max_server_name_chars) {
      throw input_error({diagnostic{
          job.path.string(), fleet.line, fleet.column, fmt::format("fleet[{}].server_name", fleet_index),
          fmt::format("chunk name '{}' is {} characters (at most {}: shorten server_name)", name,
                      utf8_length(name), max_server_name_chars)}});
    }
    planned_chunk pc;
    pc.fleet = fleet.server_name;
    pc.count = std::min(missing, max_chunk_count);
    pc.request = fleet.request;
    pc.request.server_name = name;
    pc.request.count = pc.count;
    pc.body = to_body(pc.request);
    pc.chunk = std::move(name);
    missing -= pc.count;
    fp.chunks.push_back(std::move(pc));
  }
  return fp;
}

}  // namespace

std::int64_t plan::calls() const {
  std::int64_t n = 0;
  for (const auto& f : fleets) n += static_cast<std::int64_t>(f.chunks.size());
  return n;
}

std::int64_t plan::servers() const {
  std::int64_t n = 0;
  for (const auto& f : fleets) {
    for (const auto& c : f.chunks) n += c.count;
  }
  return n;
}

plan make_plan(const job_spec& job, const ledger_index& ledger) {
  plan p;
  p.job = job.name;
  p.fleets.reserve(job.fleets.size());
  for (std::size_t i = 0; i < job.fleets.size(); ++i) p.fleets.push_back(plan_fleet(job, i, ledger));
  return p;
}

void check_spend_guard(const plan& p, std::int64_t max_servers, const std::string& path) {
  std::int64_t servers = p.servers();
  if (servers <= max_servers) return;
  throw input_error({diagnostic{
      path, 0, 0, "max_servers_per_run",
      fmt::format(
          "this run would buy {} servers, more than the limit of {} (give --max-servers {} to allow it)",
          servers, max_servers, servers)}});
}

std::string plan_to_json(const plan& p) {
  namespace json = boost::json;
  // Written one chunk at a time rather than built as one document: the document of a plan of 10,000
  // chunks is several times the size of its text. The text is the same: compact, keys in this order.
  auto text = [](const json::value& v) { return json::serialize(v); };
  std::string out = "{\"job\":" + text(json::value(p.job)) + ",\"calls\":" + text(p.calls()) +
                    ",\"servers\":" + text(p.servers()) + ",\"fleets\":[";
  for (std::size_t i = 0; i < p.fleets.size(); ++i) {
    const fleet_plan& f = p.fleets[i];
    json::array unresolved;
    for (const auto& u : f.unresolved) unresolved.emplace_back(u);
    out += (i > 0 ? ",{\"fleet\":" : "{\"fleet\":") + text(json::value(f.fleet)) +
           ",\"target\":" + text(f.target) + ",\"ordered\":" + text(f.ordered) +
           ",\"unresolved\":" + text(unresolved) + ",\"chunks\":[";
    for (std::size_t j = 0; j < f.chunks.size(); ++j) {
      const planned_chunk& c = f.chunks[j];
      if (j > 0) out += ',';
      out += text(json::object{{"chunk", c.chunk}, {"count", c.count}, {"request", to_json(c.request)}});
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace cphfleet

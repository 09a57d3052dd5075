// `cphfleet ledger [--json] [--fleet F] [--status S] [--since T] [--latest]`: per-fleet totals and the
// matching rows, read from the ledger alone (no lock: it only reads, and rows are only ever appended).
// `cphfleet ledger --reset-demo`: removes the demo's ledger, under the lock.
#include "base/log.hpp"
#include "base/loopback.hpp"
#include "base/terminal.hpp"
#include "base/time_text.hpp"
#include "cli/cli.hpp"
#include "client/endpoint.hpp"
#include "input/inputs.hpp"
#include "ledger/index.hpp"
#include "ledger/lock.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

namespace cphfleet {
namespace {

struct ledger_options {
  bool json = false;
  std::vector<std::string> fleets;
  std::vector<std::string> statuses;
  std::string since;
  bool latest = false;
  bool reset_demo = false;
};

// The demo's job name (jobs/demo.toml): the only job whose ledger `--reset-demo` removes.
constexpr std::string_view demo_job = "demo";

// `--reset-demo`: removes the ledger so the demo buys again, only when nothing in it can be a real
// order: the config sends to an emulator (embedded, or on a loopback address) and every row is the
// demo job's, in the emulator's project. Anything else is refused, and nothing is removed.
int reset_demo(const std::filesystem::path& path, const config& cfg) {
  auto refuse = [&](const std::string& why) {
    throw input_error({{"", 0, 0, "--reset-demo",
                        fmt::format("{}: {}; nothing removed (allowed: the ledger of the demo job against "
                                    "an emulator; remove any other ledger yourself)",
                                    path.string(), why)}});
  };
  bool emulator = cfg.embedded();
  if (!emulator) {
    try {
      emulator = is_loopback_host(parse_endpoint(cfg.endpoint).host);
    } catch (const std::invalid_argument&) {
      emulator = false;
    }
  }
  if (!emulator) refuse(fmt::format("the config sends to {}, not to an emulator", cfg.endpoint));
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) {
      fmt::print("{}: no ledger, nothing to reset\n", path.string());
      return exit_code::ok;
    }
    throw std::runtime_error(fmt::format("{}: {}", path.string(), std::strerror(errno)));
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  std::optional<ledger_lock> lock;
  try {
    lock.emplace(fd, path, "ledger --reset-demo");
  } catch (const ledger_busy& e) {
    fmt::print(stderr, "cphfleet: {}\n", e.what());
    return exit_code::locked;
  }
  std::size_t rows = 0;
  read_ledger(fd, path.string(), [&](ledger_row&& r) {
    if (r.job != demo_job)
      refuse(fmt::format("row {} ({}) belongs to job '{}', not to the demo", rows + 1, r.chunk, r.job));
    if (r.project_id != embedded_project_id)
      refuse(
          fmt::format("row {} ({}) is in project {}, not the emulator's", rows + 1, r.chunk, r.project_id));
    ++rows;
  });
  std::filesystem::remove(path);
  fmt::print("{}: removed ({} row{} of the demo); the next run of the demo buys it again\n", path.string(),
             rows, rows == 1 ? "" : "s");
  return exit_code::ok;
}

// `--since`: an RFC 3339 UTC time, or an age like 90m, 12h, 7d.
std::chrono::system_clock::time_point parse_since(const std::string& text) {
  if (auto t = parse_utc_rfc3339(text)) return *t;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::int64_t seconds = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (ec != std::errc() || seconds == 0 || n < 0) {
    throw input_error(
        {{"", 0, 0, "--since",
          fmt::format("'{}' is not a time (allowed: RFC 3339 UTC like 2026-01-31T12:00:00Z, or an "
                      "age like 90m, 12h, 7d)",
                      text)}});
  }
  return std::chrono::system_clock::now() - std::chrono::seconds(n * seconds);
}

boost::json::object row_json(const ledger_row& r) {
  boost::json::object o;
  auto cells = r.to_cells();
  for (std::size_t i = 0; i < ledger_columns.size(); ++i) o[ledger_columns[i]] = cells[i];
  o["count"] = r.count;
  o["attempt"] = r.attempt;
  if (r.http_status)
    o["http_status"] = r.http_status;
  else
    o["http_status"] = nullptr;
  boost::json::array ids;
  for (const auto& id : r.server_ids) ids.emplace_back(id);
  o["server_ids"] = std::move(ids);
  // The body sent, as an object (as `plan --json` shows it); a cell that is not JSON stays the text it is.
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(r.request, ec);
  if (!ec && body.is_object()) o["request"] = std::move(body);
  return o;
}

int run_ledger(const common_options& common, const ledger_options& opt) {
  if (opt.reset_demo) {
    if (opt.json || !opt.fleets.empty() || !opt.statuses.empty() || !opt.since.empty() || opt.latest)
      throw input_error({{"", 0, 0, "--reset-demo",
                          "takes no --json, --fleet, --status, --since or --latest (allowed: --config and "
                          "--ledger)"}});
    config cfg = load_config_only(common.config, common.ledger);
    return reset_demo(cfg.ledger_path, cfg);
  }
  std::filesystem::path path = !common.ledger.empty() ? std::filesystem::path(common.ledger)
                                                      : load_config_only(common.config, "").ledger_path;

  std::optional<std::chrono::system_clock::time_point> since;
  if (!opt.since.empty()) since = parse_since(opt.since);
  for (const auto& s : opt.statuses) {
    if (!parse_chunk_status(s)) {
      throw input_error(
          {{"", 0, 0, "--status",
            fmt::format("'{}' is not a status (allowed: sending, ordered, retrying, failed, unknown)", s)}});
    }
  }
  auto wanted_fleet = [&](std::string_view f) {
    return opt.fleets.empty() || std::find(opt.fleets.begin(), opt.fleets.end(), f) != opt.fleets.end();
  };
  auto matches = [&](const ledger_row& r) {
    if (!wanted_fleet(r.fleet)) return false;
    if (!opt.statuses.empty() &&
        std::find(opt.statuses.begin(), opt.statuses.end(), to_string(r.status)) == opt.statuses.end())
      return false;
    if (since) {
      auto t = parse_utc_rfc3339(r.time);
      if (!t || *t < *since) return false;
    }
    return true;
  };

  // Memory follows the chunks, not the rows: the totals come from the state of each chunk's latest
  // row. Every row is printed as a second pass reads it, up to where the first one stopped; --latest
  // rows are read again, one at a time, from where the first pass saw them.
  ledger_index index({}, ledger_history::latest_only);
  std::unordered_map<std::string, std::pair<std::uint64_t, std::uint64_t>> latest_record;  // chunk -> where
  std::pair<std::uint64_t, std::uint64_t> record;
  ledger_read_options first;
  first.cells = ledger_cells::state;
  if (opt.latest)
    first.on_record = [&](std::uint64_t offset, std::uint64_t size) { record = {offset, size}; };
  ledger_read seen = read_ledger(
      path,
      [&](ledger_row&& row) {
        if (opt.latest) latest_record[row.chunk] = record;
        index.add(std::move(row));
      },
      first);
  auto for_each_match = [&](const std::function<void(const ledger_row&)>& print) {
    if (opt.latest) {
      std::ifstream file(path, std::ios::binary);
      std::string bytes;
      for (const auto& fleet : index.fleets()) {
        for (const ledger_row* r : index.chunks_of(fleet)) {
          if (!matches(*r)) continue;
          auto [offset, size] = latest_record.at(r->chunk);
          bytes.assign(static_cast<std::size_t>(size), '\0');
          file.seekg(static_cast<std::streamoff>(offset));
          file.read(bytes.data(), static_cast<std::streamsize>(size));
          std::vector<ledger_row> full = parse_ledger(ledger_header() + bytes, path.string());
          if (!file || full.size() != 1 || full[0].chunk != r->chunk) {
            throw std::runtime_error(fmt::format("{}: the ledger changed while it was read", path.string()));
          }
          print(full[0]);
        }
      }
      return;
    }
    ledger_read_options again;
    again.warn_torn = false;  // said once already
    again.limit = seen.whole;
    read_ledger(
        path,
        [&](ledger_row&& row) {
          if (matches(row)) print(row);
        },
        again);
  };

  std::vector<std::string> fleets;
  for (const auto& f : index.fleets())
    if (wanted_fleet(f)) fleets.push_back(f);

  if (opt.json) {
    // {ledger, fleets, rows}, written a row at a time.
    boost::json::array fa;
    for (const auto& f : fleets) {
      fleet_totals t = index.totals(f);
      fa.push_back(boost::json::object{{"fleet", f},
                                       {"servers_ordered", t.ordered_servers},
                                       {"chunks_ordered", t.ordered_chunks},
                                       {"chunks_failed", t.failed_chunks},
                                       {"chunks_retrying", t.retrying_chunks},
                                       {"chunks_unresolved", t.unresolved_chunks},
                                       {"last_activity", t.last_activity}});
    }
    fmt::print("{{\"ledger\":{},\"fleets\":{},\"rows\":[",
               boost::json::serialize(boost::json::value(path.string())), boost::json::serialize(fa));
    bool first_row = true;
    for_each_match([&](const ledger_row& r) {
      fmt::print("{}{}", first_row ? "" : ",", boost::json::serialize(row_json(r)));
      first_row = false;
    });
    fmt::print("]}}\n");
    return exit_code::ok;
  }

  std::size_t width = display_width("fleet");
  for (const auto& f : fleets) width = std::max(width, display_width(f));
  fmt::print("ledger {}\n", path.string());
  fmt::print("{}  {:>15}  {:>13}  {:>17}  {}\n", pad_right("fleet", width), "servers ordered",
             "chunks failed", "chunks unresolved", "last activity");
  for (const auto& f : fleets) {
    fleet_totals t = index.totals(f);
    fmt::print("{}  {:>15}  {:>13}  {:>17}  {}\n", pad_right(f, width), t.ordered_servers,
               t.failed_chunks + t.retrying_chunks, t.unresolved_chunks, t.last_activity);
  }
  bool first_row = true;
  for_each_match([&](const ledger_row& r) {
    if (first_row) {
      fmt::print("\n{:<24}  {:<20}  {:>5}  {:<8}  {:>7}  {:>4}  {:<10}  {}\n", "time", "chunk", "count",
                 "status", "attempt", "http", "error", "order_id / message");
      first_row = false;
    }
    std::string detail = !r.order_id.empty() ? r.order_id : r.error_msg;
    if (detail.size() > 80) detail = detail.substr(0, 77) + "...";
    for (auto& c : detail)
      if (c == '\n' || c == '\r') c = ' ';
    fmt::print("{:<24}  {}  {:>5}  {:<8}  {:>7}  {:>4}  {:<10}  {}\n", r.time, pad_right(r.chunk, 20),
               r.count, to_string(r.status), r.attempt, r.http_status ? std::to_string(r.http_status) : "",
               r.error_code, detail);
  });
  return exit_code::ok;
}

}  // namespace

void add_ledger_command(CLI::App& app, const common_options& common, int& result) {
  auto opt = std::make_shared<ledger_options>();
  auto* cmd =
      app.add_subcommand("ledger", "Per-fleet totals and rows from the ledger (--ledger, or the --config's)");
  cmd->add_flag("--json", opt->json, "One JSON object: {ledger, fleets:[...], rows:[...]}");
  cmd->add_option("--fleet", opt->fleets, "Only these fleets (repeatable)");
  cmd->add_option("--status", opt->statuses,
                  "Only rows with this status (repeatable): sending, ordered, retrying, failed, unknown");
  cmd->add_option("--since", opt->since, "Only rows since this time (RFC 3339 UTC) or age (90m, 12h, 7d)");
  cmd->add_flag("--latest", opt->latest, "Only each chunk's latest row (its state)");
  cmd->add_flag("--reset-demo", opt->reset_demo,
                "Remove the demo's ledger so the demo buys again (only the demo job's rows, against an "
                "emulator)");
  cmd->callback([&common, &result, opt] { result = run_ledger(common, *opt); });
}

}  // namespace cphfleet

#include "app/status.hpp"

#include "app/metrics.hpp"

#include "api/paths.hpp"
#include "api/purchase_body.hpp"
#include "app/audit.hpp"
#include "app/exit_codes.hpp"
#include "app/run_driver.hpp"
#include "base/backoff.hpp"
#include "base/log.hpp"
#include "base/terminal.hpp"
#include "client/cph_client.hpp"
#include "client/outcome.hpp"
#include "send/bss_api.hpp"
#include "send/rate_limiter.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <unordered_map>

namespace cphfleet {

namespace {

// Each state, in the enum's order (the columns' order): its name and the fleet row's field counting it.
struct state_entry {
  server_state state;
  std::string_view name;
  std::int64_t fleet_status::*field;
};
constexpr std::array<state_entry, 7> k_states{{{server_state::ready, "ready", &fleet_status::ready},
                                               {server_state::creating, "creating", &fleet_status::creating},
                                               {server_state::failed, "failed", &fleet_status::failed},
                                               {server_state::frozen, "frozen", &fleet_status::frozen},
                                               {server_state::stopped, "stopped", &fleet_status::stopped},
                                               {server_state::missing, "missing", &fleet_status::missing},
                                               {server_state::unpaid, "unpaid", &fleet_status::unpaid}}};

std::int64_t fleet_status::*field_of(server_state s) { return k_states[static_cast<std::size_t>(s)].field; }

// As the scheduler reads (send/scheduler.cpp): a read changes nothing on the account, so every
// answer that is not a refusal is simply tried again, up to this many attempts.
constexpr int k_read_attempts = 4;

std::string duration_text(std::chrono::steady_clock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

// Runs task(0) .. task(n - 1), at most `width` at a time (the next starts as one ends), until all have
// ended or `stop()` says to start no more. The reads inside still wait for the bucket's tokens: running
// them side by side only keeps one read's latency from adding to the next one's wait.
net::awaitable<void> run_side_by_side(std::size_t n, std::size_t width,
                                      const std::function<net::awaitable<void>(std::size_t)>& task,
                                      const std::function<bool()>& stop) {
  std::size_t next = 0;
  auto worker = [&]() -> net::awaitable<void> {
    while (next < n && !stop()) co_await task(next++);
  };
  auto ex = co_await net::this_coro::executor;
  std::vector<decltype(net::co_spawn(ex, worker(), net::deferred))> workers;
  for (std::size_t i = 0; i < std::min(n, std::max<std::size_t>(width, 1)); ++i)
    workers.push_back(net::co_spawn(ex, worker(), net::deferred));
  if (workers.empty()) co_return;
  auto [order, errors] = co_await net::experimental::make_parallel_group(std::move(workers))
                             .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

std::string_view to_string(server_state s) { return k_states[static_cast<std::size_t>(s)].name; }

server_state classify_server(int status, const std::optional<phone_tally>& phones,
                             std::int64_t phone_capacity) {
  if (status == server_status::abnormal || status == server_status::stop_failed) return server_state::failed;
  if (status == server_status::frozen) return server_state::frozen;
  if (status == server_status::stopped || status == server_status::stopping) return server_state::stopped;
  if (status != server_status::normal) return server_state::creating;  // 0, 1, 3, 4; 13 (starting) too
  if (!phones) return server_state::creating;                          // normal, phones not read yet
  if (phones->failed > 0) return server_state::failed;
  const std::int64_t expected = phone_capacity > 0 ? phone_capacity : phones->total;
  if (expected > 0 && phones->running >= expected && phones->creating == 0) return server_state::ready;
  return server_state::creating;
}

std::vector<tracked_chunk> ordered_chunks(const ledger_index& index,
                                          const std::vector<fleet_target>& fleets) {
  std::vector<tracked_chunk> out;
  for (const auto& f : fleets) {
    for (const ledger_row* row : index.chunks_of(f.fleet)) {
      if (row->status != chunk_status::ordered) continue;
      tracked_chunk c;
      c.fleet = row->fleet;
      c.chunk = row->chunk;
      c.count = row->count;
      c.server_ids = row->server_ids;
      parsed_purchase p = parse_purchase(row->request);
      // A request that cannot be read (an adopted row has none) says nothing against auto-pay.
      c.auto_pay = !p.errors.empty() || row->request.empty() || p.request.extend_param.auto_pay();
      c.ordered_at = row->time;
      c.order_id = row->order_id;
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::int64_t status_report::count(server_state s) const {
  std::int64_t n = 0;
  for (const auto& f : fleets) n += f.*field_of(s);
  return n;
}

int status_exit_code(const status_report& r) {
  if (r.auth_refused) return exit_code::aborted;
  if (!r.error.empty()) return exit_code::failed;
  for (auto s : {server_state::failed, server_state::frozen, server_state::stopped, server_state::missing,
                 server_state::unpaid})
    if (r.count(s) > 0) return exit_code::failed;
  if (r.count(server_state::creating) > 0) return exit_code::creating;
  return exit_code::ok;
}

std::string status_text(const status_report& r) {
  std::string out = fmt::format("{} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
                                pad_right("fleet", 32), "target", "ordered", "ready", "creating", "failed",
                                "frozen", "stopped", "missing", "unpaid");
  for (const auto& f : r.fleets) {
    out += fmt::format("{} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}\n", pad_right(f.fleet, 32),
                       f.target >= 0 ? std::to_string(f.target) : "-", f.ordered, f.ready, f.creating,
                       f.failed, f.frozen, f.stopped, f.missing, f.unpaid);
  }
  std::vector<const server_status_row*> not_ready;
  for (const auto& s : r.servers)
    if (s.state != server_state::ready) not_ready.push_back(&s);
  if (!not_ready.empty()) {
    std::size_t id_w = 9, name_w = 11, chunk_w = 5;
    for (const auto* s : not_ready) {
      id_w = std::max(id_w, display_width(s->server_id));
      name_w = std::max(name_w, display_width(s->server_name));
      chunk_w = std::max(chunk_w, display_width(s->chunk));
    }
    out += fmt::format("\n{} {} {} {:<8} {:>7}  {}\n", pad_right("server_id", id_w),
                       pad_right("server_name", name_w), pad_right("chunk", chunk_w), "state", "phones",
                       "since");
    for (const auto* s : not_ready) {
      out += fmt::format(
          "{} {} {} {:<8} {:>7}  {}\n", pad_right(s->server_id.empty() ? "-" : s->server_id, id_w),
          pad_right(s->server_name.empty() ? "-" : s->server_name, name_w), pad_right(s->chunk, chunk_w),
          to_string(s->state), fmt::format("{}/{}", s->phones_running, s->phones_total),
          s->since.empty() ? "-" : s->since);
    }
  }
  if (r.timed_out)
    out += fmt::format("timed out with {} servers still creating\n", r.count(server_state::creating));
  for (const auto& n : r.notes) out += fmt::format("note: {}\n", n);
  if (!r.error.empty()) out += fmt::format("error: {}\n", r.error);
  return out;
}

std::string status_json(const status_report& r) { return boost::json::serialize(status_object(r)) + "\n"; }

boost::json::object status_object(const status_report& r) {
  boost::json::array fleets;
  for (const auto& f : r.fleets) {
    boost::json::object o{{"fleet", f.fleet}};
    if (f.target >= 0)
      o["target"] = f.target;
    else
      o["target"] = nullptr;
    o["ordered"] = f.ordered;
    for (const auto& e : k_states) o[e.name] = f.*e.field;
    fleets.push_back(std::move(o));
  }
  boost::json::array servers;
  for (const auto& s : r.servers) {
    boost::json::object o;
    if (!s.server_id.empty()) o["server_id"] = s.server_id;  // a missing server has none
    if (s.server_name.empty())
      o["server_name"] = nullptr;
    else
      o["server_name"] = s.server_name;
    o["chunk"] = s.chunk;
    o["fleet"] = s.fleet;
    o["state"] = to_string(s.state);
    if (s.status)
      o["status"] = *s.status;
    else
      o["status"] = nullptr;
    o["phones_running"] = s.phones_running;
    o["phones_total"] = s.phones_total;
    servers.push_back(std::move(o));
  }
  return boost::json::object{{"fleets", std::move(fleets)}, {"servers", std::move(servers)}};
}

std::string status_metrics(const status_report& r, std::string_view job, std::string_view ledger) {
  std::string who =
      fmt::format("job=\"{}\",ledger=\"{}\"", metric_label_value(job), metric_label_value(ledger));
  std::string m =
      "# HELP cphfleet_servers Servers of the ordered chunks per fleet and state, as the last status read "
      "them.\n# TYPE cphfleet_servers gauge\n";
  for (const auto& f : r.fleets)
    for (const auto& e : k_states)
      m += fmt::format("cphfleet_servers{{{},fleet=\"{}\",state=\"{}\"}} {}\n", who,
                       metric_label_value(f.fleet), e.name, f.*e.field);
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  m += fmt::format(
      "# HELP cphfleet_status_timestamp_seconds When the last status read the servers.\n"
      "# TYPE cphfleet_status_timestamp_seconds gauge\ncphfleet_status_timestamp_seconds{{{}}} {}\n"
      "# HELP cphfleet_status_exit_code The last status's exit code.\n"
      "# TYPE cphfleet_status_exit_code gauge\ncphfleet_status_exit_code{{{}}} {}\n",
      who, now.count(), who, status_exit_code(r));
  return m;
}

// ---- the tracker --------------------------------------------------------------------------------

struct status_tracker::impl {
  // What the rounds learnt of one server.
  struct known_server {
    server_info info;
    std::optional<phone_tally> phones;
    bool phones_settled = false;  // all running, or one failed: not read again
  };

  cph_client& client;
  limits_config limits;
  std::vector<fleet_target> fleets;
  std::vector<tracked_chunk> chunks;
  std::unique_ptr<rate_limiter> limiter;  // made on the first round's executor
  backoff_policy backoff;
  backoff_policy throttle_backoff;
  std::mt19937_64 rng{std::random_device{}()};
  // Every read sent (pages and retries included), counted as it takes its token. The phases of a round
  // each send one kind of read, so a phase's share is the difference.
  std::int64_t paced = 0;
  bool catalog_read = false;
  std::map<std::pair<std::string, std::string>, std::int64_t> capacity;  // (server, phone model) -> phones
  std::unordered_map<std::string, known_server> servers;                 // by server_id
  std::map<std::string, std::vector<std::string>> by_chunk;              // chunk -> ids listed under its name
  std::string error;
  bool auth_refused = false;
  bss_api* billing;
  std::set<std::string> orders_asked;  // chunks whose order was read (or tried): once per status
  std::vector<std::string> notes;

  impl(cph_client& c, const limits_config& l, std::vector<fleet_target> f, std::vector<tracked_chunk> ch,
       bss_api* b)
      : client(c), limits(l), fleets(std::move(f)), chunks(std::move(ch)), billing(b) {
    backoff = {limits.backoff_base_ms, limits.backoff_max_ms};
    throttle_backoff = {limits.throttle_backoff_base_ms, limits.backoff_max_ms};
  }

  std::int64_t capacity_of(const server_info& s) const {
    auto it = capacity.find({s.server_model_name, s.phone_model_name});
    return it == capacity.end() ? 0 : it->second;
  }

  std::chrono::steady_clock::time_point deadline() const {
    return std::chrono::steady_clock::now() + std::chrono::seconds(limits.request_timeout_s);
  }

  // The scheduler's retry rules for reads: backoff (the throttle's after a 429), Retry-After when longer,
  // never past backoff_max_ms; the bucket slows on a 429; a refusal is not tried again.
  template <typename Call, typename Read>
  net::awaitable<std::optional<Call>> read(std::string what, Read make_call) {
    net::steady_timer pause(co_await net::this_coro::executor);
    std::string last;
    for (int attempt = 1; attempt <= k_read_attempts; ++attempt) {
      Call call = co_await make_call();
      outcome o = classify(call.report, call_kind::read);
      if (o.cls == outcome_class::ordered) co_return call;
      last = describe(call.report);
      if (o.throttled) limiter->on_throttled(o.throttle_limit, o.throttle_window_s);
      if (o.stop_run) auth_refused = true;
      if (o.stop_run || o.cls == outcome_class::permanent) break;
      std::chrono::milliseconds delay = (o.throttled ? throttle_backoff : backoff).delay(attempt, rng);
      if (o.retry_after_s && *o.retry_after_s > 0)
        delay = std::max(delay,
                         std::chrono::milliseconds(std::min(*o.retry_after_s * 1000, limits.backoff_max_ms)));
      pause.expires_after(delay);
      co_await pause.async_wait(net::use_awaitable);
    }
    if (error.empty()) error = fmt::format("{}: {}", what, last);  // the first failure, when reads overlap
    co_return std::nullopt;
  }
  // `task` for each of `n` items side by side (up to max_in_flight), until one read fails; the reads it
  // sends are added to `counter`.
  net::awaitable<void> phase(std::int64_t& counter, std::size_t n,
                             const std::function<net::awaitable<void>(std::size_t)>& task) {
    const std::int64_t before = paced;
    co_await run_side_by_side(n, static_cast<std::size_t>(limits.max_in_flight), task,
                              [this] { return !error.empty(); });
    counter += paced - before;
  }
  // A page of a fleet's servers, taken in: every server whose name holds the fleet's, once.
  void take_page(const std::string& fleet, std::vector<server_info>& listed) {
    for (auto& s : listed) {
      auto chunk = chunk_of_server(fleet, s.server_name);
      if (!chunk) continue;  // another fleet's, whose name holds this one
      auto [it, added] = servers.try_emplace(s.server_id);
      if (added) by_chunk[*chunk].push_back(s.server_id);
      it->second.info = std::move(s);
    }
  }

  // The servers found of a chunk: its recorded ids, else those listed under its name, that the list
  // showed.
  std::vector<const known_server*> found_servers(const tracked_chunk& c) const {
    const std::vector<std::string>* ids = &c.server_ids;
    if (ids->empty())
      if (auto it = by_chunk.find(c.chunk); it != by_chunk.end()) ids = &it->second;
    std::vector<const known_server*> out;
    for (const auto& id : *ids)
      if (auto it = servers.find(id); it != servers.end()) out.push_back(&it->second);
    return out;
  }
  static std::int64_t expected_servers(const tracked_chunk& c) {
    return std::max<std::int64_t>(c.count, static_cast<std::int64_t>(c.server_ids.size()));
  }

  // The round's reads; stops at the first that fails (`error` says which).
  net::awaitable<void> read_round(round_reads& reads);
  // The orders of the chunks with missing servers not asked yet: paid or not. A failed read leaves the
  // chunk to the auto-pay rule, with a warning.
  net::awaitable<void> read_orders(round_reads& reads);
  // The report from all that is known, this round's reads and earlier ones'.
  status_report build_report(std::int64_t rounds) const;
};

net::awaitable<void> status_tracker::impl::read_round(round_reads& reads) {
  // The flavors' phone counts, once: what "all its phones" means.
  if (!catalog_read) {
    const std::int64_t before = paced;
    auto call = co_await read<catalog_call>("ListCloudPhoneModels", [&, this] {
      return client.read_catalog(catalog_kind::phone_models, deadline());
    });
    reads.catalog_reads += paced - before;
    if (!call) co_return;
    for (const auto& pm : call->items.phone_models)
      capacity[{pm.server_model_name, pm.phone_model_name}] = pm.phone_capacity;
    catalog_read = true;
  }

  // One paged list per fleet (every server whose name holds the fleet's): the first pages side by side,
  // which tell how many there are, then all the other pages side by side.
  constexpr std::int64_t page_size = api_query::max_limit;
  std::map<std::string, std::int64_t> totals;  // each fleet's servers, as its first page counts them
  auto read_page = [&, this](const std::string& fleet, std::int64_t offset) -> net::awaitable<void> {
    auto call = co_await read<server_page_call>(fmt::format("listing the servers of {}", fleet), [&, this] {
      server_query q;
      q.server_name = fleet;
      return client.list_servers_page(std::move(q), offset, page_size, deadline());
    });
    if (!call) co_return;
    // The service counts every match on each page (the SDK's `count`); without one, this page is all.
    if (offset == 0) totals[fleet] = call->count.value_or(static_cast<std::int64_t>(call->servers.size()));
    take_page(fleet, call->servers);
  };
  co_await phase(reads.server_pages, fleets.size(),
                 [&](std::size_t i) { return read_page(fleets[i].fleet, 0); });
  if (!error.empty()) co_return;
  std::vector<std::pair<std::string, std::int64_t>> more;  // (fleet, offset) of every other page
  for (const auto& [fleet, total] : totals)
    for (std::int64_t offset = page_size; offset < total; offset += page_size)
      more.emplace_back(fleet, offset);
  co_await phase(reads.server_pages, more.size(),
                 [&](std::size_t i) { return read_page(more[i].first, more[i].second); });
  if (!error.empty()) co_return;

  // One phone read per normal server whose phones are not known to be settled, side by side.
  std::vector<std::string> unsettled;
  for (const auto& [id, k] : servers)
    if (k.info.status == server_status::normal && !k.phones_settled) unsettled.push_back(id);
  co_await phase(reads.phone_reads, unsettled.size(), [&, this](std::size_t i) -> net::awaitable<void> {
    const std::string& id = unsettled[i];
    auto call = co_await read<phone_list_call>(fmt::format("listing the phones of {}", id), [&, this] {
      phone_query q;
      q.server_id = id;
      return client.list_phones(std::move(q), deadline());
    });
    if (!call) co_return;
    phone_tally t;
    for (const auto& p : call->phones) {
      ++t.total;
      if (p.status == phone_status::running) ++t.running;
      if (p.status == phone_status::creating) ++t.creating;
      if (p.status == phone_status::creation_failed || p.status == phone_status::abnormal) ++t.failed;
    }
    known_server& k = servers.at(id);
    k.phones = t;
    const std::int64_t cap = capacity_of(k.info);
    k.phones_settled = t.failed > 0 || (t.creating == 0 && t.running > 0 && (cap == 0 || t.running >= cap));
  });
}

net::awaitable<void> status_tracker::impl::read_orders(round_reads& reads) {
  if (!billing) co_return;
  for (auto& c : chunks) {
    if (c.order_id.empty() || static_cast<std::int64_t>(found_servers(c).size()) >= expected_servers(c))
      continue;
    if (!orders_asked.insert(c.chunk).second) continue;
    ++reads.order_reads;
    order_detail_call call = co_await billing->order_detail(c.order_id, deadline());
    if (!call.detail) {
      log(log_level::warn,
          "billing: the order of a chunk with missing servers could not be read: its recorded is_auto_pay "
          "decides unpaid or missing",
          {{"chunk", c.chunk}, {"order_id", c.order_id}, {"error", describe(call.report)}});
      continue;
    }
    const int st = call.detail->order.status;
    if (st == order_status::pending_payment) {
      c.order_paid = false;
    } else if (st == order_status::completed || st == order_status::processing) {
      c.order_paid = true;
    } else if (st == order_status::cancelled) {
      c.order_cancelled = true;
      notes.push_back(
          fmt::format("{}: order {} is cancelled: nothing was bought (`cphfleet cancel` records it)", c.chunk,
                      c.order_id));
    }
  }
}

status_report status_tracker::impl::build_report(std::int64_t rounds) const {
  status_report r;
  r.rounds = rounds;
  r.error = error;
  r.auth_refused = auth_refused;
  r.notes = notes;
  for (const auto& f : fleets) r.fleets.push_back({f.fleet, f.target});
  auto fleet_of = [&](const std::string& name) -> fleet_status& {
    for (auto& f : r.fleets)
      if (f.fleet == name) return f;
    return r.fleets.front();
  };
  for (const auto& c : chunks) {
    fleet_status& fs = fleet_of(c.fleet);
    fs.ordered += c.count;
    std::int64_t found = 0;
    std::vector<server_status_row> rows;
    for (const known_server* found_server : found_servers(c)) {
      const auto& k = *found_server;
      server_status_row row;
      row.server_id = k.info.server_id;
      row.server_name = k.info.server_name;
      row.chunk = c.chunk;
      row.fleet = c.fleet;
      row.status = k.info.status;
      const std::int64_t cap = capacity_of(k.info);
      row.state = classify_server(k.info.status, k.phones, cap);
      row.phones_running = k.phones ? k.phones->running : 0;
      row.phones_total = cap > 0 ? cap : (k.phones ? k.phones->total : 0);
      row.since = row.state == server_state::creating || k.info.update_time.empty() ? k.info.create_time
                                                                                    : k.info.update_time;
      rows.push_back(std::move(row));
      ++found;
    }
    std::sort(rows.begin(), rows.end(), [](const server_status_row& a, const server_status_row& b) {
      return a.server_name < b.server_name;
    });
    // Servers the ledger ordered that the account does not show.
    const std::int64_t expected = expected_servers(c);
    const bool unpaid = !c.order_cancelled && (c.order_paid ? !*c.order_paid : !c.auto_pay);
    for (std::int64_t i = found; i < expected; ++i) {
      server_status_row row;
      row.chunk = c.chunk;
      row.fleet = c.fleet;
      row.state = unpaid ? server_state::unpaid : server_state::missing;
      row.since = c.ordered_at;
      rows.push_back(std::move(row));
    }
    for (auto& row : rows) {
      ++(fs.*field_of(row.state));
      r.servers.push_back(std::move(row));
    }
  }
  return r;
}

status_tracker::status_tracker(cph_client& client, const limits_config& limits,
                               std::vector<fleet_target> fleets, std::vector<tracked_chunk> chunks,
                               bss_api* billing)
    : impl_(std::make_unique<impl>(client, limits, std::move(fleets), std::move(chunks), billing)) {}

status_tracker::~status_tracker() = default;

net::awaitable<void> status_tracker::round() {
  impl& m = *impl_;
  last_ = {};
  m.error.clear();
  if (!m.limiter)
    m.limiter = std::make_unique<rate_limiter>(
        co_await net::this_coro::executor, m.limits.requests_per_second, static_cast<double>(m.limits.burst));
  // Every read of the round, each page included, takes a token of the read bucket and is counted.
  m.client.set_read_pacer([&m]() -> net::awaitable<void> {
    co_await m.limiter->acquire();
    ++m.paced;
  });
  struct unpace {
    cph_client& c;
    ~unpace() { c.set_read_pacer(nullptr); }
  } unpace_guard{m.client};
  const auto started = std::chrono::steady_clock::now();
  co_await m.read_round(last_);
  if (m.error.empty()) co_await m.read_orders(last_);
  report_ = m.build_report(report_.rounds + 1);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log(log_level::info, "status round",
      {{"round", report_.rounds},
       {"calls", last_.calls()},
       {"server_pages", last_.server_pages},
       {"phone_reads", last_.phone_reads},
       {"order_reads", last_.order_reads},
       {"duration_s", fmt::format("{:.3f}", took)},
       {"ready", report_.count(server_state::ready)},
       {"creating", report_.count(server_state::creating)}});
}

net::awaitable<status_report> wait_until_settled(status_tracker& tracker, const wait_settings& settings) {
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  const auto deadline = started + settings.timeout;
  auto stop = [&] { return settings.stop_requested && settings.stop_requested(); };
  progress_line line(settings.progress);
  net::steady_timer timer(co_await net::this_coro::executor);
  for (std::int64_t round = 1;; ++round) {
    line.show(fmt::format("status: round {}: reading the servers and their phones · {} elapsed", round,
                          duration_text(clock::now() - started)));
    co_await tracker.round();
    status_report r = tracker.report();
    const std::int64_t creating = r.count(server_state::creating);
    if (!r.error.empty() || creating == 0 || stop()) co_return r;
    auto now = clock::now();
    const auto next = std::min(now + settings.interval, deadline);
    const std::int64_t bad = r.count(server_state::frozen) + r.count(server_state::stopped) +
                             r.count(server_state::missing) + r.count(server_state::unpaid);
    // The sleep in slices: the progress line counts down, and a stop or the timeout ends it at once.
    while (now < next && !stop()) {
      line.show(fmt::format("status: {}/{} ready · {} creating · {} failed{} · {} elapsed · next poll in {}",
                            r.count(server_state::ready), static_cast<std::int64_t>(r.servers.size()),
                            creating, r.count(server_state::failed),
                            bad > 0 ? fmt::format(" · {} not usable", bad) : "", duration_text(now - started),
                            duration_text(std::chrono::ceil<std::chrono::seconds>(next - now))));
      timer.expires_at(std::min(next, now + std::chrono::milliseconds(250)));
      co_await timer.async_wait(net::use_awaitable);
      now = clock::now();
    }
    if (stop()) co_return r;
    if (now >= deadline) {
      r.timed_out = true;
      co_return r;
    }
  }
}

net::awaitable<status_report> read_status(cph_client& client, const limits_config& limits,
                                          const std::vector<fleet_target>& fleets, const ledger_index& index,
                                          const wait_settings* wait, bss_api* billing) {
  status_tracker tracker(client, limits, fleets, ordered_chunks(index, fleets), billing);
  if (wait) co_return co_await wait_until_settled(tracker, *wait);
  co_await tracker.round();
  co_return tracker.report();
}

void wait_options::add_to(CLI::App& cmd, std::string_view wait_help) {
  cmd.add_flag("--wait", wait, std::string(wait_help));
  cmd.add_option("--interval", interval, "With --wait: read again this often (10s, 1m)")
      ->capture_default_str();
  cmd.add_option("--timeout", timeout, "With --wait: give up after this long, exit 3 (90s, 45m, 2h)")
      ->capture_default_str();
}

wait_settings wait_options::settings() const {
  wait_settings w;
  w.interval = parse_duration(interval, "--interval");
  w.timeout = parse_duration(timeout, "--timeout");
  return w;
}

}  // namespace cphfleet

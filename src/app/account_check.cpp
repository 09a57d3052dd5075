#include "app/account_check.hpp"

#include "app/audit.hpp"
#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "client/outcome.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace cphfleet {
std::vector<unrecorded_chunk> unrecorded_servers(std::string_view fleet, const ledger_index& index,
                                                 const std::vector<server_info>& servers) {
  struct found_chunk {
    std::set<std::string> orders;
    std::vector<std::string> ids;
  };
  std::map<std::string, found_chunk> found;
  for (const auto& s : servers) {
    auto chunk = chunk_of_server(fleet, s.server_name);
    if (!chunk) continue;
    const ledger_row* latest = index.latest(*chunk);
    if (latest && (latest->status == chunk_status::ordered || is_unresolved(latest->status))) continue;
    found_chunk& f = found[*chunk];
    f.orders.insert(s.order_id);
    f.ids.push_back(s.server_id);
  }
  std::vector<unrecorded_chunk> out;
  for (auto& [chunk, f] : found) {
    const ledger_row* latest = index.latest(chunk);
    std::sort(f.ids.begin(), f.ids.end());
    out.push_back({std::string(fleet),
                   chunk,
                   {f.orders.begin(), f.orders.end()},
                   std::move(f.ids),
                   latest ? fmt::format("the ledger holds this chunk as {}", to_string(latest->status))
                          : std::string("the ledger has no row for this chunk")});
  }
  return out;
}

net::awaitable<account_view> read_account(cph_api& api, const limits_config& limits,
                                          const std::vector<std::string>& fleets, const ledger_index& index) {
  constexpr int k_attempts = 3;
  account_view view;
  net::steady_timer pause(co_await net::this_coro::executor);
  for (const auto& fleet : fleets) {
    std::string error;
    bool read = false;
    for (int attempt = 1; attempt <= k_attempts && !read; ++attempt) {
      list_call call = co_await api.list_servers(
          fleet, std::chrono::steady_clock::now() + std::chrono::seconds(limits.request_timeout_s));
      outcome o = classify(call.report, call_kind::read);
      if (o.cls == outcome_class::ordered) {
        auto found = unrecorded_servers(fleet, index, call.servers);
        view.unrecorded.insert(view.unrecorded.end(), std::make_move_iterator(found.begin()),
                               std::make_move_iterator(found.end()));
        read = true;
        break;
      }
      error = describe(call.report);
      if (o.stop_run) view.auth_refused = true;
      if (o.cls == outcome_class::permanent) break;
      // Retryable or ambiguous: a read changes nothing on the account, so it is simply tried again.
      pause.expires_after(
          std::chrono::milliseconds(std::min(limits.backoff_base_ms << attempt, limits.backoff_max_ms)));
      co_await pause.async_wait(net::use_awaitable);
    }
    if (!read) {
      view.unread.push_back(fleet);
      view.errors.push_back(error);
    }
    if (view.auth_refused) break;
  }
  co_return view;
}

std::string adopt_hint(std::string_view fleet, const config& cfg) {
  return fmt::format("cphfleet adopt --fleet {} --config {} --ledger {}", fleet, cfg.path.string(),
                     cfg.ledger_path.string());
}

net::awaitable<void> check_account_before_buying(cph_api& api, scheduler& sched, const config& cfg,
                                                 const ledger_index& index, std::vector<chunk_work>& work,
                                                 const job_spec* job) {
  std::vector<std::string> fleets;
  for (const auto& w : work)
    if (std::find(fleets.begin(), fleets.end(), w.fleet) == fleets.end()) fleets.push_back(w.fleet);
  if (fleets.empty()) co_return;
  account_view view = co_await read_account(api, cfg.limits, fleets, index);
  if (view.auth_refused) {
    log(log_level::error, "the service refused the credentials while the account was read: sending nothing",
        {{"error", view.errors.empty() ? std::string() : view.errors.back()}});
    sched.request_stop(stop_reason::auth);
    co_return;  // the scheduler, stopped, sends none of `work` and counts it not sent
  }

  if (!view.unrecorded.empty()) {
    diagnostics errors;
    for (const auto& fleet : fleets) {
      std::vector<std::string> parts;
      std::size_t servers = 0;
      for (const auto& u : view.unrecorded) {
        if (u.fleet != fleet) continue;
        servers += u.server_ids.size();
        parts.push_back(fmt::format("{}: order {}, {} servers, {}", u.chunk, fmt::join(u.order_ids, ", "),
                                    u.server_ids.size(), u.why));
      }
      if (parts.empty()) continue;
      diagnostic d;
      d.field = fmt::format("fleet {}", fleet);
      if (job) {
        d.path = job->path.string();
        for (std::size_t i = 0; i < job->fleets.size(); ++i) {
          if (job->fleets[i].server_name != fleet) continue;
          d.line = job->fleets[i].line;
          d.column = job->fleets[i].column;
          d.field = fmt::format("fleet[{}]", i);
        }
      }
      d.message = fmt::format(
          "the account holds {} servers under chunk names the ledger {} lacks ({}); nothing was bought "
          "(allowed: record them with `{}` so the next run buys only what is missing, or use the ledger "
          "that holds them)",
          servers, cfg.ledger_path.string(), fmt::join(parts, "; "), adopt_hint(fleet, cfg));
      errors.push_back(std::move(d));
    }
    throw input_error(std::move(errors));
  }
  for (std::size_t i = 0; i < view.unread.size(); ++i) {
    log(log_level::error, "not buying for this fleet: its servers on the account could not be listed",
        {{"fleet", view.unread[i]}, {"error", view.errors[i]}});
    std::erase_if(work, [&](const chunk_work& w) { return w.fleet == view.unread[i]; });
  }
}

}  // namespace cphfleet

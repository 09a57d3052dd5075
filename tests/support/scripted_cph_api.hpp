// A cph_api whose answers a test scripts call by call, on manual_clock's virtual time: the scheduler's
// seam to the service (send/cph_api.hpp) without sockets. It keeps a log of every call, checks at each
// purchase that the ledger already holds the chunk's `sending` row, takes orders as the service would
// (also behind an answer that says otherwise, when the script says so) and shows their servers in lists
// a scripted while after, stamped with the wall-clock time the order was taken (a list's create_since
// filter sees them as the service would).
#pragma once
#include "api/purchase_body.hpp"
#include "base/time_text.hpp"
#include "ledger/index.hpp"
#include "send/cph_api.hpp"
#include "send/manual_clock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet::testing {

// One scripted answer to a purchase.
struct scripted_answer {
  enum kind_type {
    ordered,
    throttled,
    busy,
    refused,
    server_error,
    cps_0061,
    timeout_after_write,
    not_written
  };
  kind_type kind = ordered;
  bool taken = true;  // the service keeps the order (whatever the answer says)
  int http_status = 200;
  std::string error_code;
  std::string error_msg;
  std::optional<std::int64_t> retry_after_s;
  manual_clock::duration delay{0};  // how long the answer takes to come

  scripted_answer after(manual_clock::duration d) const {
    scripted_answer a = *this;
    a.delay = d;
    return a;
  }
};

inline scripted_answer answer_ordered() { return {}; }
inline scripted_answer answer_throttled(std::optional<std::int64_t> retry_after_s = std::nullopt,
                                        std::string message =
                                            "The throttling threshold has been reached: "
                                            "policy user over ratelimit,limit:2,time:1 second") {
  return {scripted_answer::throttled, false, 429, "APIGW.0308", std::move(message), retry_after_s, {}};
}
inline scripted_answer answer_busy() {
  return {scripted_answer::busy, false, 400, "CPS.0042", "System busy.", std::nullopt, {}};
}
inline scripted_answer answer_refused(int status, std::string code, std::string message = "refused") {
  return {scripted_answer::refused, false, status, std::move(code), std::move(message), std::nullopt, {}};
}
inline scripted_answer answer_server_error(int status, bool taken) {
  return {scripted_answer::server_error, taken, status, "", "Service Unavailable", std::nullopt, {}};
}
inline scripted_answer answer_cps_0061(bool taken) {
  return {scripted_answer::cps_0061, taken, 400, "CPS.0061", "Failed to query the order.", std::nullopt, {}};
}
inline scripted_answer answer_timeout_after_write(bool taken) {
  return {scripted_answer::timeout_after_write, taken, 0, "", "", std::nullopt, {}};
}
inline scripted_answer answer_not_written() {
  return {scripted_answer::not_written, false, 0, "", "", std::nullopt, {}};
}

// One scripted answer to a list call: a failure, or (default) the servers as they stand.
struct scripted_list {
  int http_status = 200;  // not 200: the read fails with it
  manual_clock::duration delay{0};
};

struct api_call {
  enum kind_type { purchase, list } kind = purchase;
  std::string chunk;  // the body's server_name, or the name listed
  manual_clock::time_point at;
  std::string body;
  // purchase: the chunk's latest ledger row when the call came
  std::optional<chunk_status> ledger_status;
  std::int64_t ledger_attempt = 0;
  std::optional<std::int64_t> create_since_s;  // list: the filter sent
};

class scripted_cph_api : public cph_api {
 public:
  scripted_cph_api(net::any_io_executor ex, std::filesystem::path ledger)
      : ex_(std::move(ex)), ledger_(std::move(ledger)) {}

  // The answers to a chunk's purchases, in order; once they run out, every purchase is ordered.
  void script(const std::string& chunk, std::vector<scripted_answer> answers) {
    auto& q = purchases_[chunk];
    q.insert(q.end(), answers.begin(), answers.end());
  }
  // The answers to lists by a chunk's name, in order; once they run out, lists are answered.
  void script_lists(const std::string& chunk, std::vector<scripted_list> answers) {
    auto& q = lists_[chunk];
    q.insert(q.end(), answers.begin(), answers.end());
  }
  // A taken order's servers show in lists this long after the order was taken.
  void servers_show_after(manual_clock::duration d) { show_after_ = d; }
  // An order the service took before this run (an earlier run's, whose answer was lost), at `created` on
  // the wall clock.
  void took_earlier(const std::string& chunk, std::int64_t count,
                    std::chrono::system_clock::time_point created = std::chrono::system_clock::now() -
                                                                    std::chrono::hours(1)) {
    orders_.push_back(
        {fmt::format("CS{:04}", orders_.size() + 1), chunk, count, manual_clock::time_point::min(), created});
  }
  // Called with each order the service takes (a billing service records it too).
  void on_taken(std::function<void(const std::string& order_id, const purchase_request&)> f) {
    on_taken_ = std::move(f);
  }
  // Called as each call arrives, before it is answered (e.g. to stop the run at the n-th call).
  void on_call(std::function<void(const api_call&)> f) { on_call_ = std::move(f); }

  const std::vector<api_call>& calls() const { return calls_; }
  const std::vector<purchase_api>& purchase_apis() const { return apis_; }  // one per purchase call
  std::vector<api_call> calls(api_call::kind_type kind, const std::string& chunk) const {
    std::vector<api_call> out;
    for (const auto& c : calls_)
      if (c.kind == kind && c.chunk == chunk) out.push_back(c);
    return out;
  }
  std::int64_t orders_taken(const std::string& chunk) const {
    return std::count_if(orders_.begin(), orders_.end(), [&](const order& o) { return o.chunk == chunk; });
  }
  std::string order_id_of(const std::string& chunk) const {
    for (const auto& o : orders_)
      if (o.chunk == chunk) return o.id;
    return {};
  }
  std::int64_t max_concurrent() const { return max_concurrent_; }
  std::int64_t concurrent() const { return concurrent_; }

  net::awaitable<purchase_call> purchase(purchase_api api, std::string body,
                                         std::chrono::steady_clock::time_point) override {
    parsed_purchase p = parse_purchase(body, api);
    apis_.push_back(api);
    api_call c{api_call::purchase, p.request.server_name, manual_clock::now(), body, std::nullopt, 0,
               std::nullopt};
    for (const auto& row : read_ledger(ledger_)) {
      if (row.chunk != c.chunk) continue;
      c.ledger_status = row.status;
      c.ledger_attempt = row.attempt;
    }
    scripted_answer a = next(purchases_, c.chunk, answer_ordered());
    begin_call(c);
    purchase_call out;
    out.request_id = fmt::format("req-{}", calls_.size());
    if (a.taken) {
      // The service acts as the request arrives; the answer (or its loss) comes later.
      order o{fmt::format("CS{:04}", orders_.size() + 1), c.chunk, p.request.count, manual_clock::now(),
              std::chrono::system_clock::now()};
      out.response.order_id = o.id;
      out.response.product_id = "p-" + o.id;
      orders_.push_back(o);
      if (on_taken_) on_taken_(o.id, p.request);
    }
    co_await wait(a.delay);
    end_call();
    call_report& r = out.report;
    switch (a.kind) {
      case scripted_answer::timeout_after_write:
        r.transport = transport_error{transport_step::timeout, "timeout: no answer in 30 s", true};
        break;
      case scripted_answer::not_written:
        r.transport = transport_error{transport_step::connect, "connect: Connection refused", false};
        break;
      default:
        r.http_status = a.http_status;
        r.error_code = a.error_code;
        r.error_msg = a.error_msg;
        r.retry_after_s = a.retry_after_s;
    }
    if (a.kind != scripted_answer::ordered) out.response = {};
    co_return out;
  }

  using cph_api::list_servers;
  net::awaitable<list_call> list_servers(server_query query, std::chrono::steady_clock::time_point) override {
    const std::string& name = query.server_name;
    api_call c{api_call::list, name, manual_clock::now(), {}, std::nullopt, 0, query.create_since_s};
    scripted_list a = next(lists_, name, scripted_list{});
    begin_call(c);
    list_call out;
    if (a.http_status == 200) {
      for (std::size_t k = 0; k < orders_.size(); ++k) {
        const order& o = orders_[k];
        if (o.chunk.find(name) == std::string::npos || manual_clock::now() - show_after_ < o.taken_at)
          continue;
        const std::int64_t created_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(o.created.time_since_epoch()).count();
        if (query.create_since_s && created_ms / 1000 < *query.create_since_s) continue;
        for (std::int64_t i = 1; i <= o.count; ++i) {
          server_info s;
          s.server_name = fmt::format("{}-{:04}", o.chunk, i);
          s.server_id = fmt::format("{}-srv-{}", o.id, i);
          s.order_id = o.id;
          s.product_id = "p-" + o.id;
          s.create_time = rfc3339_s(created_ms);
          out.servers.push_back(s);
        }
      }
    }
    co_await wait(a.delay);
    end_call();
    out.report.http_status = a.http_status;
    if (a.http_status != 200) out.report.error_msg = "Internal Server Error";
    co_return out;
  }

 private:
  struct order {
    std::string id;
    std::string chunk;
    std::int64_t count = 0;
    manual_clock::time_point taken_at;
    std::chrono::system_clock::time_point created;  // the service's stamp
  };

  template <typename T>
  static T next(std::map<std::string, std::deque<T>>& scripts, const std::string& chunk, T otherwise) {
    auto it = scripts.find(chunk);
    if (it == scripts.end() || it->second.empty()) return otherwise;
    T a = it->second.front();
    it->second.pop_front();
    return a;
  }
  void begin_call(const api_call& c) {
    calls_.push_back(c);
    max_concurrent_ = std::max(max_concurrent_, ++concurrent_);
    if (on_call_) on_call_(c);
  }
  void end_call() { --concurrent_; }
  net::awaitable<void> wait(manual_clock::duration d) {
    if (d <= manual_clock::duration::zero()) co_return;
    net::basic_waitable_timer<manual_clock> t(ex_, d);
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
  }

  net::any_io_executor ex_;
  std::filesystem::path ledger_;
  std::map<std::string, std::deque<scripted_answer>> purchases_;
  std::map<std::string, std::deque<scripted_list>> lists_;
  manual_clock::duration show_after_{0};
  std::function<void(const api_call&)> on_call_;
  std::function<void(const std::string&, const purchase_request&)> on_taken_;
  std::vector<api_call> calls_;
  std::vector<purchase_api> apis_;
  std::vector<order> orders_;
  std::int64_t concurrent_ = 0;
  std::int64_t max_concurrent_ = 0;
};

}  // namespace cphfleet::testing

#include "client/bss_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "api/signer.hpp"
#include "base/text.hpp"
#include "base/time_text.hpp"

namespace cphfleet {

using clock_type = std::chrono::steady_clock;

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(clock_type::now().time_since_epoch()).count();
}

// An answer that came but cannot be read: a read failure after the request was written.
void unreadable(call_report& report, std::string_view api, std::string_view what) {
  report.transport =
      transport_error{transport_step::read, fmt::format("read: unreadable answer: {}: {}", api, what), true};
}

}  // namespace

bss_list_query to_list_query(const order_query& q, std::int64_t offset, std::int64_t limit) {
  bss_list_query out;
  if (q.create_begin_s) out.create_time_begin = bss_time(*q.create_begin_s);
  if (q.create_end_s) out.create_time_end = bss_time(*q.create_end_s);
  out.status = q.status;
  out.service_type_code = q.service_type_code;
  out.limit = limit;
  out.offset = offset;
  out.order_by = "createTime";
  return out;
}

void explain_bss_error(call_report& report) {
  if (report.http_status == 403 && report.error_code == "CBC.0150") {
    report.error_msg = fmt::format(
        "{} (the account belongs to another site's billing service: set [billing] site to the account's "
        "site: cn, intl or eu)",
        report.error_msg.empty() ? "access denied" : report.error_msg);
  }
}

bss_client::bss_client(https_client& http, credentials creds, std::string domain_id,
                       bss_client_options options, unix_clock now)
    : http_(http),
      creds_(std::move(creds)),
      domain_id_(std::move(domain_id)),
      options_(options),
      now_(std::move(now)),
      bucket_(options.reads_per_second, options.burst, steady_seconds()) {}

net::awaitable<void> bss_client::take_token() {
  const double now = steady_seconds();
  const double wait = bucket_.wait_s(now);
  bucket_.take(now);
  if (wait <= 0) co_return;
  net::steady_timer timer(co_await net::this_coro::executor, std::chrono::duration_cast<clock_type::duration>(
                                                                 std::chrono::duration<double>(wait)));
  co_await timer.async_wait(net::use_awaitable);
}

net::awaitable<bss_client::answer> bss_client::call(http::verb method, std::string path, std::string query,
                                                    std::string body, clock_type::time_point deadline) {
  answer a;
  if (hook_ && creds_.type == credentials::kind::aksk) {
    if (auto why = co_await hook_(creds_)) {
      a.report.transport = transport_error{transport_step::connect, std::move(*why), false};
      co_return a;
    }
  }
  co_await take_token();
  http_request request;
  request.method = method;
  request.target = query.empty() ? path : path + "?" + query;
  auto& headers = request.headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json;charset=UTF-8");
  // Account-scoped: the account, not a project, as the SDK's global credentials send it.
  if (!domain_id_.empty()) headers.emplace_back("X-Domain-Id", domain_id_);
  request.body = std::move(body);
  add_credentials(request, path, query, creds_, http_.target().host_header(), now_());
  ++requests_;
  http_result result = co_await http_.send(std::move(request), deadline);
  if (result.error) {
    a.report.transport = std::move(result.error);
    co_return a;
  }
  auto& response = *result.response;
  a.report.http_status = static_cast<int>(response.status);
  a.report.retry_after_s = response.retry_after_s;
  if (a.ok()) {
    a.body = std::move(response.body);
  } else {
    auto e = read_error_answer(response.body, response.request_id);
    a.report.error_code = std::move(e.code);
    a.report.error_msg = std::move(e.message);
    explain_bss_error(a.report);
  }
  co_return a;
}

net::awaitable<bss_client::answer> bss_client::read(http::verb method, std::string path, std::string query,
                                                    std::string body, clock_type::time_point deadline) {
  for (int attempt = 1;; ++attempt) {
    answer a = co_await call(method, path, query, body, deadline);
    outcome o = classify(a.report, call_kind::read);
    if (o.cls != outcome_class::retryable || attempt >= options_.attempts) co_return a;
    auto delay = options_.backoff.delay(attempt, rng_);
    if (o.retry_after_s)
      delay = std::max<std::chrono::milliseconds>(
          delay,
          std::chrono::seconds(std::min<std::int64_t>(*o.retry_after_s, options_.backoff.max_ms / 1000)));
    if (clock_type::now() + delay >= deadline) co_return a;
    net::steady_timer pause(co_await net::this_coro::executor, delay);
    co_await pause.async_wait(net::use_awaitable);
  }
}

net::awaitable<order_page_call> bss_client::list_page(bss_list_query query, clock_type::time_point deadline) {
  answer a = co_await call(http::verb::get, std::string(bss_path::customer_orders), to_query_text(query), "",
                           deadline);
  order_page_call out;
  if (a.ok()) {
    try {
      out.page = read_order_page(a.body);
    } catch (const std::exception& e) {
      unreadable(a.report, "ListCustomerOrders", e.what());
    }
  }
  out.report = std::move(a.report);
  co_return out;
}

net::awaitable<orders_call> bss_client::list_orders(order_query query, clock_type::time_point deadline) {
  orders_call out;
  std::set<std::string, std::less<>> seen;
  for (std::int64_t offset = 0;;) {
    answer a = co_await read(http::verb::get, std::string(bss_path::customer_orders),
                             to_query_text(to_list_query(query, offset, k_bss_max_limit)), "", deadline);
    if (!a.ok()) {
      out.report = std::move(a.report);
      out.orders.clear();  // a partial list would read as "these are all"
      co_return out;
    }
    bss_order_page page;
    try {
      page = read_order_page(a.body);
    } catch (const std::exception& e) {
      unreadable(a.report, "ListCustomerOrders", e.what());
      out.report = std::move(a.report);
      out.orders.clear();
      co_return out;
    }
    out.report = std::move(a.report);
    const auto got = static_cast<std::int64_t>(page.orders.size());
    // Orders listed twice (pages shift while new orders come in) are kept once.
    for (auto& o : page.orders)
      if (o.order_id.empty() || seen.insert(o.order_id).second) out.orders.push_back(std::move(o));
    offset += got;
    if (got < k_bss_max_limit || offset >= page.total_count) co_return out;
  }
}

net::awaitable<order_detail_call> bss_client::order_detail(std::string order_id,
                                                           clock_type::time_point deadline) {
  answer a =
      co_await read(http::verb::get, std::string(bss_path::order_details_prefix) + percent_encode(order_id),
                    "", "", deadline);
  order_detail_call out;
  if (a.ok()) {
    try {
      out.detail = read_order_detail(a.body);
    } catch (const std::exception& e) {
      unreadable(a.report, "ShowCustomerOrderDetails", e.what());
    }
  }
  out.report = std::move(a.report);
  co_return out;
}

net::awaitable<call_report> bss_client::cancel_order(std::string order_id, clock_type::time_point deadline) {
  answer a = co_await call(http::verb::put, std::string(bss_path::cancel_order), "",
                           write_cancel_request(order_id), deadline);
  co_return std::move(a.report);
}

net::awaitable<rate_call> bss_client::price(rate_request request, clock_type::time_point deadline) {
  answer a = co_await read(http::verb::post, std::string(bss_path::period_rate), "",
                           write_rate_request(request), deadline);
  rate_call out;
  if (a.ok()) {
    try {
      out.answer = read_rate_answer(a.body);
    } catch (const std::exception& e) {
      unreadable(a.report, "ListRateOnPeriodDetail", e.what());
    }
  }
  out.report = std::move(a.report);
  co_return out;
}

net::awaitable<resources_call> bss_client::order_resources(std::string order_id,
                                                           clock_type::time_point deadline) {
  resources_call out;
  std::set<std::string, std::less<>> seen;
  for (std::int64_t offset = 0;;) {
    // Named, not a braced temporary inside the co_await: GCC 12 destroys such temporaries twice.
    const resources_query query{order_id, 1, offset, k_bss_max_limit};
    std::string body = write_resources_query(query);
    answer a = co_await read(http::verb::post, std::string(bss_path::order_resources), "", std::move(body),
                             deadline);
    out.report = a.report;
    if (!a.ok()) {
      out.resources.clear();
      co_return out;
    }
    order_resources_page page;
    try {
      page = read_order_resources(a.body);
    } catch (const std::exception& e) {
      unreadable(out.report, "ListPayPerUseCustomerResources", e.what());
      out.resources.clear();
      co_return out;
    }
    const auto got = static_cast<std::int64_t>(page.resources.size());
    for (auto& r : page.resources)
      if (r.resource_id.empty() || seen.insert(r.resource_id).second) out.resources.push_back(std::move(r));
    offset += got;
    if (got < k_bss_max_limit || offset >= page.total_count) co_return out;
  }
}

net::awaitable<call_report> bss_client::pay_order(std::string order_id, clock_type::time_point deadline) {
  pay_request request;  // named: see order_resources
  request.order_id = std::move(order_id);
  std::string body = write_pay_request(request);
  answer a =
      co_await call(http::verb::post, std::string(bss_path::pay_orders), "", std::move(body), deadline);
  co_return std::move(a.report);
}

}  // namespace cphfleet

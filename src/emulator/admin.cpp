#include "emulator/admin.hpp"

#include "base/time_text.hpp"
#include "emulator/routes.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <stdexcept>

namespace cphfleet {
namespace json = boost::json;

namespace {
// The clock the routes give the state: what the reads would show at this moment.
std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

answer admin_answer(const http::request<http::string_body>& req, std::string_view path,
                    const std::string& rid, routes& service) {
  const auto method = req.method();
  auto bad = [&](std::string_view msg) {
    return error_answer(http::status::bad_request, rid, "APIGW.0201", msg);
  };
  if (path == "/_emulator/orders" && method == http::verb::get) {
    json::array orders;
    for (const auto& o : service.state().orders()) {
      json::array ids;
      for (const auto& id : o.server_ids) ids.emplace_back(id);
      orders.emplace_back(json::object{{"api", to_string(o.api)},
                                       {"order_id", o.order_id},
                                       {"server_name", o.server_name},
                                       {"count", o.count},
                                       {"server_ids", std::move(ids)},
                                       {"is_auto_pay", o.is_auto_pay},
                                       {"product_id", o.product_id},
                                       {"created_at", rfc3339_ms(o.created_ms)}});
      // What the billing service shows of it.
      if (const billing_record* b = service.bills().find(o.order_id)) {
        auto& shown = orders.back().as_object();
        shown["bss_status"] = b->order.status;
        shown["bss_status_name"] = order_status_name(b->order.status);
        shown["official_amount"] = b->order.official_amount;
        shown["currency"] = b->order.currency;
        shown["payment_time"] = b->order.payment_time;
        shown["pay_count"] = b->pay_count;
      }
    }
    return json_answer(http::status::ok, json::object{{"orders", std::move(orders)}});
  }
  // Every server with its status and its phones' statuses now: what a client's reads should add up to.
  if (path == "/_emulator/servers" && method == http::verb::get) {
    json::array servers;
    for (const auto& l : service.state().lifecycle(wall_clock_ms())) {
      json::array phones;
      for (int p : l.phone_statuses) phones.emplace_back(p);
      servers.emplace_back(json::object{{"server_id", l.server_id},
                                        {"server_name", l.server_name},
                                        {"order_id", l.order_id},
                                        {"visible", l.visible},
                                        {"status", l.status},
                                        {"phone_statuses", std::move(phones)}});
    }
    return json_answer(http::status::ok, json::object{{"servers", std::move(servers)}});
  }
  if (path == "/_emulator/faults" && method == http::verb::post) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body(), ec);
    if (ec || !v.is_object()) return bad("faults: the body must be a JSON object like {\"throttle\": 0.1}");
    std::map<std::string, double> by_name;
    for (const auto& [k, p] : v.get_object()) {
      if (!p.is_number())
        return bad(fmt::format("faults: \"{}\" must be a number 0..1", std::string_view(k)));
      by_name[std::string(k)] = p.to_number<double>();
    }
    try {
      service.faults().set_probabilities(checked_probabilities(by_name));
    } catch (const std::invalid_argument& e) {
      return bad(e.what());
    }
    json::object faults;
    for (const auto& [kind, p] : service.faults().probabilities()) faults[fault_name(kind)] = p;
    return json_answer(http::status::ok, json::object{{"faults", std::move(faults)}});
  }
  if (path == "/_emulator/faults" && method == http::verb::get) {
    json::object faults;
    for (const auto& [kind, p] : service.faults().probabilities()) faults[fault_name(kind)] = p;
    return json_answer(http::status::ok, json::object{{"faults", std::move(faults)}});
  }
  if (path == "/_emulator/reset" && method == http::verb::post) {
    service.reset();
    return json_answer(http::status::ok, json::object{{"reset", true}});
  }
  if (path == "/_emulator/stats" && method == http::verb::get) {
    const emulator_stats& stats = service.stats();
    json::object api_calls;
    for (const auto& [api, n] : stats.api_calls) api_calls[api] = n;
    return json_answer(http::status::ok, json::object{{"requests", stats.requests},
                                                      {"purchases", stats.purchases},
                                                      {"orders", stats.orders},
                                                      {"servers", stats.servers},
                                                      {"throttled", stats.throttled},
                                                      {"rejected", stats.rejected},
                                                      {"faults", stats.faults},
                                                      {"auth_failures", stats.auth_failures},
                                                      {"metadata_requests", stats.metadata_requests},
                                                      {"connections", stats.connections},
                                                      {"refused_connections", stats.refused_connections},
                                                      {"open_connections", stats.open_connections},
                                                      {"api_calls", std::move(api_calls)}});
  }
  // POST /_emulator/orders/{order_id}/pay: what a person paying in the console does.
  if (method == http::verb::post && path.starts_with("/_emulator/orders/") && path.ends_with("/pay")) {
    std::string_view id = path.substr(18, path.size() - 18 - 4);
    if (!service.pay(id))
      return error_answer(http::status::not_found, rid, "CPS.0061", "no such unpaid order");
    return json_answer(http::status::ok, json::object{{"order_id", id}, {"paid", true}});
  }
  return error_answer(http::status::not_found, rid, "APIGW.0101", "no such emulator admin endpoint");
}

}  // namespace cphfleet

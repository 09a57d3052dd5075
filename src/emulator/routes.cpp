#include "emulator/routes.hpp"

#include "api/catalog_rules.hpp"
#include "api/paths.hpp"
#include "api/purchase_body.hpp"
#include "api/reads.hpp"
#include "base/log.hpp"
#include "base/text.hpp"
#include "emulator/admin.hpp"
#include "emulator/auth.hpp"
#include "emulator/catalog_file.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace cphfleet {
namespace json = boost::json;

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

double steady_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

constexpr std::string_view k_bad_gateway_page =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

emulator_state_options state_options(const emulator_options& options) {
  emulator_state_options s;
  if (!options.catalog_file.empty()) {
    try {
      s.cat = load_catalog_file(options.catalog_file);
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("--catalog: {}", e.what()));
    }
  }
  if (options.settle_ms < 0) throw std::invalid_argument("--settle: must be at least 0 ms");
  if (options.boot_ms < 0) throw std::invalid_argument("boot time must be at least 0 ms");
  s.settle_ms = options.settle_ms;
  s.boot_ms = options.boot_ms;
  return s;
}

}  // namespace

std::optional<api_route> route_of(http::verb method, std::string_view path) {
  auto parts = api_path::parse(path);
  if (!parts) return std::nullopt;
  api_route r;
  const std::string_view what = parts->resource;
  if (parts->version == api_path::version_v2) {
    // The only v2 call served: the purchase.
    if (what != api_path::servers || !parts->id.empty() || method != http::verb::post) return std::nullopt;
    r.api = api_kind::purchase_v2;
  } else if (!parts->id.empty()) {
    if (what != api_path::servers || method != http::verb::get) return std::nullopt;
    r.api = api_kind::show_server;
    r.server_id = percent_decode(parts->id);
  } else if (what == api_path::phones && method == http::verb::post) {
    r.api = api_kind::purchase;
  } else if (method != http::verb::get) {
    return std::nullopt;
  } else if (what == api_path::servers) {
    r.api = api_kind::list_servers;
  } else if (what == api_path::server_models) {
    r.api = api_kind::server_models;
  } else if (what == api_path::phone_models) {
    r.api = api_kind::phone_models;
  } else if (what == api_path::phone_images) {
    r.api = api_kind::phone_images;
  } else if (what == api_path::bandwidths) {
    r.api = api_kind::bandwidths;
  } else {
    return std::nullopt;
  }
  r.project_id = percent_decode(parts->project_id);
  return r;
}

std::optional<list_query> parse_list_query(std::string_view query) {
  list_query q;
  if (query.empty()) return q;
  for (auto pair : split(query, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    if (key == api_query::offset) {
      auto v = parse_integer<std::int64_t>(value);
      if (!v || *v < 0) return std::nullopt;
      q.offset = *v;
    } else if (key == api_query::limit) {
      auto v = parse_integer<std::int64_t>(value);
      if (!v || *v < 1 || *v > api_query::max_limit) return std::nullopt;
      q.limit = *v;
    } else if (key == api_query::server_name) {
      q.server_name = std::move(value);
    }
  }
  return q;
}

routes::routes(const emulator_options& options)
    : options_(options),
      state_(state_options(options_)),
      faults_(checked_probabilities(options_.faults), parse_fault_script(options_.script), options_.seed),
      metadata_(options_.metadata_lifetime_s) {
  if (!(options_.rate_limit >= 0) || std::isinf(options_.rate_limit))
    throw std::invalid_argument("--rate-limit: must be a number of requests per second, at least 0");
  double now = steady_s();
  for (std::size_t i = 0; i < k_api_count; ++i)
    buckets_.emplace_back(options_.rate_limit, options_.rate_limit, now);
}

std::string routes::throttle_message(double limit) const {
  return fmt::format(
      "The throttling threshold has been reached: policy user over ratelimit,limit:{},time:1 second", limit);
}

void routes::count(const answer& a) {
  ++stats_.requests;
  classify(a);
}

void routes::classify(const answer& a) {
  auto s = static_cast<unsigned>(a.status);
  if (s == 429) {
    ++stats_.throttled;
  } else if (s == 401) {
    ++stats_.auth_failures;
  } else if (s >= 400 && s < 500) {
    ++stats_.rejected;
  }
}

answer routes::handle(const emulator_request& req, const std::string& rid) {
  ++stats_.requests;  // first: GET /_emulator/stats counts itself
  answer a = [&] {
    std::string_view target = req.target();
    auto qpos = target.find('?');
    std::string_view path = target.substr(0, qpos);
    std::string_view query = qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);
    if (path.starts_with("/_emulator/")) return admin_answer(req, path, rid, *this);
    if (metadata_.serves(path)) {
      ++stats_.metadata_requests;
      return metadata_.handle(req, path, wall_ms() / 1000);
    }
    answer out = [&] {
      auto route = route_of(req.method(), path);
      if (!route)
        return error_answer(http::status::not_found, rid, "APIGW.0101",
                            "The API does not exist or has not been published in the environment");
      if (auto why = auth_refusal(options_, req, path, query, wall_ms() / 1000, &metadata_))
        return error_answer(http::status::unauthorized, rid, "APIGW.0301",
                            fmt::format("Incorrect IAM authentication information: {}", *why));
      if (!buckets_[static_cast<std::size_t>(route->api)].try_take(steady_s()))
        return error_answer(http::status::too_many_requests, rid, "APIGW.0308",
                            throttle_message(options_.rate_limit));
      // A purchase draws its fault before anything else is looked at: the fault stands for the
      // gateway or the backend failing, whatever the request says.
      if (route->api == api_kind::purchase) return purchase(req, purchase_api::v1, route->project_id, rid);
      if (route->api == api_kind::purchase_v2) return purchase(req, purchase_api::v2, route->project_id, rid);
      if (auto it = req.find("X-Project-Id"); it != req.end() && it->value() != route->project_id)
        return error_answer(http::status::bad_request, rid, "CPS.0046",
                            "Parameter: project_id is invalid: the path and X-Project-Id differ.");
      switch (route->api) {
        case api_kind::list_servers:
          return list_servers(query, rid);
        case api_kind::show_server:
          return show_server(route->server_id, rid);
        default:
          return catalog_answer(route->api, rid);
      }
    }();
    out.api_call = true;
    return out;
  }();
  classify(a);
  return a;
}

answer routes::purchase(const emulator_request& req, purchase_api api, std::string_view project_id,
                        const std::string& rid) {
  ++stats_.purchases;
  fault_kind fault = faults_.next();
  if (fault != fault_kind::none) {
    ++stats_.faults;
    log_debug("emulator: purchase {}: fault {}", faults_.purchases(), fault_name(fault));
  }
  switch (fault) {
    case fault_kind::throttle:
      return error_answer(http::status::too_many_requests, rid, "APIGW.0308",
                          throttle_message(options_.rate_limit > 0 ? options_.rate_limit : 10));
    case fault_kind::busy:
      return error_answer(http::status::bad_request, rid, "CPS.0042", "System busy. Please try again later.");
    case fault_kind::error500:
      return error_answer(http::status::internal_server_error, rid, "CPS.0003", "Service internal error.");
    case fault_kind::error502: {
      answer a;
      a.status = http::status::bad_gateway;
      a.body = std::string(k_bad_gateway_page);
      a.content_type = "text/html";
      return a;
    }
    case fault_kind::error503:
      return error_answer(http::status::service_unavailable, rid, "APIGW.0202", "Backend unavailable");
    case fault_kind::error504:
      return error_answer(http::status::gateway_timeout, rid, "APIGW.0203", "Backend timeout");
    case fault_kind::drop_before: {
      answer a;
      a.act = answer_action::drop;
      return a;
    }
    case fault_kind::no_balance:
      // The service's code for this is not published; any unknown 4xx is permanent to a client.
      return error_answer(http::status::bad_request, rid, "CPS.0999",
                          "Insufficient account balance (emulated refusal).");
    default:
      break;
  }

  if (auto it = req.find("X-Project-Id"); it != req.end() && it->value() != project_id)
    return error_answer(http::status::bad_request, rid, "CPS.0046",
                        "Parameter: project_id is invalid: the path and X-Project-Id differ.");
  auto reject = [&](const api_error& e) {
    std::string msg = fmt::format("Parameter: {}: {}", e.field, e.message);
    return error_answer(http::status::bad_request, rid, e.code, msg);
  };
  parsed_purchase parsed = parse_purchase(req.body(), api);
  if (!parsed.errors.empty()) return reject(parsed.errors.front());
  if (auto errors = validate(parsed.request); !errors.empty()) return reject(errors.front());
  if (auto errors = check_against_catalog(parsed.request, state_.catalog_data()); !errors.empty())
    return reject(errors.front());

  const emulator_order& order = state_.commit(parsed.request, wall_ms());
  ++stats_.orders;
  stats_.servers += order.server_ids.size();
  json::array ids;
  for (const auto& id : order.server_ids) ids.emplace_back(id);
  answer ok = json_answer(http::status::ok, json::object{{api_key::request_id, rid},
                                                         {api_key::order_id, order.order_id},
                                                         {api_key::product_id, order.product_id},
                                                         {api_key::server_ids, std::move(ids)}});
  switch (fault) {
    case fault_kind::commit_then_504:
      return error_answer(http::status::gateway_timeout, rid, "APIGW.0203", "Backend timeout");
    case fault_kind::commit_then_drop:
      ok.act = answer_action::drop;
      return ok;
    case fault_kind::slow_commit:
      ok.act = answer_action::slow;
      return ok;
    default:
      return ok;
  }
}

answer routes::list_servers(std::string_view query, const std::string& rid) {
  auto q = parse_list_query(query);
  if (!q)
    return error_answer(http::status::bad_request, rid, "CPS.0002", "Parameter: offset or limit is invalid.");
  server_page page = state_.list_servers(q->server_name, q->offset, q->limit, wall_ms());
  json::array servers;
  servers.reserve(page.servers.size());
  for (const auto& s : page.servers) servers.emplace_back(to_json(s));
  return json_answer(http::status::ok, json::object{{api_key::request_id, rid},
                                                    {api_key::count, page.count},
                                                    {api_key::servers, std::move(servers)}});
}

answer routes::show_server(std::string_view server_id, const std::string& rid) {
  auto s = state_.find_server(server_id, wall_ms());
  if (!s) return error_answer(http::status::not_found, rid, "CPS.0016", "server_id is invalid.");
  json::object o = to_json(*s);
  o[api_key::request_id] = rid;
  return json_answer(http::status::ok, o);
}

answer routes::catalog_answer(api_kind which, const std::string& rid) {
  const catalog& c = state_.catalog_data();
  json::array items;
  std::string_view key;
  switch (which) {
    case api_kind::server_models:
      key = api_key::server_models;
      for (const auto& m : c.server_models) items.emplace_back(to_json(m));
      break;
    case api_kind::phone_models:
      key = api_key::phone_models;
      for (const auto& m : c.phone_models) items.emplace_back(to_json(m));
      break;
    case api_kind::phone_images:
      key = api_key::phone_images;
      for (const auto& m : c.images) items.emplace_back(to_json(m));
      break;
    default:
      key = api_key::band_widths;
      for (const auto& m : c.bandwidths) items.emplace_back(to_json(m));
      break;
  }
  json::object o{{api_key::request_id, rid}};
  o[key] = std::move(items);
  return json_answer(http::status::ok, o);
}

bool routes::pay(std::string_view order_id) {
  auto before = state_.server_count();
  if (!state_.pay(order_id, wall_ms())) return false;
  stats_.servers += state_.server_count() - before;
  return true;
}

void routes::reset() {
  state_.reset();
  faults_.restart();
  emulator_stats kept;
  kept.connections = stats_.connections;
  kept.open_connections = stats_.open_connections;
  stats_ = kept;
  double now = steady_s();
  for (auto& b : buckets_) b = token_bucket(options_.rate_limit, options_.rate_limit, now);
}

}  // namespace cphfleet

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

#include <algorithm>
#include <array>
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
  if (options.boot_ms < 0) throw std::invalid_argument("--provision: must be at least 0 ms");
  s.settle_ms = options.settle_ms;
  s.boot_ms = options.boot_ms;
  // The per-server faults; checked_probabilities (in the constructor) has the last word on the values.
  if (auto it = options.faults.find("provision_fail"); it != options.faults.end())
    s.provision_fail = it->second;
  if (auto it = options.faults.find("phone_fail"); it != options.faults.end()) s.phone_fail = it->second;
  s.lifecycle_seed = options.seed;
  return s;
}

}  // namespace

namespace {

constexpr std::array<std::string_view, k_api_count> k_api_names{
    "CreateCloudPhoneServer",     "CreateNet2CloudPhoneServer", "ListCloudPhoneServers",
    "ShowCloudPhoneServerDetail", "ListCloudPhoneServerModels", "ListCloudPhoneModels",
    "ListCloudPhoneImages",       "ShowBandwidthDetail",        "ListCloudPhones",
    "ShowCloudPhoneDetail"};

}  // namespace

std::string_view api_name(api_kind api) { return k_api_names[static_cast<std::size_t>(api)]; }

std::optional<api_kind> parse_api_name(std::string_view name) {
  for (std::size_t i = 0; i < k_api_names.size(); ++i)
    if (k_api_names[i] == name) return static_cast<api_kind>(i);
  return std::nullopt;
}

std::string api_name_list() {
  std::string out;
  for (std::string_view n : k_api_names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

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
    if (method != http::verb::get) return std::nullopt;
    if (what == api_path::servers) {
      r.api = api_kind::show_server;
      r.server_id = percent_decode(parts->id);
    } else if (what == api_path::phones) {
      r.api = api_kind::show_phone;
      r.phone_id = percent_decode(parts->id);
    } else {
      return std::nullopt;
    }
  } else if (what == api_path::phones) {
    if (method == http::verb::post) {
      r.api = api_kind::purchase;
    } else if (method == http::verb::get) {
      r.api = api_kind::list_phones;
    } else {
      return std::nullopt;
    }
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

namespace {

constexpr std::string_view k_bad_page = "Parameter: offset or limit is invalid.";

std::string invalid_parameter(std::string_view name) {
  return fmt::format("Parameter: {} is invalid.", name);
}

// Calls `take(key, value)` for each parameter, decoded; stops at the first error it returns.
template <typename F>
std::string each_parameter(std::string_view query, F&& take) {
  if (query.empty()) return {};
  for (auto pair : split(query, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    if (std::string error = take(key, std::move(value)); !error.empty()) return error;
  }
  return {};
}

// offset and limit; true when `key` was one of them. `error` is set when its value is refused.
bool page_parameter(page_query& q, std::string_view key, const std::string& value, std::int64_t max_limit,
                    std::string& error) {
  if (key == api_query::offset) {
    auto v = parse_integer<std::int64_t>(value);
    if (!v || *v < 0) error = std::string(k_bad_page);
    if (v) q.offset = *v;
    return true;
  }
  if (key == api_query::limit) {
    auto v = parse_integer<std::int64_t>(value);
    if (!v || *v < 1 || *v > max_limit) error = std::string(k_bad_page);
    if (v) q.limit = *v;
    return true;
  }
  return false;
}

// An integer parameter of the given values, or an error naming it.
std::string enum_parameter(std::string_view key, const std::string& value, std::initializer_list<int> allowed,
                           std::optional<int>& out) {
  auto v = parse_integer<int>(value);
  if (!v || std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) return invalid_parameter(key);
  out = *v;
  return {};
}

template <typename Query, typename F>
parsed_query<Query> parse_with(std::string_view query, std::int64_t max_limit, F&& other) {
  Query q;
  std::string error = each_parameter(query, [&](const std::string& key, std::string value) {
    std::string e;
    if (page_parameter(q, key, value, max_limit, e)) return e;
    return other(q, key, std::move(value));
  });
  if (!error.empty()) return {std::nullopt, error};
  return {std::move(q), {}};
}

}  // namespace

parsed_query<list_query> parse_list_query(std::string_view query) {
  return parse_with<list_query>(
      query, api_query::max_limit,
      [](list_query& q, const std::string& key, std::string value) -> std::string {
        server_filter& f = q.filter;
        if (key == api_query::server_name) {
          f.server_name = std::move(value);
        } else if (key == api_query::server_id) {
          f.server_id = std::move(value);
        } else if (key == api_query::phone_model_name) {
          f.phone_model_name = std::move(value);
        } else if (key == api_query::network_version) {
          if (value != "v1" && value != "v2") return invalid_parameter(key);
          f.network_version = std::move(value);
        } else if (key == api_query::status) {
          return enum_parameter(key, value, {0, 1, 2, 3, 4, 5, 8, 10, 11, 12, 13}, f.status);
        } else if (key == api_query::create_since || key == api_query::create_until) {
          auto v = parse_integer<std::int64_t>(value);
          if (!v || *v < 0) return invalid_parameter(key);
          (key == api_query::create_since ? f.create_since_s : f.create_until_s) = *v;
        }
        return {};
      });
}

parsed_query<phone_list_query> parse_phone_query(std::string_view query) {
  return parse_with<phone_list_query>(
      query, api_query::max_phone_limit,
      [](phone_list_query& q, const std::string& key, std::string value) -> std::string {
        phone_filter& f = q.filter;
        if (key == api_query::server_id) {
          f.server_id = std::move(value);
        } else if (key == api_query::phone_name) {
          f.phone_name = std::move(value);
        } else if (key == api_query::status) {
          return enum_parameter(key, value, {1, 2, 3, 4, 6, 7, 8, -5, -6, -7, -8, -9}, f.status);
        } else if (key == api_query::type) {
          return enum_parameter(key, value, {0, 1}, f.type);
        }
        return {};
      });
}

parsed_query<catalog_query> parse_catalog_query(api_kind api, std::string_view query) {
  const bool paged = api == api_kind::phone_models || api == api_kind::bandwidths;
  return parse_with<catalog_query>(
      query, api_query::max_limit,
      [&](catalog_query& q, const std::string& key, std::string value) -> std::string {
        if ((key == api_query::offset || key == api_query::limit) && !paged) return {};
        if (api == api_kind::server_models && key == api_query::product_type)
          return enum_parameter(key, value, {0, 1}, q.product_type);
        if (api == api_kind::phone_models && key == api_query::status)
          return enum_parameter(key, value, {0, 1}, q.status);
        if (api == api_kind::phone_images && key == api_query::image_type) {
          if (value != "public" && value != "private" && value != "share" && value != "all")
            return invalid_parameter(key);
          q.image_type = std::move(value);
        }
        return {};
      });
}

routes::routes(const emulator_options& options)
    : options_(options),
      state_(state_options(options_)),
      billing_(builtin_prices(), options_.rate_limit, options_.pay_ms),
      faults_(checked_probabilities(options_.faults), parse_fault_script(options_.script), options_.seed),
      metadata_(options_.metadata_lifetime_s) {
  if (options_.pay_ms < 0) throw std::invalid_argument("--pay-ms: must be at least 0 ms");
  if (!(options_.rate_limit >= 0) || std::isinf(options_.rate_limit))
    throw std::invalid_argument("--rate-limit: must be a number of requests per second, at least 0");
  double now = steady_s();
  for (std::size_t i = 0; i < k_api_count; ++i)
    buckets_.emplace_back(options_.rate_limit, options_.rate_limit, now);
  forbidden_.assign(k_api_count, false);
  for (const auto& name : options_.forbidden_apis) {
    auto api = parse_api_name(name);
    if (!api)
      throw std::invalid_argument(fmt::format("--forbid: unknown API \"{}\" ({})", name, api_name_list()));
    forbidden_[static_cast<std::size_t>(*api)] = true;
  }
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
  // Payments that came due since the last request complete before anything is read: nobody could have
  // seen them earlier.
  settle_payments(wall_ms());
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
      const bool bss = !route && billing::serves(path);
      if (!route && !bss)
        return error_answer(http::status::not_found, rid, "APIGW.0101",
                            "The API does not exist or has not been published in the environment");
      ++stats_.api_calls[bss ? std::string("billing") : std::string(api_name(route->api))];
      if (auto why = auth_refusal(options_, req, path, query, wall_ms() / 1000, &metadata_))
        return error_answer(http::status::unauthorized, rid, "APIGW.0301",
                            fmt::format("Incorrect IAM authentication information: {}", *why));
      if (bss) {
        answer b = billing_.handle(req, path, query, options_.domain_id, rid, state_, faults_);
        if (b.act == answer_action::drop) ++stats_.faults;  // pay_drop, the only fault of billing
        // With --pay-ms 0 a payment just started is complete before its answer leaves.
        settle_payments(wall_ms());
        return b;
      }
      // The IAM policy is checked after the identity and before the throttle.
      if (forbidden_[static_cast<std::size_t>(route->api)])
        return error_answer(http::status::forbidden, rid, "CPS.0001",
                            fmt::format("Insufficient permissions: the policy does not allow {} "
                                        "(emulated refusal).",
                                        api_name(route->api)));
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
        case api_kind::list_phones:
          return list_phones(query, rid);
        case api_kind::show_phone:
          return show_phone(route->phone_id, rid);
        default:
          return catalog_answer(route->api, query, rid);
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

  const std::int64_t now_ms = wall_ms();
  const emulator_order& order = state_.commit(parsed.request, now_ms);
  billing_.record(order, parsed.request, now_ms);
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
  if (!q) return error_answer(http::status::bad_request, rid, "CPS.0002", q.error);
  server_page page = state_.list_servers(q->filter, q->offset, q->limit, wall_ms());
  json::array servers;
  servers.reserve(page.servers.size());
  for (const auto& s : page.servers) servers.emplace_back(to_json(s, server_form::list));
  return json_answer(http::status::ok, json::object{{api_key::request_id, rid},
                                                    {api_key::count, page.count},
                                                    {api_key::servers, std::move(servers)}});
}

answer routes::show_server(std::string_view server_id, const std::string& rid) {
  auto s = state_.find_server(server_id, wall_ms());
  if (!s) return error_answer(http::status::not_found, rid, "CPS.0016", "server_id is invalid.");
  json::object o = to_json(*s, server_form::detail);
  o[api_key::request_id] = rid;
  return json_answer(http::status::ok, o);
}

answer routes::list_phones(std::string_view query, const std::string& rid) {
  auto q = parse_phone_query(query);
  if (!q) return error_answer(http::status::bad_request, rid, "CPS.0002", q.error);
  phone_page page = state_.list_phones(q->filter, q->offset, q->limit, wall_ms());
  json::array phones;
  phones.reserve(page.phones.size());
  for (const auto& p : page.phones) phones.emplace_back(to_json(p, phone_form::list));
  return json_answer(http::status::ok, json::object{{api_key::request_id, rid},
                                                    {api_key::count, page.count},
                                                    {api_key::phones, std::move(phones)}});
}

answer routes::show_phone(std::string_view phone_id, const std::string& rid) {
  auto p = state_.find_phone(phone_id, wall_ms());
  if (!p) return error_answer(http::status::not_found, rid, "CPS.0017", "phone_id is invalid.");
  json::object o = to_json(*p, phone_form::detail);
  o[api_key::request_id] = rid;
  return json_answer(http::status::ok, o);
}

answer routes::catalog_answer(api_kind which, std::string_view query, const std::string& rid) {
  auto q = parse_catalog_query(which, query);
  if (!q) return error_answer(http::status::bad_request, rid, "CPS.0002", q.error);
  const catalog& c = state_.catalog_data();
  json::array items;
  // The paged catalogs answer [offset, offset + limit) of what matches.
  std::int64_t position = 0;
  auto add = [&](const auto& item, bool paged) {
    const std::int64_t at = position++;
    if (paged && (at < q->offset || at - q->offset >= q->limit)) return;
    items.emplace_back(to_json(item));
  };
  std::string_view key;
  switch (which) {
    case api_kind::server_models:
      key = api_key::server_models;
      for (const auto& m : c.server_models)
        if (!q->product_type || m.product_type.value_or(product_type::cloud_phone) == *q->product_type)
          add(m, false);
      break;
    case api_kind::phone_models:
      key = api_key::phone_models;
      for (const auto& m : c.phone_models)
        if (!q->status || m.status == *q->status) add(m, true);
      break;
    case api_kind::phone_images:
      key = api_key::phone_images;
      // The catalog holds public (1) and private (2) images; none is shared with this account.
      for (const auto& m : c.images) {
        const std::string& t = q->image_type;
        if (t.empty() || t == "all" || (t == "public" && m.is_public == 1) ||
            (t == "private" && m.is_public == 2))
          add(m, false);
      }
      break;
    default:
      key = api_key::band_widths;
      for (const auto& m : c.bandwidths) add(m, true);
      break;
  }
  json::object o{{api_key::request_id, rid}};
  o[key] = std::move(items);
  return json_answer(http::status::ok, o);
}

bool routes::pay(std::string_view order_id) {
  // A cancelled order is never paid, nor one whose payment (PayOrders) is under way.
  if (const billing_record* r = billing_.find(order_id);
      r && r->order.status != order_status::pending_payment)
    return false;
  auto before = state_.server_count();
  const std::int64_t now_ms = wall_ms();
  if (!state_.pay(order_id, now_ms)) return false;
  billing_.pay(order_id, now_ms);
  stats_.servers += state_.server_count() - before;
  return true;
}

void routes::settle_payments(std::int64_t now_ms) {
  for (const auto& [order_id, due_ms] : billing_.due_payments(now_ms)) {
    auto before = state_.server_count();
    // The servers date from the payment's end, as after the admin pay.
    state_.pay(order_id, due_ms);
    billing_.complete(order_id, due_ms);
    stats_.servers += state_.server_count() - before;
  }
}

void routes::reset() {
  state_.reset();
  billing_.reset();
  faults_.restart();
  emulator_stats kept;
  kept.connections = stats_.connections;
  kept.open_connections = stats_.open_connections;
  stats_ = kept;
  double now = steady_s();
  for (auto& b : buckets_) b = token_bucket(options_.rate_limit, options_.rate_limit, now);
}

}  // namespace cphfleet

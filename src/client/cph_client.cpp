#include "client/cph_client.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <limits>
#include <set>
#include <stdexcept>

#include "api/paths.hpp"
#include "api/signer.hpp"
#include "base/text.hpp"
#include "base/time_text.hpp"

namespace cphfleet {

namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

namespace {

// Whitespace collapsed, cut at a character boundary: an error page stays readable in one CSV cell.
std::string text_excerpt(std::string_view body, std::size_t limit) {
  std::string out;
  bool space = false;
  for (char ch : body) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
  }
  if (out.size() <= limit) return out;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  return out + "\xE2\x80\xA6";
}

std::string string_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  return {};
}

}  // namespace

// ---- paths ---------------------------------------------------------------------------------------

namespace cph_paths {
std::string purchase(std::string_view project_id) {
  return api_path::of(percent_encode(project_id), api_path::phones);
}
std::string purchase_v2(std::string_view project_id) {
  return api_path::of_version(api_path::version_v2, percent_encode(project_id), api_path::servers);
}
std::string servers(std::string_view project_id) {
  return api_path::of(percent_encode(project_id), api_path::servers);
}
std::string server(std::string_view project_id, std::string_view server_id) {
  return api_path::of(percent_encode(project_id), api_path::servers, percent_encode(server_id));
}
std::string phones(std::string_view project_id) {
  return api_path::of(percent_encode(project_id), api_path::phones);
}
std::string phone(std::string_view project_id, std::string_view phone_id) {
  return api_path::of(percent_encode(project_id), api_path::phones, percent_encode(phone_id));
}
std::string catalog(std::string_view project_id, catalog_kind kind) {
  std::string_view what;
  switch (kind) {
    case catalog_kind::server_models:
      what = api_path::server_models;
      break;
    case catalog_kind::phone_models:
      what = api_path::phone_models;
      break;
    case catalog_kind::images:
      what = api_path::phone_images;
      break;
    case catalog_kind::bandwidths:
      what = api_path::bandwidths;
      break;
  }
  return api_path::of(percent_encode(project_id), what);
}
}  // namespace cph_paths

// ---- answers -------------------------------------------------------------------------------------

error_answer read_error_answer(std::string_view body, std::string_view request_id_header) {
  error_answer e;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const json::object* o = &v.get_object();
    // Some gateways nest it: {"error": {"code": ..., "message": ...}}.
    if (auto it = o->find("error"); it != o->end() && it->value().is_object()) o = &it->value().get_object();
    // The SDK reads error_code/error_msg, then the gateway's errorCode/errorMsg, then code/message.
    for (std::string_view key :
         {api_key::error_code, std::string_view("errorCode"), std::string_view("code")})
      if (e.code.empty()) e.code = string_field(*o, key);
    for (std::string_view key :
         {api_key::error_msg, std::string_view("errorMsg"), std::string_view("message")})
      if (e.message.empty()) e.message = string_field(*o, key);
    e.request_id = string_field(v.get_object(), api_key::request_id);
    if (e.request_id.empty()) e.request_id = string_field(*o, api_key::request_id);
    if (e.code.empty() && e.message.empty()) e.message = text_excerpt(body, k_error_text_limit);
  } else {
    e.message = text_excerpt(body, k_error_text_limit);
  }
  if (e.request_id.empty()) e.request_id = std::string(request_id_header);
  return e;
}

purchase_response read_purchase_response(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    throw std::runtime_error("not a JSON object: " + text_excerpt(body, k_error_text_limit));
  }
  const auto& o = v.get_object();
  purchase_response r;
  r.request_id = string_field(o, api_key::request_id);
  r.order_id = string_field(o, api_key::order_id);
  r.product_id = string_field(o, api_key::product_id);
  if (r.order_id.empty())
    throw std::runtime_error("no order_id in " + text_excerpt(body, k_error_text_limit));
  // A 200 that also carries an error code is not a clean success: what was bought is for
  // reconciliation to find out.
  if (!string_field(o, api_key::error_code).empty())
    throw std::runtime_error("an error_code in a 200: " + text_excerpt(body, k_error_text_limit));
  if (auto it = o.find(api_key::server_ids); it != o.end() && it->value().is_array()) {
    for (const auto& id : it->value().get_array()) {
      if (id.is_string()) r.server_ids.emplace_back(id.get_string());
    }
  }
  return r;
}

// ---- the client ----------------------------------------------------------------------------------

struct cph_client::answer {
  call_report report;
  std::string request_id;  // the header's; callers prefer the body's
  std::string body;        // a 2xx answer's body
  bool ok() const { return !report.transport && report.http_status / 100 == 2; }
  // An answer that came but cannot be read counts as a read failure after the request was written.
  void unreadable(std::string_view what) {
    report.transport =
        transport_error{transport_step::read, fmt::format("read: unreadable answer: {}", what), true};
  }
};

std::int64_t cph_client::system_unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_credentials(http_request& request, std::string_view path, std::string_view query,
                     const credentials& creds, std::string_view host_header, std::int64_t now_s) {
  auto& headers = request.headers;
  if (creds.type == credentials::kind::aksk) {
    headers.emplace_back("X-Sdk-Date", sdk_date(now_s));
    if (!creds.security_token.empty()) headers.emplace_back("X-Security-Token", creds.security_token);
    // Host is signed with exactly the value https_client sends.
    auto signed_headers = headers;
    signed_headers.emplace_back("Host", std::string(host_header));
    signing_input in{std::string(http::to_string(request.method)), std::string(path), std::string(query),
                     std::move(signed_headers), request.body};
    headers.emplace_back("Authorization", authorization(creds.access_key, creds.secret_key, in));
  } else if (creds.type == credentials::kind::token) {
    headers.emplace_back("X-Auth-Token", creds.auth_token);
  }
}

cph_client::cph_client(https_client& http, credentials creds, unix_clock now)
    : http_(http), creds_(std::move(creds)), now_(std::move(now)) {}

net::awaitable<cph_client::answer> cph_client::call(http::verb method, std::string path, std::string query,
                                                    std::string body, clock_type::time_point deadline) {
  if (pacer_ && method == http::verb::get) co_await pacer_();
  if (hook_ && creds_.type == credentials::kind::aksk) {
    if (auto why = co_await hook_(creds_)) {
      answer refused;
      refused.report.transport = transport_error{transport_step::connect, std::move(*why), false};
      co_return refused;
    }
  }
  http_request request;
  request.method = method;
  request.target = query.empty() ? path : path + "?" + query;
  auto& headers = request.headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("X-Project-Id", creds_.project_id);
  request.body = std::move(body);
  add_credentials(request, path, query, creds_, http_.target().host_header(), now_());

  http_result result = co_await http_.send(std::move(request), deadline);
  answer a;
  if (result.error) {
    a.report.transport = std::move(result.error);
    co_return a;
  }
  auto& response = *result.response;
  a.report.http_status = static_cast<int>(response.status);
  a.report.retry_after_s = response.retry_after_s;
  a.request_id = response.request_id;
  if (a.ok()) {
    a.body = std::move(response.body);
  } else {
    auto e = read_error_answer(response.body, response.request_id);
    a.report.error_code = std::move(e.code);
    a.report.error_msg = std::move(e.message);
    a.request_id = std::move(e.request_id);
  }
  co_return a;
}

net::awaitable<purchase_call> cph_client::purchase(purchase_api api, std::string body,
                                                   clock_type::time_point deadline) {
  std::string path = api == purchase_api::v2 ? cph_paths::purchase_v2(creds_.project_id)
                                             : cph_paths::purchase(creds_.project_id);
  answer a = co_await call(http::verb::post, std::move(path), "", std::move(body), deadline);
  purchase_call out;
  out.request_id = a.request_id;
  if (a.ok()) {
    try {
      out.response = read_purchase_response(a.body);
      if (!out.response.request_id.empty()) out.request_id = out.response.request_id;
    } catch (const std::exception& e) {
      a.unreadable(e.what());
    }
  }
  out.report = std::move(a.report);
  co_return out;
}

std::string query_text(const server_query& sq, std::int64_t offset, std::int64_t limit) {
  std::string q = fmt::format("{}={}&{}={}", api_query::limit, limit, api_query::offset, offset);
  auto add = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) q += fmt::format("&{}={}", key, percent_encode(value));
  };
  add(api_query::server_name, sq.server_name);
  add(api_query::server_id, sq.server_id);
  add(api_query::phone_model_name, sq.phone_model_name);
  add(api_query::network_version, sq.network_version);
  if (sq.status) q += fmt::format("&{}={}", api_query::status, *sq.status);
  if (sq.create_since_s) q += fmt::format("&{}={}", api_query::create_since, *sq.create_since_s);
  if (sq.create_until_s) q += fmt::format("&{}={}", api_query::create_until, *sq.create_until_s);
  return q;
}

std::string query_text(const phone_query& pq, std::int64_t offset, std::int64_t limit) {
  std::string q = fmt::format("{}={}&{}={}", api_query::limit, limit, api_query::offset, offset);
  if (!pq.server_id.empty()) q += fmt::format("&{}={}", api_query::server_id, percent_encode(pq.server_id));
  if (!pq.phone_name.empty())
    q += fmt::format("&{}={}", api_query::phone_name, percent_encode(pq.phone_name));
  if (pq.status) q += fmt::format("&{}={}", api_query::status, *pq.status);
  if (pq.type) q += fmt::format("&{}={}", api_query::type, *pq.type);
  return q;
}

template <typename Item, typename Read>
net::awaitable<cph_client::page<Item>> cph_client::read_page(std::string_view api, std::string path,
                                                             std::string query, Read read,
                                                             clock_type::time_point deadline) {
  answer a = co_await call(http::verb::get, std::move(path), std::move(query), "", deadline);
  page<Item> out;
  out.request_id = a.request_id;
  if (a.ok()) {
    try {
      out.answer = read(json::parse(a.body));
      if (!out.answer.request_id.empty()) out.request_id = out.answer.request_id;
    } catch (const std::exception& e) {
      a.unreadable(fmt::format("{}: {}", api, e.what()));
      out.answer = {};
    }
  }
  out.report = std::move(a.report);
  co_return out;
}

template <typename Item, typename Read, typename Key>
net::awaitable<cph_client::paged<Item>> cph_client::read_pages(std::string_view api, std::string path,
                                                               std::function<std::string(std::int64_t)> query,
                                                               std::int64_t page_size, Read read, Key key,
                                                               clock_type::time_point deadline) {
  paged<Item> out;
  std::set<std::string, std::less<>> seen;
  for (std::int64_t offset = 0;;) {
    page<Item> p = co_await read_page<Item>(api, path, query(offset), read, deadline);
    const bool ok = p.ok();
    out.request_id = std::move(p.request_id);
    out.report = std::move(p.report);
    if (!ok) {
      out.items.clear();  // a partial list would read as "these are all"
      co_return out;
    }
    const std::optional<std::int64_t> total = p.answer.count;
    const std::size_t page_count = p.answer.items.size();
    for (auto& item : p.answer.items) {
      // Items listed twice (pages shift while new ones are created) are kept once.
      const std::string& k = key(item);
      if (k.empty() || seen.insert(k).second) out.items.push_back(std::move(item));
    }
    offset += static_cast<std::int64_t>(page_count);
    if (page_count < static_cast<std::size_t>(page_size) || (total && offset >= *total)) co_return out;
  }
}

net::awaitable<list_call> cph_client::list_servers(server_query q, clock_type::time_point deadline) {
  constexpr std::int64_t page_size = api_query::max_limit;
  auto pages = co_await read_pages<server_info>(
      "ListCloudPhoneServers", cph_paths::servers(creds_.project_id),
      [&](std::int64_t offset) { return query_text(q, offset, page_size); }, page_size, read_server_list,
      [](const server_info& s) -> const std::string& { return s.server_id; }, deadline);
  list_call out;
  out.report = std::move(pages.report);
  out.servers = std::move(pages.items);
  co_return out;
}

net::awaitable<server_page_call> cph_client::list_servers_page(server_query q, std::int64_t offset,
                                                               std::int64_t limit,
                                                               clock_type::time_point deadline) {
  auto p = co_await read_page<server_info>("ListCloudPhoneServers", cph_paths::servers(creds_.project_id),
                                           query_text(q, offset, limit), read_server_list, deadline);
  server_page_call out;
  out.report = std::move(p.report);
  out.request_id = std::move(p.request_id);
  out.count = p.answer.count;
  out.servers = std::move(p.answer.items);
  co_return out;
}

net::awaitable<phone_list_call> cph_client::list_phones(phone_query q, clock_type::time_point deadline) {
  constexpr std::int64_t page_size = api_query::max_phone_limit;
  auto pages = co_await read_pages<phone_info>(
      "ListCloudPhones", cph_paths::phones(creds_.project_id),
      [&](std::int64_t offset) { return query_text(q, offset, page_size); }, page_size, read_phone_list,
      [](const phone_info& p) -> const std::string& { return p.phone_id; }, deadline);
  phone_list_call out;
  out.report = std::move(pages.report);
  out.request_id = std::move(pages.request_id);
  out.phones = std::move(pages.items);
  co_return out;
}

net::awaitable<show_call> cph_client::show_server(std::string server_id, clock_type::time_point deadline) {
  answer a =
      co_await call(http::verb::get, cph_paths::server(creds_.project_id, server_id), "", "", deadline);
  show_call out;
  out.request_id = a.request_id;
  if (a.ok()) {
    try {
      json::value v = json::parse(a.body);
      // The service answers the flat object; tolerate one wrapped in {"server": ...}.
      if (v.is_object() && v.as_object().contains("server")) v = v.as_object().at("server");
      out.server = server_from_json(v);
      if (v.is_object())
        if (auto* rid = v.as_object().if_contains(api_key::request_id); rid && rid->is_string())
          out.request_id = std::string(rid->get_string());
    } catch (const std::exception& e) {
      a.unreadable(fmt::format("ShowCloudPhoneServerDetail: {}", e.what()));
    }
  }
  out.report = std::move(a.report);
  co_return out;
}

net::awaitable<phone_call> cph_client::show_phone(std::string phone_id, clock_type::time_point deadline) {
  answer a = co_await call(http::verb::get, cph_paths::phone(creds_.project_id, phone_id), "", "", deadline);
  phone_call out;
  out.request_id = a.request_id;
  if (a.ok()) {
    try {
      json::value v = json::parse(a.body);
      out.phone = phone_from_json(v);
      if (auto* rid = v.as_object().if_contains(api_key::request_id); rid && rid->is_string())
        out.request_id = std::string(rid->get_string());
    } catch (const std::exception& e) {
      a.unreadable(fmt::format("ShowCloudPhoneDetail: {}", e.what()));
    }
  }
  out.report = std::move(a.report);
  co_return out;
}

std::string_view catalog_api_name(catalog_kind kind) {
  switch (kind) {
    case catalog_kind::server_models:
      return "ListCloudPhoneServerModels";
    case catalog_kind::phone_models:
      return "ListCloudPhoneModels";
    case catalog_kind::images:
      return "ListCloudPhoneImages";
    case catalog_kind::bandwidths:
      return "ShowBandwidthDetail";
  }
  return "ListCloudPhoneServerModels";
}

net::awaitable<catalog_call> cph_client::read_catalog(catalog_kind kind, clock_type::time_point deadline) {
  const std::string path = cph_paths::catalog(creds_.project_id, kind);
  const std::string_view api = catalog_api_name(kind);
  // Phone models and bandwidths come in pages (limit 1..100); the other two in one answer.
  constexpr std::int64_t page_size = api_query::max_limit;
  auto paged_query = [](std::int64_t offset) {
    return fmt::format("{}={}&{}={}", api_query::limit, api_query::max_limit, api_query::offset, offset);
  };
  auto one_answer = [](std::int64_t) { return std::string(); };  // a page size no answer reaches
  auto no_key = [](const auto&) -> const std::string& {
    static const std::string none;
    return none;
  };
  catalog_call out;
  auto take = [&](auto pages, auto& into) {
    out.report = std::move(pages.report);
    out.request_id = std::move(pages.request_id);
    into = std::move(pages.items);
  };
  switch (kind) {
    case catalog_kind::server_models:
      take(co_await read_pages<server_model>(api, path, one_answer, std::numeric_limits<std::int64_t>::max(),
                                             read_server_models, no_key, deadline),
           out.items.server_models);
      break;
    case catalog_kind::phone_models:
      take(co_await read_pages<phone_model>(api, path, paged_query, page_size, read_phone_models, no_key,
                                            deadline),
           out.items.phone_models);
      break;
    case catalog_kind::images:
      take(co_await read_pages<phone_image>(api, path, one_answer, std::numeric_limits<std::int64_t>::max(),
                                            read_phone_images, no_key, deadline),
           out.items.images);
      break;
    case catalog_kind::bandwidths:
      take(co_await read_pages<bandwidth_info>(api, path, paged_query, page_size, read_bandwidths, no_key,
                                               deadline),
           out.items.bandwidths);
      break;
  }
  co_return out;
}

net::awaitable<catalog_call> cph_client::read_catalog(clock_type::time_point deadline) {
  catalog_call all;
  for (auto kind : {catalog_kind::server_models, catalog_kind::phone_models, catalog_kind::images,
                    catalog_kind::bandwidths}) {
    catalog_call part = co_await read_catalog(kind, deadline);
    all.report = std::move(part.report);
    all.request_id = std::move(part.request_id);
    if (all.report.transport || all.report.http_status / 100 != 2) co_return all;
    auto append = [](auto& to, auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(all.items.server_models, part.items.server_models);
    append(all.items.phone_models, part.items.phone_models);
    append(all.items.images, part.items.images);
    append(all.items.bandwidths, part.items.bandwidths);
  }
  co_return all;
}

}  // namespace cphfleet

#include "client/ecs_metadata.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <stdexcept>

#include "api/paths.hpp"
#include "base/log.hpp"
#include "base/text.hpp"
#include "base/time_text.hpp"
#include "base/toml_reader.hpp"

namespace cphfleet {
namespace {

namespace json = boost::json;

// The SDK asks for a session token valid 6 h and tries again for one at most once a day when the
// service has none to give.
constexpr std::string_view token_ttl_s = "21600";
// The text of the 401 the service answers when the ECS has no agency: asking for a token again
// would not help.
constexpr std::string_view no_agency_text = "Please configure Cloud Service Agency first";

endpoint metadata_endpoint(const std::string& base_url) {
  auto url = boost::urls::parse_absolute_uri(base_url);
  if (!url || to_lower(url->scheme()) != "http" || url->host().empty())
    throw std::invalid_argument(fmt::format("metadata URL {} is not http://host[:port]", base_url));
  endpoint e;
  e.tls = false;
  e.host = std::string(url->host_address());  // IPv6 without brackets
  e.port = url->has_port() ? std::string(url->port()) : std::string("80");
  return e;
}

std::string string_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

std::string short_text(std::string_view body) {
  std::string s(trim(body.substr(0, 200)));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s;
}

}  // namespace

ecs_credential parse_ecs_credential(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) throw std::runtime_error("not a JSON object");
  const json::object* o = &v.get_object();
  if (auto it = o->find("credential"); it != o->end() && it->value().is_object()) {
    o = &it->value().get_object();
  } else {
    throw std::runtime_error("no \"credential\" object");
  }
  ecs_credential c;
  c.access = string_of(*o, "access");
  c.secret = string_of(*o, "secret");
  c.security_token = string_of(*o, "securitytoken");
  const std::string expires = string_of(*o, "expires_at");
  std::vector<std::string_view> missing;
  if (c.access.empty()) missing.push_back("access");
  if (c.secret.empty()) missing.push_back("secret");
  if (c.security_token.empty()) missing.push_back("securitytoken");
  if (expires.empty()) missing.push_back("expires_at");
  if (!missing.empty()) {
    throw std::runtime_error(fmt::format("credential.{} is missing", fmt::join(missing, ", credential.")));
  }
  auto t = parse_utc_rfc3339(expires);
  if (!t)
    throw std::runtime_error(fmt::format("credential.expires_at {} is not an RFC 3339 time", quote(expires)));
  c.expires_at_s = std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
  return c;
}

void apply(credentials& c, const ecs_credential& e) {
  c.type = credentials::kind::aksk;
  c.source = credential_source::ecs_metadata;
  c.access_key = e.access;
  c.secret_key = e.secret;
  c.security_token = e.security_token;
  c.expires_at_s = e.expires_at_s;
}

// ---- the client ----------------------------------------------------------------------------------

ecs_metadata_client::ecs_metadata_client(net::any_io_executor executor, const std::string& base_url,
                                         std::chrono::milliseconds timeout)
    : base_url_(base_url), timeout_(timeout), http_(executor, metadata_endpoint(base_url), [&] {
        https_client_options o;  // no proxy: the metadata address is on the ECS's own link
        o.connect_timeout = timeout;
        o.max_idle = 1;
        return o;
      }()) {}

void ecs_metadata_client::fail(std::string_view what) const {
  throw std::runtime_error(fmt::format("ECS metadata {}: {}", base_url_, what));
}

net::awaitable<http_result> ecs_metadata_client::get(
    http::verb method, std::string_view path, std::vector<std::pair<std::string, std::string>> headers) {
  http_request request;
  request.method = method;
  request.target = std::string(path);
  request.headers = std::move(headers);
  http_result r = co_await http_.send(std::move(request), std::chrono::steady_clock::now() + timeout_);
  if (r.error) fail(r.error->message);
  co_return r;
}

// Where the service hands out session tokens it wants them sent; where it has none (404, 405, 503) the
// keys are read without one, as the SDK does. `must`: a 401 asked for one, so not having it fails.
net::awaitable<void> ecs_metadata_client::update_token(bool must) {
  token_tried_ = true;
  std::vector<std::pair<std::string, std::string>> headers;
  headers.emplace_back("X-Metadata-Token-Ttl-Seconds", token_ttl_s);
  http_result r = co_await get(http::verb::put, ecs_metadata_path::token, std::move(headers));
  const unsigned status = r.response->status;
  if (status == 200) {
    token_ = std::string(trim(r.response->body));
  } else if (!must && (status == 404 || status == 405 || status == 503)) {
    token_.clear();
  } else {
    fail(fmt::format("the session token request answered HTTP {} {}", status, short_text(r.response->body)));
  }
}

net::awaitable<ecs_credential> ecs_metadata_client::fetch() {
  ++fetches_;
  if (token_.empty() && !token_tried_) co_await update_token(false);
  auto with_token = [&] {
    std::vector<std::pair<std::string, std::string>> h;
    if (!token_.empty()) h.emplace_back("X-Metadata-Token", token_);
    return h;
  };
  http_result r = co_await get(http::verb::get, ecs_metadata_path::securitykey, with_token());
  if (r.response->status == 401 && r.response->body.find(no_agency_text) == std::string::npos) {
    co_await update_token(true);
    r = co_await get(http::verb::get, ecs_metadata_path::securitykey, with_token());
  }
  const unsigned status = r.response->status;
  if (status != 200) {
    fail(fmt::format("{} answered HTTP {} {}", ecs_metadata_path::securitykey, status,
                     short_text(r.response->body)));
  }
  try {
    co_return parse_ecs_credential(r.response->body);
  } catch (const std::runtime_error& e) {
    fail(fmt::format("{}: unreadable answer: {}", ecs_metadata_path::securitykey, e.what()));
  }
}

ecs_credential fetch_ecs_credential(const std::string& base_url, std::chrono::milliseconds timeout) {
  net::io_context ioc(1);
  ecs_metadata_client client(ioc.get_executor(), base_url, timeout);
  std::optional<ecs_credential> got;
  std::exception_ptr failure;
  net::co_spawn(ioc, client.fetch(), [&](std::exception_ptr e, ecs_credential c) {
    failure = e;
    if (!e) got = std::move(c);
  });
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*got);
}

// ---- the refresher -------------------------------------------------------------------------------

ecs_credential_refresher::ecs_credential_refresher(net::any_io_executor executor, const std::string& base_url,
                                                   unix_clock now)
    : client_(executor, base_url),
      now_(std::move(now)),
      done_(executor, std::chrono::steady_clock::time_point::max()) {}

net::awaitable<std::optional<std::string>> ecs_credential_refresher::refresh(credentials& c) {
  auto fresh = [&] { return !c.access_key.empty() && c.expires_at_s - now_() > ecs_refresh_margin_s; };
  auto usable = [&] { return !c.access_key.empty() && c.expires_at_s > now_(); };
  if (fresh()) co_return std::nullopt;
  if (fetching_) {
    // Another request is fetching: take what it gets rather than asking the service again.
    const std::uint64_t before = generation_;
    while (fetching_) co_await done_.async_wait(net::as_tuple(net::use_awaitable));
    if (generation_ != before) {
      if (usable()) co_return std::nullopt;
      co_return last_error_;
    }
  }
  fetching_ = true;
  std::optional<std::string> failure;
  try {
    ecs_credential got = co_await client_.fetch();
    if (got.expires_at_s <= now_()) {
      failure = fmt::format("ECS metadata {}: the keys it gave expired at {}", client_.base_url(),
                            rfc3339_s(got.expires_at_s * 1000));
    } else {
      apply(c, got);
    }
  } catch (const std::runtime_error& e) {
    failure = e.what();
  }
  fetching_ = false;
  ++generation_;
  last_error_ = failure.value_or("");
  done_.cancel();  // wakes every request waiting above
  if (!failure) co_return std::nullopt;
  if (usable()) {
    log_warn("{}; the keys held are kept until they expire at {}", *failure,
             rfc3339_s(c.expires_at_s * 1000));
    co_return std::nullopt;
  }
  co_return failure;
}

}  // namespace cphfleet

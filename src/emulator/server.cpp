#include "emulator/server.hpp"

#include "api/catalog_rules.hpp"
#include "api/purchase_body.hpp"
#include "api/reads.hpp"
#include "emulator/faults.hpp"
#include "emulator/state.hpp"
#include "base/log.hpp"
#include "api/signer.hpp"
#include "base/token_bucket.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <stdexcept>
#include <unordered_map>

namespace cphfleet {
namespace json = boost::json;

namespace {

constexpr std::size_t k_body_limit = 12 * 1024 * 1024;  // the gateway's request size limit
constexpr auto k_idle_timeout = std::chrono::seconds(60);
constexpr auto k_io_timeout = std::chrono::seconds(30);
constexpr auto k_handshake_timeout = std::chrono::seconds(10);
constexpr std::int64_t k_max_skew_s = 15 * 60;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

double steady_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// The APIs that are throttled separately, as the gateway does.
enum class api { purchase, list_servers, show_server, server_models, phone_models, phone_images, bandwidths };
constexpr std::size_t k_api_count = 7;

// What the session does with an answer.
enum class action {
  reply,        // write it, keep the connection if the client wants
  reply_close,  // write it, then close (the request could not be read to its end)
  drop,         // close without writing
  slow,         // write it only after slow_commit_ms, unless the client leaves first
};

struct answer {
  http::status status = http::status::ok;
  std::string body;
  std::string_view content_type = "application/json;charset=UTF-8";
  action act = action::reply;
  bool api_call = false;  // latency applies to API answers, not to the admin endpoints
};

answer json_answer(http::status status, const json::value& v) {
  answer a;
  a.status = status;
  a.body = json::serialize(v);
  return a;
}

answer error_answer(http::status status, std::string_view request_id, std::string_view code,
                    std::string_view msg) {
  return json_answer(status,
                     json::object{{"request_id", request_id}, {"error_code", code}, {"error_msg", msg}});
}

constexpr std::string_view k_bad_gateway_page =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

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

// `YYYYMMDDTHHMMSSZ` to Unix seconds.
std::optional<std::int64_t> parse_sdk_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

tcp::endpoint parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument(fmt::format("--listen \"{}\": expected HOST:PORT, like 127.0.0.1:0", listen));
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  auto port = parse_int(std::string_view(listen).substr(colon + 1));
  if (!port || *port < 0 || *port > 65535)
    throw std::invalid_argument(fmt::format("--listen \"{}\": port must be 0..65535", listen));
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec)
    throw std::invalid_argument(fmt::format("--listen \"{}\": \"{}\" is not an IP address", listen, host));
  return {address, static_cast<unsigned short>(*port)};
}

std::string throttle_message(double limit) {
  return fmt::format(
      "The throttling threshold has been reached: policy user over ratelimit,limit:{},time:1 second", limit);
}

}  // namespace

class emulator::impl : public std::enable_shared_from_this<impl> {
 public:
  impl(net::io_context& ioc, emulator_options options);

  tcp::endpoint start();
  void stop();
  std::string url() const { return url_; }
  const emulator_stats& stats() const { return stats_; }
  net::io_context& context() { return ioc_; }

 private:
  using request = http::request<http::string_body>;

  struct registration {
    impl& owner;
    std::uint64_t id;
    registration(impl& o, std::function<void()> closer) : owner(o), id(++o.next_session_) {
      owner.sessions_.emplace(id, std::move(closer));
    }
    ~registration() { owner.sessions_.erase(id); }
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;
  };

  static net::awaitable<void> accept_loop(std::shared_ptr<impl> self);
  static net::awaitable<void> run_session(std::shared_ptr<impl> self, tcp::socket socket);
  template <class Stream>
  net::awaitable<bool> serve(Stream& stream, net::steady_timer& timer);
  template <class Stream>
  net::awaitable<bool> wait_slow(Stream& stream, net::steady_timer& timer);

  std::string new_request_id();
  answer handle(const request& req, const std::string& rid);
  answer handle_admin(const request& req, std::string_view path, const std::string& rid);
  std::optional<answer> check_auth(const request& req, std::string_view path, std::string_view query,
                                   const std::string& rid);
  answer purchase(const request& req, std::string_view project_id, const std::string& rid);
  answer list_servers(std::string_view query, const std::string& rid);
  answer show_server(std::string_view server_id, const std::string& rid);
  answer catalog_answer(api which, const std::string& rid);
  void count(const answer& a);
  void reset();

  net::io_context& ioc_;
  emulator_options options_;
  std::optional<ssl::context> ssl_;
  tcp::endpoint listen_;
  tcp::acceptor acceptor_;
  std::string url_;
  emulator_state state_;
  fault_plan faults_;
  std::vector<token_bucket> buckets_;
  emulator_stats stats_;
  std::mt19937_64 request_ids_{std::random_device{}()};
  bool started_ = false;
  bool stopped_ = false;
  std::uint64_t next_session_ = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> sessions_;
};

emulator::impl::impl(net::io_context& ioc, emulator_options options)
    : ioc_(ioc),
      options_(std::move(options)),
      listen_(parse_listen(options_.listen)),
      acceptor_(ioc),
      state_([&] {
        emulator_state_options s;
        if (!options_.catalog_file.empty()) {
          try {
            s.cat = load_catalog_file(options_.catalog_file);
          } catch (const std::exception& e) {
            throw std::invalid_argument(fmt::format("--catalog: {}", e.what()));
          }
        }
        if (options_.settle_ms < 0) throw std::invalid_argument("--settle: must be at least 0 ms");
        if (options_.boot_ms < 0) throw std::invalid_argument("boot time must be at least 0 ms");
        s.settle_ms = options_.settle_ms;
        s.boot_ms = options_.boot_ms;
        return s;
      }()),
      faults_(checked_probabilities(options_.faults), parse_fault_script(options_.script), options_.seed) {
  if (options_.latency_ms < 0) throw std::invalid_argument("--latency: must be at least 0 ms");
  if (options_.slow_commit_ms < 0) throw std::invalid_argument("slow commit delay must be at least 0 ms");
  if (!(options_.rate_limit >= 0) || std::isinf(options_.rate_limit))
    throw std::invalid_argument("--rate-limit: must be a number of requests per second, at least 0");
  if (options_.ak.empty() != options_.sk.empty())
    throw std::invalid_argument("--ak and --sk go together: give both or neither");
  if (!options_.ak.empty() && !options_.token.empty())
    throw std::invalid_argument(
        "--ak/--sk and --token exclude each other: the emulator checks one kind of auth");
  if (options_.tls_cert.empty() != options_.tls_key.empty())
    throw std::invalid_argument("--tls-cert and --tls-key go together: give both or neither");
  if (!options_.tls_cert.empty()) {
    ssl_.emplace(ssl::context::tls_server);
    ssl_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    ssl_->use_certificate_chain_file(options_.tls_cert, ec);
    if (ec)
      throw std::invalid_argument(fmt::format("--tls-cert \"{}\": {}", options_.tls_cert, ec.message()));
    ssl_->use_private_key_file(options_.tls_key, ssl::context::pem, ec);
    if (ec) throw std::invalid_argument(fmt::format("--tls-key \"{}\": {}", options_.tls_key, ec.message()));
  }
  double now = steady_s();
  for (std::size_t i = 0; i < k_api_count; ++i)
    buckets_.emplace_back(options_.rate_limit, options_.rate_limit, now);
}

tcp::endpoint emulator::impl::start() {
  if (started_) return acceptor_.local_endpoint();
  auto fail = [&](std::string_view step, const boost::system::error_code& ec) {
    throw std::runtime_error(fmt::format("--listen {}: {}: {}", options_.listen, step, ec.message()));
  };
  boost::system::error_code ec;
  acceptor_.open(listen_.protocol(), ec);
  if (ec) fail("open", ec);
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  acceptor_.bind(listen_, ec);
  if (ec) fail("bind", ec);
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("listen", ec);
  started_ = true;
  tcp::endpoint bound = acceptor_.local_endpoint();
  std::string host = bound.address().is_unspecified()
                         ? (bound.address().is_v6() ? std::string("[::1]") : std::string("127.0.0.1"))
                     : bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                               : bound.address().to_string();
  url_ = fmt::format("{}://{}:{}", ssl_ ? "https" : "http", host, bound.port());
  net::co_spawn(ioc_, accept_loop(shared_from_this()), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log_error("emulator: accept loop ended: {}", ex.what());
    }
  });
  return bound;
}

void emulator::impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;  // closing a closed or never-opened acceptor is fine
  acceptor_.close(ignored);
  // Closers post completions; none unregisters during this loop, but copy anyway: cheap and safe.
  auto closers = sessions_;
  for (auto& [id, close] : closers) close();
}

net::awaitable<void> emulator::impl::accept_loop(std::shared_ptr<impl> self) {
  for (;;) {
    auto [ec, socket] = co_await self->acceptor_.async_accept(use_tuple);
    if (self->stopped_) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      // Out of descriptors or a connection reset while queued: keep serving the others.
      log_warn("emulator: accept: {}", ec.message());
      net::steady_timer pause(self->ioc_, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    boost::system::error_code ignored;  // a socket option failing only costs latency
    socket.set_option(tcp::no_delay(true), ignored);
    ++self->stats_.connections;
    net::co_spawn(self->ioc_, run_session(self, std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log_debug("emulator: session ended: {}", ex.what());
      }
    });
  }
}

net::awaitable<void> emulator::impl::run_session(std::shared_ptr<impl> self, tcp::socket socket) {
  net::steady_timer timer(self->ioc_);
  if (self->ssl_) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *self->ssl_);
    registration reg(*self, [&] {
      beast::get_lowest_layer(stream).close();
      timer.cancel();
    });
    if (self->stopped_) co_return;
    beast::get_lowest_layer(stream).expires_after(k_handshake_timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (ec) co_return;  // a client that does not trust us, or not TLS at all
    if (!co_await self->serve(stream, timer)) co_return;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    // The peer usually closes without its own close_notify: stream_truncated here is expected.
    co_await stream.async_shutdown(use_tuple);
  } else {
    beast::tcp_stream stream(std::move(socket));
    registration reg(*self, [&] {
      stream.close();
      timer.cancel();
    });
    if (self->stopped_) co_return;
    if (!co_await self->serve(stream, timer)) co_return;
    boost::system::error_code ignored;  // the peer may be gone already
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    // Read what the client still sends (the rest of a refused 13 MB body) until it closes: closing
    // with unread bytes would reset the connection and could destroy the answer before it is read.
    stream.expires_after(std::chrono::seconds(5));
    std::array<char, 16384> sink{};
    for (;;) {
      auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
      if (ec) break;
    }
  }
}

// Serves requests until the connection ends. True when it ended with an answer written and a
// graceful close is due; false when the socket is already closed or must simply be dropped.
template <class Stream>
net::awaitable<bool> emulator::impl::serve(Stream& stream, net::steady_timer& timer) {
  beast::flat_buffer buffer;
  auto& lowest = beast::get_lowest_layer(stream);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(k_body_limit);
    lowest.expires_after(k_idle_timeout);
    auto [ec, read] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    if (!ec && !parser.is_done()) {
      lowest.expires_after(k_io_timeout);
      // curl and others wait for this before sending a large body.
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
        std::tie(ec, read) = co_await http::async_write(stream, go_on, use_tuple);
      }
      if (!ec) std::tie(ec, read) = co_await http::async_read(stream, buffer, parser, use_tuple);
    }
    if (stopped_) co_return false;
    std::string rid = new_request_id();
    answer a;
    unsigned version = 11;
    bool keep_alive = false;
    if (ec == http::error::end_of_stream) co_return true;
    if (ec == http::error::partial_message) co_return false;  // the client left halfway through
    if (ec == http::error::body_limit) {
      ++stats_.requests;
      a = error_answer(http::status::payload_too_large, rid, "APIGW.0201",
                       fmt::format("Request entity too large: the body exceeds {} bytes", k_body_limit));
      a.act = action::reply_close;
    } else if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
      ++stats_.requests;
      a = error_answer(http::status::bad_request, rid, "APIGW.0201",
                       fmt::format("Bad request: {}", ec.message()));
      a.act = action::reply_close;
    } else if (ec) {
      co_return false;  // reset, timeout, or a client that left
    } else {
      ++stats_.requests;
      const request& req = parser.get();
      version = req.version();
      keep_alive = req.keep_alive();
      a = handle(req, rid);
    }
    count(a);

    if (a.api_call && options_.latency_ms > 0) {
      timer.expires_after(std::chrono::milliseconds(options_.latency_ms));
      co_await timer.async_wait(use_tuple);
      if (stopped_) co_return false;
    }
    if (a.act == action::drop) {
      lowest.close();
      co_return false;
    }
    if (a.act == action::slow) {
      if (!co_await wait_slow(stream, timer)) co_return false;
      keep_alive = false;  // the watch read may have taken bytes of a next request
    }

    http::response<http::string_body> res{a.status, version};
    res.set(http::field::content_type, a.content_type);
    res.set("X-Request-Id", rid);
    res.keep_alive(keep_alive && a.act == action::reply);
    res.body() = std::move(a.body);
    res.prepare_payload();
    lowest.expires_after(k_io_timeout);
    auto [wec, written] = co_await http::async_write(stream, res, use_tuple);
    if (wec || stopped_) co_return false;
    if (!res.keep_alive()) co_return true;
  }
}

// Holds a slow_commit answer back: true when the delay passed with the client still there, false
// when the client left (or the emulator stopped) first.
template <class Stream>
net::awaitable<bool> emulator::impl::wait_slow(Stream& stream, net::steady_timer& timer) {
  using namespace net::experimental::awaitable_operators;
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_never();
  bool delay_passed = false;
  auto wait = [&]() -> net::awaitable<void> {
    timer.expires_after(std::chrono::milliseconds(options_.slow_commit_ms));
    auto [ec] = co_await timer.async_wait(use_tuple);
    if (!ec && !stopped_) {
      delay_passed = true;
      lowest.socket().cancel();  // ends the watch below even if the stream ignores cancellation
    }
  };
  auto watch = [&]() -> net::awaitable<void> {
    char byte = 0;
    co_await stream.async_read_some(net::buffer(&byte, 1), use_tuple);
  };
  co_await (wait() || watch());
  co_return delay_passed && !stopped_ && lowest.socket().is_open();
}

std::string emulator::impl::new_request_id() {
  return fmt::format("{:016x}{:016x}", request_ids_(), request_ids_());
}

void emulator::impl::count(const answer& a) {
  auto s = static_cast<unsigned>(a.status);
  if (s == 429) {
    ++stats_.throttled;
  } else if (s == 401) {
    ++stats_.auth_failures;
  } else if (s >= 400 && s < 500) {
    ++stats_.rejected;
  }
}

answer emulator::impl::handle(const request& req, const std::string& rid) {
  std::string_view target = req.target();
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  std::string_view query = qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);
  if (path.starts_with("/_emulator/")) return handle_admin(req, path, rid);

  auto not_found = [&] {
    answer a = error_answer(http::status::not_found, rid, "APIGW.0101",
                            "The API does not exist or has not been published in the environment");
    a.api_call = true;
    return a;
  };
  // /v1/{project_id}/cloud-phone/{what}[/{id}]
  auto parts = split(path, '/');
  if (parts.size() < 5 || parts.size() > 6 || !parts[0].empty() || parts[1] != "v1" || parts[2].empty() ||
      parts[3] != "cloud-phone" || parts[4].empty())
    return not_found();
  std::string_view what = parts[4];
  const auto method = req.method();
  api which;
  std::string_view server_id;
  if (parts.size() == 6) {
    if (what != "servers" || parts[5].empty() || method != http::verb::get) return not_found();
    which = api::show_server;
    server_id = parts[5];
  } else if (what == "phones" && method == http::verb::post) {
    which = api::purchase;
  } else if (method != http::verb::get) {
    return not_found();
  } else if (what == "servers") {
    which = api::list_servers;
  } else if (what == "server-models") {
    which = api::server_models;
  } else if (what == "phone-models") {
    which = api::phone_models;
  } else if (what == "phone-images") {
    which = api::phone_images;
  } else if (what == "bandwidths") {
    which = api::bandwidths;
  } else {
    return not_found();
  }

  auto finish = [](answer a) {
    a.api_call = true;
    return a;
  };
  if (auto denied = check_auth(req, path, query, rid)) return finish(std::move(*denied));
  if (!buckets_[static_cast<std::size_t>(which)].try_take(steady_s()))
    return finish(error_answer(http::status::too_many_requests, rid, "APIGW.0308",
                               throttle_message(options_.rate_limit)));

  std::string project_id = percent_decode(parts[2]);
  switch (which) {
    case api::purchase:
      return finish(purchase(req, project_id, rid));
    default:
      break;
  }
  if (auto it = req.find("X-Project-Id"); it != req.end() && it->value() != project_id)
    return finish(error_answer(http::status::bad_request, rid, "CPS.0046",
                               "Parameter: project_id is invalid: the path and X-Project-Id differ."));
  switch (which) {
    case api::list_servers:
      return finish(list_servers(query, rid));
    case api::show_server:
      return finish(show_server(percent_decode(server_id), rid));
    default:
      return finish(catalog_answer(which, rid));
  }
}

std::optional<answer> emulator::impl::check_auth(const request& req, std::string_view path,
                                                 std::string_view query, const std::string& rid) {
  auto deny = [&](std::string_view why) {
    return error_answer(http::status::unauthorized, rid, "APIGW.0301",
                        fmt::format("Incorrect IAM authentication information: {}", why));
  };
  if (!options_.token.empty()) {
    auto it = req.find("X-Auth-Token");
    if (it == req.end()) return deny("X-Auth-Token header is missing");
    if (!constant_time_equal(it->value(), options_.token))
      return deny("the X-Auth-Token is invalid or expired");
    return std::nullopt;
  }
  if (options_.ak.empty()) return std::nullopt;

  auto auth = req.find(http::field::authorization);
  if (auth == req.end()) return deny("Authorization header is missing");
  parsed_authorization parsed;
  if (!parse_authorization(auth->value(), parsed))
    return deny(
        "Authorization header is not \"SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...\"");
  if (parsed.access != options_.ak) return deny("unknown access key");
  if (std::find(parsed.signed_headers.begin(), parsed.signed_headers.end(), "x-sdk-date") ==
      parsed.signed_headers.end())
    return deny("x-sdk-date is not among the SignedHeaders");
  auto date_it = req.find("X-Sdk-Date");
  if (date_it == req.end()) return deny("X-Sdk-Date header is missing");
  auto date = parse_sdk_date(date_it->value());
  if (!date) return deny("X-Sdk-Date is not YYYYMMDDTHHMMSSZ");
  if (std::llabs(*date - wall_ms() / 1000) > k_max_skew_s)
    return deny("X-Sdk-Date is more than 15 minutes away from the service's clock");

  signing_input in;
  in.method = std::string(req.method_string());
  in.path = std::string(path);
  in.query = std::string(query);
  for (const auto& name : parsed.signed_headers) {
    auto it = req.find(name);
    if (it == req.end()) return deny(fmt::format("signed header \"{}\" is not in the request", name));
    in.headers.emplace_back(name, std::string(it->value()));
  }
  in.body = req.body();
  std::string expected = signature(options_.sk, string_to_sign(canonical_request(in), date_it->value()));
  if (!constant_time_equal(expected, parsed.signature))
    return deny(
        "the signature does not match the request (the method, path, query, signed headers or body differ "
        "from what was signed, or the secret key is wrong)");
  return std::nullopt;
}

answer emulator::impl::purchase(const request& req, std::string_view project_id, const std::string& rid) {
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
      a.act = action::drop;
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
  parsed_purchase parsed = parse_purchase(req.body());
  if (!parsed.errors.empty()) return reject(parsed.errors.front());
  if (auto errors = validate(parsed.request); !errors.empty()) return reject(errors.front());
  if (auto errors = check_against_catalog(parsed.request, state_.catalog_data()); !errors.empty())
    return reject(errors.front());

  const emulator_order& order = state_.commit(parsed.request, wall_ms());
  ++stats_.orders;
  stats_.servers += order.server_ids.size();
  json::array ids;
  for (const auto& id : order.server_ids) ids.emplace_back(id);
  answer ok = json_answer(http::status::ok, json::object{{"request_id", rid},
                                                         {"order_id", order.order_id},
                                                         {"product_id", order.product_id},
                                                         {"server_ids", std::move(ids)}});
  switch (fault) {
    case fault_kind::commit_then_504:
      return error_answer(http::status::gateway_timeout, rid, "APIGW.0203", "Backend timeout");
    case fault_kind::commit_then_drop:
      ok.act = action::drop;
      return ok;
    case fault_kind::slow_commit:
      ok.act = action::slow;
      return ok;
    default:
      return ok;
  }
}

answer emulator::impl::list_servers(std::string_view query, const std::string& rid) {
  std::int64_t offset = 0, limit = 100;
  std::string name;
  bool bad = false;
  if (!query.empty()) {
    for (auto pair : split(query, '&')) {
      if (pair.empty()) continue;
      auto eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
      if (key == "offset") {
        auto v = parse_int(value);
        bad |= !v || *v < 0;
        if (v) offset = *v;
      } else if (key == "limit") {
        auto v = parse_int(value);
        bad |= !v || *v < 1 || *v > 100;
        if (v) limit = *v;
      } else if (key == "server_name") {
        name = std::move(value);
      }
    }
  }
  if (bad)
    return error_answer(http::status::bad_request, rid, "CPS.0002", "Parameter: offset or limit is invalid.");
  server_page page = state_.list_servers(name, offset, limit, wall_ms());
  json::array servers;
  servers.reserve(page.servers.size());
  for (const auto& s : page.servers) servers.emplace_back(to_json(s));
  return json_answer(
      http::status::ok,
      json::object{{"request_id", rid}, {"count", page.count}, {"servers", std::move(servers)}});
}

answer emulator::impl::show_server(std::string_view server_id, const std::string& rid) {
  auto s = state_.find_server(server_id, wall_ms());
  if (!s) return error_answer(http::status::not_found, rid, "CPS.0016", "server_id is invalid.");
  json::object o = to_json(*s);
  o["request_id"] = rid;
  return json_answer(http::status::ok, o);
}

answer emulator::impl::catalog_answer(api which, const std::string& rid) {
  const catalog& c = state_.catalog_data();
  json::array items;
  std::string_view key;
  switch (which) {
    case api::server_models:
      key = "server_models";
      for (const auto& m : c.server_models) items.emplace_back(to_json(m));
      break;
    case api::phone_models:
      key = "phone_models";
      for (const auto& m : c.phone_models) items.emplace_back(to_json(m));
      break;
    case api::phone_images:
      key = "phone_images";
      for (const auto& m : c.images) items.emplace_back(to_json(m));
      break;
    default:
      key = "band_widths";
      for (const auto& m : c.bandwidths) items.emplace_back(to_json(m));
      break;
  }
  json::object o{{"request_id", rid}};
  o[key] = std::move(items);
  return json_answer(http::status::ok, o);
}

void emulator::impl::reset() {
  state_.reset();
  faults_.restart();
  auto connections = stats_.connections;
  stats_ = emulator_stats{};
  stats_.connections = connections;
  double now = steady_s();
  for (auto& b : buckets_) b = token_bucket(options_.rate_limit, options_.rate_limit, now);
}

answer emulator::impl::handle_admin(const request& req, std::string_view path, const std::string& rid) {
  const auto method = req.method();
  auto bad = [&](std::string_view msg) {
    return error_answer(http::status::bad_request, rid, "APIGW.0201", msg);
  };
  if (path == "/_emulator/orders" && method == http::verb::get) {
    json::array orders;
    for (const auto& o : state_.orders()) {
      json::array ids;
      for (const auto& id : o.server_ids) ids.emplace_back(id);
      orders.emplace_back(json::object{{"order_id", o.order_id},
                                       {"server_name", o.server_name},
                                       {"count", o.count},
                                       {"server_ids", std::move(ids)},
                                       {"is_auto_pay", o.is_auto_pay},
                                       {"product_id", o.product_id},
                                       {"created_at", rfc3339_ms(o.created_ms)}});
    }
    return json_answer(http::status::ok, json::object{{"orders", std::move(orders)}});
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
      faults_.set_probabilities(checked_probabilities(by_name));
    } catch (const std::invalid_argument& e) {
      return bad(e.what());
    }
    json::object faults;
    for (const auto& [kind, p] : faults_.probabilities()) faults[fault_name(kind)] = p;
    return json_answer(http::status::ok, json::object{{"faults", std::move(faults)}});
  }
  if (path == "/_emulator/faults" && method == http::verb::get) {
    json::object faults;
    for (const auto& [kind, p] : faults_.probabilities()) faults[fault_name(kind)] = p;
    return json_answer(http::status::ok, json::object{{"faults", std::move(faults)}});
  }
  if (path == "/_emulator/reset" && method == http::verb::post) {
    reset();
    return json_answer(http::status::ok, json::object{{"reset", true}});
  }
  if (path == "/_emulator/stats" && method == http::verb::get) {
    return json_answer(http::status::ok, json::object{{"requests", stats_.requests},
                                                      {"purchases", stats_.purchases},
                                                      {"orders", stats_.orders},
                                                      {"servers", stats_.servers},
                                                      {"throttled", stats_.throttled},
                                                      {"rejected", stats_.rejected},
                                                      {"faults", stats_.faults},
                                                      {"auth_failures", stats_.auth_failures},
                                                      {"connections", stats_.connections}});
  }
  // POST /_emulator/orders/{order_id}/pay: what a person paying in the console does.
  if (method == http::verb::post && path.starts_with("/_emulator/orders/") && path.ends_with("/pay")) {
    std::string_view id = path.substr(18, path.size() - 18 - 4);
    auto before = state_.server_count();
    if (!state_.pay(id, wall_ms()))
      return error_answer(http::status::not_found, rid, "CPS.0061", "no such unpaid order");
    stats_.servers += state_.server_count() - before;
    return json_answer(http::status::ok, json::object{{"order_id", id}, {"paid", true}});
  }
  return error_answer(http::status::not_found, rid, "APIGW.0101", "no such emulator admin endpoint");
}

// ---- the public face ----

emulator::emulator(net::io_context& ioc, emulator_options options)
    : impl_(std::make_shared<impl>(ioc, std::move(options))) {}

emulator::~emulator() { stop(); }

tcp::endpoint emulator::start() { return impl_->start(); }

void emulator::stop() {
  // The io_context's thread owns the state: run there (inline when already on it).
  net::dispatch(impl_->context(), [self = impl_] { self->stop(); });
}

std::string emulator::url() const { return impl_->url(); }

emulator_stats emulator::stats() const { return impl_->stats(); }

}  // namespace cphfleet

#include "client/https_client.hpp"

#include "base/text.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <stdexcept>

namespace cphfleet {

using clock_type = std::chrono::steady_clock;

namespace {

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

std::string millis(clock_type::duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms % 1000 == 0 ? fmt::format("{} s", ms / 1000) : fmt::format("{} ms", ms);
}

transport_error failure(transport_step step, std::string detail, bool written = false) {
  return transport_error{step, fmt::format("{}: {}", to_string(step), detail), written};
}

bool is_closed_by_peer(const boost::system::error_code& ec) {
  return ec == net::error::eof || ec == http::error::end_of_stream || ec == ssl::error::stream_truncated;
}

// What a failed read of the answer reads like in the ledger.
std::string read_failure_detail(const boost::system::error_code& ec) {
  if (is_closed_by_peer(ec)) return "connection closed before the answer (" + ec.message() + ")";
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return "malformed HTTP answer (" + ec.message() + ")";
  }
  return ec.message();
}

// A pooled connection must be silent: an idle HTTP connection has nothing to read, so readable means
// the peer closed it (EOF, a TLS close_notify, a reset) or sent something unasked. Either way it is
// not safe to write a request into it.
bool looks_closed(int fd) {
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, 0);
  return r != 0;  // readable, hung up, or poll failed
}

}  // namespace

// ---- the client ----------------------------------------------------------------------------------

struct https_client::connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  clock_type::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

struct https_client::opened {
  std::unique_ptr<connection> conn;
  std::optional<transport_error> error;
};

https_client::https_client(net::any_io_executor executor, endpoint target, https_client_options options)
    : executor_(std::move(executor)), target_(std::move(target)), options_(std::move(options)) {
  if (target_.tls) init_tls();
  proxy_ = route_to(target_, options_.proxy);
}

void https_client::init_tls() {
  tls_context_.emplace(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls_context_->native_handle(), TLS1_2_VERSION);
  tls_context_->set_verify_mode(ssl::verify_peer);
  if (options_.ca_file) {
    boost::system::error_code ec;
    tls_context_->load_verify_file(options_.ca_file->string(), ec);
    if (ec) {
      throw std::runtime_error(
          fmt::format("ca_file {}: cannot load certificates ({})", options_.ca_file->string(), ec.message()));
    }
  } else {
    tls_context_->set_default_verify_paths();
  }
}

https_client::~https_client() = default;

void https_client::close_idle() { idle_.clear(); }

std::unique_ptr<https_client::connection> https_client::take_idle() {
  const auto now = clock_type::now();
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (now - conn->idle_since > options_.max_idle_age || conn->buffer.size() != 0 ||
        (options_.probe_idle && looks_closed(conn->lowest().socket().native_handle()))) {
      ++stats_.stale_discarded;
      continue;
    }
    return conn;
  }
  return nullptr;
}

namespace {

struct resolve_state {
  explicit resolve_state(const net::any_io_executor& ex) : resolver(ex), timer(ex) {}
  tcp::resolver resolver;
  net::steady_timer timer;
  boost::system::error_code ec;
  tcp::resolver::results_type results;
  bool done = false;
};

// getaddrinfo cannot be interrupted: on timeout the lookup is left to finish in the background
// (it holds its own state) and the caller moves on.
net::awaitable<std::pair<boost::system::error_code, tcp::resolver::results_type>> resolve(
    const std::string& host, const std::string& port, clock_type::time_point deadline, bool& timed_out) {
  auto st = std::make_shared<resolve_state>(co_await net::this_coro::executor);
  st->timer.expires_at(deadline);
  st->resolver.async_resolve(host, port, [st](boost::system::error_code ec, tcp::resolver::results_type r) {
    st->ec = ec;
    st->results = std::move(r);
    st->done = true;
    st->timer.cancel();
  });
  co_await st->timer.async_wait(net::as_tuple(net::use_awaitable));
  timed_out = !st->done;
  if (timed_out) st->resolver.cancel();
  co_return std::pair{st->ec, st->results};
}

// Sends one request on an open stream and reads the answer. `keep` tells whether the connection
// may serve another request.
template <typename Stream>
net::awaitable<http_result> exchange(Stream& stream, beast::flat_buffer& buffer,
                                     http::request<http::string_body>& request,
                                     clock_type::time_point deadline, std::size_t body_limit, bool& keep) {
  keep = false;
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_at(deadline);
  auto [write_ec, written_bytes] =
      co_await http::async_write(stream, request, net::as_tuple(net::use_awaitable));
  (void)written_bytes;
  if (write_ec) {
    // Not all of the request left: the server cannot act on a partial request.
    if (write_ec == beast::error::timeout) {
      co_return http_result{{}, failure(transport_step::timeout, "request deadline passed while writing")};
    }
    co_return http_result{{}, failure(transport_step::write, write_ec.message())};
  }

  // An interim answer (1xx: 100 Continue, 102 Processing, 103 Early Hints) says nothing about the
  // request: HTTP has the client read on to the final answer, which comes on the same connection.
  // 101 switches protocols, which nothing here asked for: what follows is not an HTTP answer.
  std::optional<http::response_parser<http::string_body>> parser;
  for (;;) {
    parser.emplace();
    parser->body_limit(body_limit);
    if (request.method() == http::verb::head) parser->skip(true);
    tcp_layer.expires_at(deadline);
    auto [read_ec, read_bytes] =
        co_await http::async_read(stream, buffer, *parser, net::as_tuple(net::use_awaitable));
    (void)read_bytes;
    if (read_ec) {
      if (read_ec == beast::error::timeout) {
        co_return http_result{{},
                              failure(transport_step::timeout,
                                      "no answer before the request deadline (the request was sent)", true)};
      }
      co_return http_result{{}, failure(transport_step::read, read_failure_detail(read_ec), true)};
    }
    const unsigned status = parser->get().result_int();
    if (status == 101) {
      co_return http_result{
          {},
          failure(transport_step::read, "malformed HTTP answer (101 Switching Protocols, unasked)", true)};
    }
    if (status / 100 != 1) break;
  }
  tcp_layer.expires_never();

  auto& msg = parser->get();
  http_response response;
  response.status = msg.result_int();
  if (auto it = msg.find("X-Request-Id"); it != msg.end()) response.request_id = std::string(it->value());
  if (auto it = msg.find(http::field::retry_after); it != msg.end()) {
    response.retry_after_s = parse_retry_after(it->value());
  }
  if (auto it = msg.find(http::field::content_type); it != msg.end()) {
    response.content_type = std::string(it->value());
  }
  response.body = std::move(msg.body());
  keep = msg.keep_alive() && buffer.size() == 0;
  co_return http_result{std::move(response), {}};
}

}  // namespace

net::awaitable<https_client::opened> https_client::open(clock_type::time_point deadline) {
  const auto started = clock_type::now();
  const auto connect_deadline = std::min(deadline, started + options_.connect_timeout);
  const endpoint& peer = proxy_ ? proxy_->address : target_;
  const std::string via = proxy_ ? fmt::format(" (proxy {})", proxy_->address.host_header()) : std::string();
  auto timed_out_detail = [&] {
    return fmt::format("timed out after {}{}", millis(connect_deadline - started), via);
  };

  bool resolve_timed_out = false;
  auto [resolve_ec, results] = co_await resolve(peer.host, peer.port, connect_deadline, resolve_timed_out);
  if (resolve_timed_out) co_return opened{nullptr, failure(transport_step::resolve, timed_out_detail())};
  if (resolve_ec) {
    co_return opened{nullptr, failure(transport_step::resolve,
                                      fmt::format("{}: {}{}", peer.host, resolve_ec.message(), via))};
  }

  beast::tcp_stream tcp_stream(executor_);
  tcp_stream.expires_at(connect_deadline);
  auto [connect_ec, connected] =
      co_await tcp_stream.async_connect(results, net::as_tuple(net::use_awaitable));
  (void)connected;
  if (connect_ec) {
    std::string detail =
        connect_ec == beast::error::timeout ? timed_out_detail() : connect_ec.message() + via;
    co_return opened{nullptr, failure(transport_step::connect, detail)};
  }
  ++stats_.connections_opened;
  tcp_stream.socket().set_option(tcp::no_delay(true));

  if (proxy_) {
    if (auto failed = co_await open_tunnel(tcp_stream, *proxy_, target_)) {
      co_return opened{
          nullptr, failure(transport_step::proxy, failed->timed_out ? timed_out_detail() : failed->detail)};
    }
  }

  auto conn = std::make_unique<connection>();
  if (!target_.tls) {
    tcp_stream.expires_never();
    conn->plain.emplace(std::move(tcp_stream));
    co_return opened{std::move(conn), {}};
  }

  conn->tls.emplace(std::move(tcp_stream), *tls_context_);
  SSL* ssl_handle = conn->tls->native_handle();
  if (is_ip_literal(target_.host)) {
    // No SNI for an address (RFC 6066); the certificate must name the IP.
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), target_.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_handle, target_.host.c_str());
    SSL_set1_host(ssl_handle, target_.host.c_str());
  }
  beast::get_lowest_layer(*conn->tls).expires_at(connect_deadline);
  auto [hs_ec] =
      co_await conn->tls->async_handshake(ssl::stream_base::client, net::as_tuple(net::use_awaitable));
  if (hs_ec) {
    std::string detail;
    long verify = SSL_get_verify_result(ssl_handle);
    if (hs_ec == beast::error::timeout) {
      detail = "handshake " + timed_out_detail();
    } else if (verify != X509_V_OK) {
      detail = fmt::format("certificate verify failed for {}: {}", target_.host,
                           X509_verify_cert_error_string(verify));
    } else {
      detail = hs_ec.message();
    }
    co_return opened{nullptr, failure(transport_step::tls, detail)};
  }
  ++stats_.tls_handshakes;
  beast::get_lowest_layer(*conn->tls).expires_never();
  co_return opened{std::move(conn), {}};
}

net::awaitable<http_result> https_client::send(http_request request, clock_type::time_point deadline) {
  ++stats_.requests;
  http::request<http::string_body> msg{request.method, request.target, 11};
  msg.set(http::field::host, target_.host_header());
  msg.set(http::field::user_agent, "cphfleet/" CPHFLEET_VERSION);
  for (auto& [name, value] : request.headers) msg.set(name, value);
  msg.body() = std::move(request.body);
  msg.keep_alive(true);
  msg.prepare_payload();

  for (;;) {
    std::unique_ptr<connection> conn = take_idle();
    const bool reused = conn != nullptr;
    if (reused) {
      ++stats_.reused;
    } else {
      auto fresh = co_await open(deadline);
      if (fresh.error) co_return http_result{{}, std::move(fresh.error)};
      conn = std::move(fresh.conn);
    }

    bool keep = false;
    http_result result;
    // (Not a conditional expression: GCC 12 miscompiles co_await inside ?:.)
    if (conn->tls) {
      result = co_await exchange(*conn->tls, conn->buffer, msg, deadline, options_.body_limit, keep);
    } else {
      result = co_await exchange(*conn->plain, conn->buffer, msg, deadline, options_.body_limit, keep);
    }

    // A pooled connection the server closed under us: the write failed, so the request never
    // arrived whole. Once more on a fresh connection (which is never "reused", so this ends).
    if (reused && result.error && result.error->step == transport_step::write) {
      ++stats_.write_retries;
      continue;
    }
    if (result.response && keep && idle_.size() < options_.max_idle) {
      conn->idle_since = clock_type::now();
      idle_.push_back(std::move(conn));
    }
    // Otherwise the connection closes here. A TLS connection is closed without close_notify: the
    // answer is complete, and a client owes the server nothing more.
    co_return result;
  }
}

}  // namespace cphfleet

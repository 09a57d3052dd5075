#include "emulator/server.hpp"

#include "base/log.hpp"
#include "base/text.hpp"
#include "emulator/routes.hpp"

#include <fmt/format.h>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <random>
#include <stdexcept>
#include <unordered_map>

namespace cphfleet {

namespace {

constexpr auto k_io_timeout = std::chrono::seconds(30);
constexpr auto k_handshake_timeout = std::chrono::seconds(10);
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

tcp::endpoint parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument(fmt::format("--listen \"{}\": expected HOST:PORT, like 127.0.0.1:0", listen));
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  auto port = parse_integer<std::int64_t>(std::string_view(listen).substr(colon + 1));
  if (!port || *port < 0 || *port > 65535)
    throw std::invalid_argument(fmt::format("--listen \"{}\": port must be 0..65535", listen));
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec)
    throw std::invalid_argument(fmt::format("--listen \"{}\": \"{}\" is not an IP address", listen, host));
  return {address, static_cast<unsigned short>(*port)};
}

}  // namespace

class emulator::impl : public std::enable_shared_from_this<impl> {
 public:
  impl(net::io_context& ioc, emulator_options options);

  tcp::endpoint start();
  void stop();
  std::string url() const { return url_; }
  const emulator_stats& stats() { return routes_.stats(); }
  net::io_context& context() { return ioc_; }

 private:
  // A session in the table of open ones for as long as it lives, so stop() can close it.
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

  net::io_context& ioc_;
  emulator_options options_;
  std::optional<ssl::context> ssl_;
  tcp::endpoint listen_;
  tcp::acceptor acceptor_;
  std::string url_;
  routes routes_;
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
      routes_(options_) {
  if (options_.latency_ms < 0) throw std::invalid_argument("--latency: must be at least 0 ms");
  if (options_.slow_commit_ms < 0) throw std::invalid_argument("slow commit delay must be at least 0 ms");
  if (options_.max_connections < 1) throw std::invalid_argument("--max-connections: must be at least 1");
  if (options_.max_body_bytes < 1)
    throw std::invalid_argument("the request body limit must be at least 1 byte");
  if (options_.header_timeout_ms < 1) throw std::invalid_argument("the header timeout must be at least 1 ms");
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
    emulator_stats& stats = self->routes_.stats();
    ++stats.connections;
    // Counted here, not when the session starts: the next accept may come before it does.
    if (stats.open_connections >= self->options_.max_connections) {
      // Each open connection may hold a body up to max_body_bytes: the cap bounds the memory that
      // slow or idle clients can pin. Closed at once, a client sees a failure before its request was
      // written, which it may retry.
      ++stats.refused_connections;
      boost::system::error_code ignored;  // closing a fresh socket cannot fail in a way that matters
      socket.close(ignored);
      continue;
    }
    boost::system::error_code ignored;  // a socket option failing only costs latency
    socket.set_option(tcp::no_delay(true), ignored);
    ++stats.open_connections;
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
  struct slot {
    impl& owner;
    ~slot() { --owner.routes_.stats().open_connections; }
  } taken{*self};
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
    // Read what the client still sends (the rest of a refused body) until it closes: closing
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
    parser.body_limit(options_.max_body_bytes);
    // Idle keep-alive time and the header share one deadline: a client that sends its header a byte
    // at a time holds the connection no longer than one that sends nothing.
    lowest.expires_after(std::chrono::milliseconds(options_.header_timeout_ms));
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
      a = error_answer(
          http::status::payload_too_large, rid, "APIGW.0201",
          fmt::format("Request entity too large: the body exceeds {} bytes", options_.max_body_bytes));
      a.act = answer_action::reply_close;
      routes_.count(a);
    } else if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
      a = error_answer(http::status::bad_request, rid, "APIGW.0201",
                       fmt::format("Bad request: {}", ec.message()));
      a.act = answer_action::reply_close;
      routes_.count(a);
    } else if (ec) {
      co_return false;  // reset, timeout, or a client that left
    } else {
      const emulator_request& req = parser.get();
      version = req.version();
      keep_alive = req.keep_alive();
      a = routes_.handle(req, rid);
    }

    if (a.api_call && options_.latency_ms > 0) {
      timer.expires_after(std::chrono::milliseconds(options_.latency_ms));
      co_await timer.async_wait(use_tuple);
      if (stopped_) co_return false;
    }
    if (a.act == answer_action::drop) {
      lowest.close();
      co_return false;
    }
    if (a.act == answer_action::slow) {
      if (!co_await wait_slow(stream, timer)) co_return false;
      keep_alive = false;  // the watch read may have taken bytes of a next request
    }

    http::response<http::string_body> res{a.status, version};
    res.set(http::field::content_type, a.content_type);
    res.set("X-Request-Id", rid);
    res.keep_alive(keep_alive && a.act == answer_action::reply);
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

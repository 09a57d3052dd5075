// Test helpers for the client: a scripted HTTP(S) server, a CONNECT proxy and a throwaway PKI, all on
// 127.0.0.1:0, each on its own thread with its own io_context (the client under test runs on the
// test's thread). Header-only, for tests only.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/net.hpp"

namespace cphfleet::test {

// Runs one coroutine to completion on `io` and returns its value (exceptions rethrown). Stops `io`
// when it is done, so a server on the same io_context (the emulator) does not keep it running.
template <typename T>
T run_sync(net::io_context& io, net::awaitable<T> work) {
  std::optional<T> value;
  std::exception_ptr error;
  net::co_spawn(io, std::move(work), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) value.emplace(std::move(v));
    io.stop();
  });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*value);
}

// Waits (briefly) until `done` holds; false after `limit`. For state another thread changes.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A port nothing listens on: bound, then released (connections to it are refused).
inline unsigned short unused_port() {
  net::io_context io;
  tcp::acceptor a(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  auto port = a.local_endpoint().port();
  a.close();
  return port;
}

inline std::string http_answer(int status, std::string_view reason, std::string_view body,
                               std::string_view extra_headers = "",
                               std::string_view content_type = "application/json") {
  std::ostringstream o;
  o << "HTTP/1.1 " << status << " " << reason << "\r\nContent-Type: " << content_type
    << "\r\nContent-Length: " << body.size() << "\r\n"
    << extra_headers << "\r\n"
    << body;
  return o.str();
}

// What the server does with one accepted connection.
struct step {
  enum class kind {
    close_at_once,          // close right after accept, reading nothing (before any TLS handshake)
    close_without_reading,  // wait until the request bytes arrive, close without reading them (a reset)
    read_then_close,        // read the whole request, close without answering
    answer,             // answer each request with `response`, up to `times` (-1: until the client closes)
    answer_then_reset,  // answer one request with `response`, then close with a reset (SO_LINGER 0)
    answer_after,       // read the request, wait `delay`, then answer with `response`
    garbage,            // read the request, send `response` (not HTTP), close
    handler,            // answer each request with what `handle` returns for it (raw HTTP)
  };
  using request_handler = std::function<std::string(const http::request<http::string_body>&)>;
  kind what = kind::answer;
  std::string response;
  std::chrono::milliseconds delay{0};
  int times = -1;
  request_handler handle;

  static step close_at_once() { return {kind::close_at_once, {}, {}, 1, {}}; }
  static step close_without_reading() { return {kind::close_without_reading, {}, {}, 1, {}}; }
  static step read_then_close() { return {kind::read_then_close, {}, {}, 1, {}}; }
  static step answer(std::string raw, int times = -1) {
    return {kind::answer, std::move(raw), {}, times, {}};
  }
  static step answer_then_reset(std::string raw) {
    return {kind::answer_then_reset, std::move(raw), {}, 1, {}};
  }
  static step answer_after(std::chrono::milliseconds d, std::string raw) {
    return {kind::answer_after, std::move(raw), d, 1, {}};
  }
  static step garbage(std::string bytes) { return {kind::garbage, std::move(bytes), {}, 1, {}}; }
  static step respond(request_handler h) { return {kind::handler, {}, {}, -1, std::move(h)}; }
};

struct tls_files {
  std::filesystem::path cert;  // chain, PEM
  std::filesystem::path key;
};

// Follows `script`, one step per accepted connection in order; the last step repeats.
class fixture_server {
 public:
  explicit fixture_server(std::vector<step> script, std::optional<tls_files> tls = std::nullopt)
      : script_(std::move(script)), acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    if (tls) {
      tls_ = std::make_unique<ssl::context>(ssl::context::tls_server);
      tls_->use_certificate_chain_file(tls->cert.string());
      tls_->use_private_key_file(tls->key.string(), ssl::context::pem);
    }
    net::co_spawn(io_, accept_loop(), [](std::exception_ptr) {});
    thread_ = std::thread([this] { io_.run(); });
  }
  ~fixture_server() {
    io_.stop();
    thread_.join();
  }
  fixture_server(const fixture_server&) = delete;
  fixture_server& operator=(const fixture_server&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
  }
  int accepted() const { return accepted_; }
  int closed() const { return closed_; }
  // Every request read, as `METHOD target` + headers + body (Beast's rendering).
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      step s = script_[std::min<std::size_t>(static_cast<std::size_t>(accepted_), script_.size() - 1)];
      ++accepted_;
      // A connection's own failure shows up as the client's error; nothing to report here.
      net::co_spawn(io_, handle(std::move(socket), std::move(s)), [](std::exception_ptr) {});
    }
  }

  net::awaitable<void> handle(tcp::socket socket, step s) {
    if (s.what == step::kind::close_at_once) {
      socket.close();
      ++closed_;
      co_return;
    }
    if (tls_) {
      ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
      auto [ec] =
          co_await stream.async_handshake(ssl::stream_base::server, net::as_tuple(net::use_awaitable));
      if (!ec) co_await serve(stream, s);
      stream.next_layer().close();
    } else {
      co_await serve(socket, s);
      socket.close();
    }
    ++closed_;
  }

  template <typename Stream>
  net::awaitable<void> serve(Stream& stream, const step& s) {
    auto& socket = beast::get_lowest_layer(stream);
    if (s.what == step::kind::close_without_reading) {
      co_await socket.async_wait(tcp::socket::wait_read, net::as_tuple(net::use_awaitable));
      co_return;  // closing with unread bytes sends a reset
    }
    beast::flat_buffer buffer;
    for (int n = 0; s.times < 0 || n < s.times; ++n) {
      http::request<http::string_body> request;
      auto [ec, bytes] =
          co_await http::async_read(stream, buffer, request, net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      {
        std::ostringstream o;
        o << request;
        std::lock_guard lock(mutex_);
        requests_.push_back(o.str());
      }
      switch (s.what) {
        case step::kind::read_then_close:
          co_return;
        case step::kind::answer_after: {
          net::steady_timer timer(io_, s.delay);
          co_await timer.async_wait(net::as_tuple(net::use_awaitable));
          break;
        }
        default:
          break;
      }
      // The handler runs on the server's thread; tests give it state it alone touches.
      std::string answer = s.what == step::kind::handler ? s.handle(request) : s.response;
      auto [wec, wn] =
          co_await net::async_write(stream, net::buffer(answer), net::as_tuple(net::use_awaitable));
      if (wec || s.what == step::kind::garbage) co_return;
    }
    if (s.what == step::kind::answer_then_reset) {
      boost::system::error_code ignored;  // the close that follows sends the reset either way
      socket.set_option(net::socket_base::linger(true, 0), ignored);
    }
  }

  std::vector<step> script_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = acceptor_.local_endpoint().port();
  std::unique_ptr<ssl::context> tls_;
  std::atomic<int> accepted_{0};
  std::atomic<int> closed_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

// A CONNECT proxy: tunnels to the named host:port, or answers every CONNECT with `refuse_status`.
class connect_proxy {
 public:
  explicit connect_proxy(int refuse_status = 0)
      : refuse_status_(refuse_status), acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    net::co_spawn(io_, accept_loop(), [](std::exception_ptr) {});
    thread_ = std::thread([this] { io_.run(); });
  }
  ~connect_proxy() {
    io_.stop();
    thread_.join();
  }
  connect_proxy(const connect_proxy&) = delete;
  connect_proxy& operator=(const connect_proxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int tunnels() const { return tunnels_; }
  // The CONNECT requests seen (`CONNECT host:port` + headers).
  std::vector<std::string> connects() const {
    std::lock_guard lock(mutex_);
    return connects_;
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      net::co_spawn(io_, tunnel(std::move(socket)), [](std::exception_ptr) {});
    }
  }

  static net::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
    std::array<char, 16384> data;
    for (;;) {
      auto [ec, n] = co_await from.async_read_some(net::buffer(data), net::as_tuple(net::use_awaitable));
      if (ec) break;
      auto [wec, wn] =
          co_await net::async_write(to, net::buffer(data.data(), n), net::as_tuple(net::use_awaitable));
      if (wec) break;
    }
    boost::system::error_code ignored;  // the other side may be gone already
    to.shutdown(tcp::socket::shutdown_send, ignored);
  }

  net::awaitable<void> tunnel(tcp::socket client) {
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    auto [ec, n] =
        co_await http::async_read_header(client, buffer, parser, net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    auto& request = parser.get();
    {
      std::ostringstream o;
      o << request;
      std::lock_guard lock(mutex_);
      connects_.push_back(o.str());
    }
    if (refuse_status_ != 0 || request.method() != http::verb::connect) {
      std::string answer = "HTTP/1.1 " + std::to_string(refuse_status_ ? refuse_status_ : 405) +
                           " Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      co_await net::async_write(client, net::buffer(answer), net::as_tuple(net::use_awaitable));
      co_return;
    }
    std::string authority(request.target());
    auto colon = authority.rfind(':');
    tcp::socket upstream(io_);
    tcp::resolver resolver(io_);
    auto [rec, results] = co_await resolver.async_resolve(
        authority.substr(0, colon), authority.substr(colon + 1), net::as_tuple(net::use_awaitable));
    if (rec) co_return;
    auto [cec, ep] = co_await net::async_connect(upstream, results, net::as_tuple(net::use_awaitable));
    if (cec) co_return;
    ++tunnels_;
    std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
    co_await net::async_write(client, net::buffer(ok), net::as_tuple(net::use_awaitable));
    using namespace net::experimental::awaitable_operators;
    co_await (pump(client, upstream) && pump(upstream, client));
  }

  int refuse_status_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = acceptor_.local_endpoint().port();
  std::atomic<int> tunnels_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> connects_;
  std::thread thread_;
};

// A CA and two server certificates made with the openssl CLI, once per test binary:
// `server` names 127.0.0.1 and localhost; `wrong_host` names only other.example.
struct test_pki {
  std::filesystem::path dir;
  std::filesystem::path ca_cert;
  tls_files server;
  tls_files wrong_host;
};

inline const test_pki& pki() {
  struct owned {
    test_pki p;
    ~owned() {
      std::error_code ignored;  // a leftover temp folder is harmless
      std::filesystem::remove_all(p.dir, ignored);
    }
  };
  static const owned made{[] {
    test_pki p;
    p.dir = std::filesystem::temp_directory_path() / ("cphfleet-pki-" + std::to_string(::getpid()));
    std::filesystem::create_directories(p.dir);
    p.ca_cert = p.dir / "ca.pem";
    p.server = {p.dir / "server.pem", p.dir / "server.key"};
    p.wrong_host = {p.dir / "wrong.pem", p.dir / "wrong.key"};
    auto run = [&](const std::string& cmd) {
      std::string full = "cd '" + p.dir.string() + "' && " + cmd + " >openssl.log 2>&1";
      if (std::system(full.c_str()) != 0) {
        std::ifstream log(p.dir / "openssl.log");
        std::stringstream s;
        s << log.rdbuf();
        throw std::runtime_error("openssl failed: " + cmd + "\n" + s.str());
      }
    };
    const std::string ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509 " + ec_key +
        " -keyout ca.key -out ca.pem -days 2 -subj /CN=cphfleet-test-ca"
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
    auto leaf = [&](const std::string& name, const std::string& san) {
      std::ofstream(p.dir / (name + ".ext")) << "subjectAltName=" << san << "\n";
      run("openssl req " + ec_key + " -keyout " + name + ".key -out " + name + ".csr -subj /CN=" + name);
      run("openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out " +
          name + ".pem -extfile " + name + ".ext");
    };
    leaf("server", "IP:127.0.0.1,DNS:localhost");
    leaf("wrong", "DNS:other.example");
    return p;
  }()};
  return made.p;
}

}  // namespace cphfleet::test

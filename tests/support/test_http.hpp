// Test helper: a small synchronous HTTP/HTTPS client over Beast, with a timeout on every step, and raw
// socket helpers for what a well-behaved client would never send. Header-only. Every call runs the
// client's own io_context until the step ends, so it works next to a server on another thread.
#pragma once
#include "base/net.hpp"

#include <boost/json.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cphfleet::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_result {
  unsigned status = 0;
  header_list headers;
  std::string body;

  // The first header of that name (any case), or "" when absent.
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (beast::iequals(k, name)) return v;
    return {};
  }
  bool has_header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (beast::iequals(k, name)) return true;
    return false;
  }
  // The body as JSON; throws std::runtime_error quoting the body when it is not JSON.
  boost::json::value json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec) throw std::runtime_error("not JSON: " + body.substr(0, 200));
    return v;
  }
  // Shortcuts for the API's error body.
  std::string error_code() const { return string_field("error_code"); }
  std::string error_msg() const { return string_field("error_msg"); }
  std::string string_field(std::string_view key) const {
    auto v = json();
    if (!v.is_object()) return {};
    auto* f = v.get_object().if_contains(key);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  }
};

// One kept-alive connection, opened on first use. Errors (refused, reset, closed without an answer,
// timeout, TLS verification) throw boost::system::system_error, and leave the client disconnected.
class http_client {
 public:
  http_client(std::string host, unsigned short port,
              std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : host_(std::move(host)), port_(port), timeout_(timeout) {}
  // HTTPS, verifying the server as `tls` says (set its CA and verify mode first). `server_name` is
  // checked against the certificate and sent as SNI; empty: the host.
  http_client(std::string host, unsigned short port, ssl::context& tls, std::string server_name = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : host_(std::move(host)),
        port_(port),
        timeout_(timeout),
        tls_(&tls),
        server_name_(server_name.empty() ? host_ : std::move(server_name)) {}

  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }
  bool connected() const { return plain_ || secure_; }

  void connect() {
    close();
    auto ep = tcp::endpoint(net::ip::make_address(host_), port_);
    if (tls_ == nullptr) {
      plain_ = std::make_unique<beast::tcp_stream>(ioc_);
      plain_->expires_after(timeout_);
      run([&](auto done) { plain_->async_connect(ep, done); });
    } else {
      secure_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc_, *tls_);
      boost::system::error_code not_ip;
      net::ip::make_address(server_name_, not_ip);
      if (not_ip)
        SSL_set_tlsext_host_name(secure_->native_handle(), server_name_.c_str());  // SNI takes no IPs
      secure_->set_verify_callback(ssl::host_name_verification(server_name_));
      auto& lowest = beast::get_lowest_layer(*secure_);
      lowest.expires_after(timeout_);
      run([&](auto done) { lowest.async_connect(ep, done); });
      lowest.expires_after(timeout_);
      run([&](auto done) { secure_->async_handshake(ssl::stream_base::client, done); });
    }
  }

  http_result request(std::string_view method, std::string_view target, const header_list& headers = {},
                      std::string body = {}) {
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    bool has_host = false;
    for (const auto& [k, v] : headers) {
      req.insert(k, v);
      has_host = has_host || beast::iequals(k, "host");
    }
    if (!has_host) req.set(http::field::host, host_ + ":" + std::to_string(port_));
    req.body() = std::move(body);
    if (!req.body().empty() || method == "POST" || method == "PUT") req.prepare_payload();
    return send(req);
  }

  http_result send(http::request<http::string_body>& req) {
    if (!connected()) connect();
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::flat_buffer buffer;
    with_stream([&](auto& stream) {
      beast::get_lowest_layer(stream).expires_after(timeout_);
      run([&](auto done) { http::async_write(stream, req, done); });
      beast::get_lowest_layer(stream).expires_after(timeout_);
      run([&](auto done) { http::async_read(stream, buffer, parser, done); });
    });
    auto& res = parser.get();
    http_result out;
    out.status = res.result_int();
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }

  void close() {
    boost::system::error_code ignored;  // closing a dead socket is fine
    if (plain_) plain_->socket().close(ignored);
    if (secure_) beast::get_lowest_layer(*secure_).socket().close(ignored);
    plain_.reset();
    secure_.reset();
  }
  ~http_client() { close(); }

 private:
  template <typename F>
  void with_stream(F&& f) {
    if (plain_) {
      f(*plain_);
    } else {
      f(*secure_);
    }
  }

  // Starts one operation and runs the io_context until it completes; throws on error.
  template <typename Start>
  void run(Start&& start) {
    boost::system::error_code result;
    bool done = false;
    start([&](boost::system::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run();
    if (!done) result = net::error::operation_aborted;
    if (result) {
      close();
      throw boost::system::system_error(result);
    }
  }

  net::io_context ioc_;
  std::string host_;
  unsigned short port_;
  std::chrono::milliseconds timeout_;
  ssl::context* tls_ = nullptr;
  std::string server_name_;
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure_;
};

// What a raw exchange got back: the bytes, and how the connection ended (eof when the server closed
// it, timeout when it did not within the time given).
struct raw_result {
  std::string data;
  boost::system::error_code ended_by;
};

// A plain connection for bytes no HTTP client would send: partial requests, oversized headers...
class raw_connection {
 public:
  raw_connection(const std::string& host, unsigned short port,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : stream_(ioc_), timeout_(timeout) {
    stream_.expires_after(timeout_);
    boost::system::error_code ec;
    bool done = false;
    stream_.async_connect(tcp::endpoint(net::ip::make_address(host), port), [&](boost::system::error_code e) {
      ec = e;
      done = true;
    });
    ioc_.run();
    if (!done) ec = net::error::operation_aborted;
    if (ec) throw boost::system::system_error(ec);
  }

  void write(std::string_view bytes) {
    boost::system::error_code ec;
    stream_.expires_after(timeout_);
    net::async_write(stream_, net::buffer(bytes), [&](boost::system::error_code e, std::size_t) { ec = e; });
    ioc_.restart();
    ioc_.run();
    if (ec) throw boost::system::system_error(ec);
  }

  // Reads until the server closes the connection, or `timeout` passes.
  raw_result read_until_close(std::chrono::milliseconds timeout) {
    raw_result out;
    std::array<char, 65536> chunk{};
    stream_.expires_after(timeout);
    for (;;) {
      boost::system::error_code ec;
      std::size_t n = 0;
      stream_.async_read_some(net::buffer(chunk), [&](boost::system::error_code e, std::size_t k) {
        ec = e;
        n = k;
      });
      ioc_.restart();
      ioc_.run();
      out.data.append(chunk.data(), n);
      if (ec) {
        out.ended_by = ec;
        return out;
      }
    }
  }

  // Reads one whole HTTP response (status, headers, body) from the connection.
  http_result read_response() {
    http::response_parser<http::string_body> parser;
    boost::system::error_code ec;
    stream_.expires_after(timeout_);
    http::async_read(stream_, buffer_, parser, [&](boost::system::error_code e, std::size_t) { ec = e; });
    ioc_.restart();
    ioc_.run();
    if (ec) throw boost::system::system_error(ec);
    http_result out;
    out.status = parser.get().result_int();
    for (const auto& f : parser.get())
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = parser.get().body();
    return out;
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  std::chrono::milliseconds timeout_;
  beast::flat_buffer buffer_;
};

// Writes `bytes` on a fresh connection and reads until the server closes it.
inline raw_result raw_exchange(const std::string& host, unsigned short port, std::string_view bytes,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  raw_connection c(host, port, timeout);
  c.write(bytes);
  return c.read_until_close(timeout);
}

}  // namespace cphfleet::test

// The service a config names, ready for calls: the in-process emulator when `endpoint = "embedded"`,
// credentials from the environment, the HTTPS client and the typed CPH client on top.
#pragma once
#include "config.hpp"
#include "cph_api.hpp"
#include "net.hpp"

#include <memory>
#include <string>

namespace cphfleet {

class emulator;
class https_client;
class cph_client;
struct credentials;

class service_session {
 public:
  // Throws input_error when credentials are missing (exit 2, before any request), std::runtime_error
  // when the endpoint cannot be used.
  service_session(net::io_context& ioc, const config& cfg);
  ~service_session();

  cph_api& api();
  cph_client& client();
  const std::string& project_id() const;
  std::string describe() const;  // endpoint and credentials, secrets redacted
  std::int64_t tls_handshakes() const;
  std::int64_t connections_opened() const;

 private:
  std::unique_ptr<emulator> emulator_;
  std::unique_ptr<credentials> credentials_;
  std::unique_ptr<https_client> http_;
  std::unique_ptr<cph_client> client_;
  std::string endpoint_;
};

}  // namespace cphfleet

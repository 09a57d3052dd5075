// The service a config names, ready for calls: the in-process emulator when `endpoint = "embedded"`,
// credentials from their first source (input/credentials.hpp; temporary keys from the ECS metadata are
// fetched here and kept fresh), the HTTPS client and the typed CPH client on top.
#pragma once
#include "base/net.hpp"
#include "emulator/options.hpp"
#include "input/config.hpp"
#include "send/cph_api.hpp"

#include <memory>
#include <optional>
#include <string>

namespace cphfleet {

class emulator;

// The options for `endpoint = "embedded"`: loopback, any port, no auth.
emulator_options from(const emulator_config& c);

class https_client;
class cph_client;
class ecs_credential_refresher;
struct credentials;
struct catalog_call;
enum class catalog_kind;

class service_session {
 public:
  // Throws input_error when credentials are missing (exit 2, before any request), std::runtime_error
  // when the endpoint cannot be used.
  service_session(net::io_context& ioc, const config& cfg);
  ~service_session();

  cph_api& api();
  cph_client& client();
  const std::string& project_id() const;
  std::string describe() const;                         // endpoint and credentials, secrets redacted
  const std::string& url() const { return endpoint_; }  // the base URL calls go to (the embedded emulator's)
  std::int64_t tls_handshakes() const;
  std::int64_t connections_opened() const;

 private:
  std::unique_ptr<emulator> emulator_;
  std::unique_ptr<credentials> credentials_;
  std::unique_ptr<https_client> http_;
  std::unique_ptr<ecs_credential_refresher> refresher_;  // credentials from the ECS metadata only
  std::unique_ptr<cph_client> client_;
  std::string endpoint_;
};

// Fetches the first temporary keys into `c` (source ecs_metadata, source_where its URL). Throws
// input_error naming every source tried when the metadata service gives none.
void fetch_first_ecs_credential(const config& cfg, credentials& c);

// Reads the catalog (one kind, or all four) from the service `cfg` names, once, on its own
// io_context: for commands that need it (catalog, validate --online). Retryable failures are tried
// again (3 attempts, honouring Retry-After); the last answer comes back, to classify as a read.
// Throws like service_session.
catalog_call fetch_catalog(const config& cfg, std::optional<catalog_kind> kind = std::nullopt);

}  // namespace cphfleet

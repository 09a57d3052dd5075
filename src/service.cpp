#include "service.hpp"

#include "cph_client.hpp"
#include "credentials.hpp"
#include "emulator.hpp"
#include "https_client.hpp"

#include <fmt/format.h>

namespace cphfleet {

service_session::service_session(net::io_context& ioc, const config& cfg) {
  // Credentials first: a missing variable is an input error before anything else starts.
  credentials_ = std::make_unique<credentials>(load_credentials(cfg));
  if (credentials_->project_id.empty()) credentials_->project_id = cfg.project_id;
  endpoint_ = cfg.endpoint;
  if (cfg.embedded()) {
    emulator_ = std::make_unique<emulator>(ioc, from(cfg.emulator));
    emulator_->start();
    endpoint_ = emulator_->url();
  }
  https_client_options options;
  options.ca_file = cfg.ca_file;
  options.connect_timeout = std::chrono::seconds(cfg.limits.connect_timeout_s);
  options.proxy = proxy_settings::from_environment();
  options.max_idle = static_cast<std::size_t>(std::max<std::int64_t>(cfg.limits.max_in_flight, 1));
  http_ = std::make_unique<https_client>(ioc.get_executor(), parse_endpoint(endpoint_), options);
  client_ = std::make_unique<cph_client>(*http_, *credentials_);
}

service_session::~service_session() {
  client_.reset();
  http_.reset();
  if (emulator_) emulator_->stop();
}

cph_api& service_session::api() { return *client_; }
cph_client& service_session::client() { return *client_; }
const std::string& service_session::project_id() const { return credentials_->project_id; }

std::string service_session::describe() const {
  return fmt::format("{}{} as {}", endpoint_, emulator_ ? " (embedded emulator)" : "", credentials_->describe());
}

std::int64_t service_session::tls_handshakes() const { return http_->stats().tls_handshakes; }
std::int64_t service_session::connections_opened() const { return http_->stats().connections_opened; }

}  // namespace cphfleet

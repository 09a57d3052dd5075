#include "app/service.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "base/diagnostic.hpp"
#include "client/cph_client.hpp"
#include "client/ecs_metadata.hpp"
#include "client/endpoint.hpp"
#include "client/https_client.hpp"
#include "client/proxy.hpp"
#include "emulator/server.hpp"
#include "input/credentials.hpp"

namespace cphfleet {

emulator_options from(const emulator_config& c) {
  emulator_options o;
  o.listen = "127.0.0.1:0";
  o.latency_ms = c.latency_ms;
  o.settle_ms = c.settle_ms;
  o.boot_ms = c.provision_ms;
  o.rate_limit = c.rate_limit;
  o.seed = c.seed;
  o.faults = c.faults;
  o.script = c.script;
  return o;
}

service_session::service_session(net::io_context& ioc, const config& cfg) {
  // Credentials first: a missing variable is an input error (exit 2) before anything else starts.
  credentials_ = std::make_unique<credentials>(load_credentials(cfg));
  if (credentials_->project_id.empty()) credentials_->project_id = cfg.project_id;
  const bool from_metadata = credentials_->source == credential_source::ecs_metadata;
  // The first temporary keys now: a metadata service that does not answer (no ECS, no agency) means
  // no source has credentials, which is exit 2 before anything is sent, as for a missing variable.
  if (from_metadata) fetch_first_ecs_credential(cfg, *credentials_);
  endpoint_ = cfg.endpoint;
  if (cfg.embedded()) {
    emulator_ = std::make_unique<emulator>(ioc, from(cfg.emulator));
    emulator_->start();
    endpoint_ = emulator_->url();
  }
  endpoint target;
  try {
    target = parse_endpoint(endpoint_);
  } catch (const std::invalid_argument& e) {
    throw input_error({diagnostic{cfg.path.string(), 0, 0, "cloud.endpoint", e.what()}});
  }
  https_client_options options;
  options.ca_file = cfg.ca_file;
  options.connect_timeout = std::chrono::seconds(cfg.limits.connect_timeout_s);
  options.proxy = proxy_settings::from_environment();
  options.max_idle = static_cast<std::size_t>(std::max<std::int64_t>(cfg.limits.max_in_flight, 1));
  // The proxy is checked here (route_to, the client's own rules) before the client loads the ca_file,
  // so that each is blamed for its own fault. The message names HTTPS_PROXY and shows its URL with the
  // password as *** (client/proxy.cpp).
  try {
    route_to(target, options.proxy);
  } catch (const std::runtime_error& e) {
    throw input_error({diagnostic{"", 0, 0, "", e.what()}});
  }
  try {
    http_ = std::make_unique<https_client>(ioc.get_executor(), std::move(target), std::move(options));
  } catch (const std::runtime_error& e) {
    // With the proxy checked, what is left is the ca_file's: unreadable, or no certificate in it.
    throw input_error({diagnostic{cfg.ca_file ? cfg.path.string() : "", 0, 0,
                                  cfg.ca_file ? "cloud.ca_file" : "", e.what()}});
  }
  client_ = std::make_unique<cph_client>(*http_, *credentials_);
  if (from_metadata) {
    refresher_ = std::make_unique<ecs_credential_refresher>(ioc.get_executor(), cfg.metadata_url,
                                                            cph_client::system_unix_seconds);
    client_->set_credentials_hook([r = refresher_.get()](credentials& c) { return r->refresh(c); });
  }
}

void fetch_first_ecs_credential(const config& cfg, credentials& c) {
  try {
    apply(c, fetch_ecs_credential(c.source_where));
  } catch (const std::runtime_error& e) {
    throw input_error({no_credentials(cfg, c, e.what())});
  }
}

service_session::~service_session() {
  client_.reset();
  refresher_.reset();
  http_.reset();
  if (emulator_) emulator_->stop();
}

cph_api& service_session::api() { return *client_; }
cph_client& service_session::client() { return *client_; }
const std::string& service_session::project_id() const { return credentials_->project_id; }

std::string service_session::describe() const {
  if (emulator_) return fmt::format("embedded emulator at {}", endpoint_);
  return fmt::format("{}{} as {}", http_->target().to_string(), http_->uses_proxy() ? " via HTTPS_PROXY" : "",
                     client_->creds().describe());
}

std::int64_t service_session::tls_handshakes() const { return http_->stats().tls_handshakes; }
std::int64_t service_session::connections_opened() const { return http_->stats().connections_opened; }

catalog_call fetch_catalog(const config& cfg, std::optional<catalog_kind> kind) {
  net::io_context ioc(1);
  service_session session(ioc, cfg);
  catalog_call result;
  std::exception_ptr failure;
  auto read = [&]() -> net::awaitable<void> {
    for (int attempt = 1;; ++attempt) {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(cfg.limits.request_timeout_s);
      if (kind) {  // not ?: : GCC 12 miscompiles co_await inside a conditional expression
        result = co_await session.client().read_catalog(*kind, deadline);
      } else {
        result = co_await session.client().read_catalog(deadline);
      }
      outcome o = classify(result.report, call_kind::read);
      if (o.cls != outcome_class::retryable || attempt == 3) co_return;
      net::steady_timer pause(co_await net::this_coro::executor,
                              std::chrono::seconds(o.retry_after_s.value_or(attempt)));
      co_await pause.async_wait(net::use_awaitable);
    }
  };
  net::co_spawn(ioc, read(), [&](std::exception_ptr e) {
    failure = e;
    ioc.stop();  // the embedded emulator would keep the io_context running
  });
  ioc.run();
  if (failure) std::rethrow_exception(failure);
  return result;
}

}  // namespace cphfleet

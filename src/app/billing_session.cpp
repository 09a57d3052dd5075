#include "app/billing_session.hpp"

#include <fmt/format.h>

#include "app/service.hpp"
#include "base/diagnostic.hpp"
#include "client/bss_client.hpp"
#include "client/endpoint.hpp"
#include "client/https_client.hpp"
#include "client/proxy.hpp"

namespace cphfleet {

const billing_config& require_billing(const config& cfg, std::string_view command) {
  if (!cfg.billing)
    throw input_error({diagnostic{
        cfg.path.string(), 0, 0, "billing",
        fmt::format("is missing (required by cphfleet {}: a [billing] table with site = \"cn\", \"intl\" or "
                    "\"eu\", or an endpoint)",
                    command)}});
  return *cfg.billing;
}

billing_session::billing_session(net::io_context& ioc, const config& cfg, service_session& cph) {
  const billing_config& b = require_billing(cfg, "billing");
  endpoint_ = b.embedded() ? cph.url() : b.endpoint;
  const bool local = b.embedded() || endpoint_is_loopback(endpoint_);
  if (b.domain_id.empty() && !local)
    throw input_error({diagnostic{cfg.path.string(), 0, 0, "billing",
                                  fmt::format("env HUAWEICLOUD_SDK_DOMAIN_ID is unset (required for the "
                                              "billing host {}: the account id, sent as X-Domain-Id)",
                                              endpoint_)}});
  endpoint target;
  try {
    target = parse_endpoint(endpoint_);
  } catch (const std::invalid_argument& e) {
    throw input_error({diagnostic{cfg.path.string(), 0, 0, "billing.endpoint", e.what()}});
  }
  https_client_options options;
  options.ca_file = cfg.ca_file;
  options.connect_timeout = std::chrono::seconds(cfg.limits.connect_timeout_s);
  options.proxy = proxy_settings::from_environment();
  try {
    route_to(target, options.proxy);
    http_ = std::make_unique<https_client>(ioc.get_executor(), std::move(target), std::move(options));
  } catch (const std::runtime_error& e) {
    throw input_error({diagnostic{"", 0, 0, "billing", e.what()}});
  }
  bss_client_options bss;
  bss.backoff = {cfg.limits.backoff_base_ms, cfg.limits.backoff_max_ms};
  client_ = std::make_unique<bss_client>(*http_, cph.client().creds(), b.domain_id, bss);
}

billing_session::~billing_session() {
  client_.reset();
  http_.reset();
}

bss_api& billing_session::api() { return *client_; }
bss_client& billing_session::client() { return *client_; }

std::string billing_session::describe() const {
  return fmt::format("billing at {}", http_->target().to_string());
}

net::awaitable<std::vector<chunk_order>> read_chunk_orders(bss_api& api, std::vector<ledger_row> rows,
                                                           std::int64_t timeout_s) {
  std::vector<chunk_order> out;
  for (auto& row : rows) {
    chunk_order c;
    order_detail_call call = co_await api.order_detail(
        row.order_id, std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s));
    if (call.detail) {
      c.detail = std::move(call.detail);
    } else {
      c.error = describe(call.report);
    }
    c.row = std::move(row);
    out.push_back(std::move(c));
  }
  co_return out;
}

void run_to_end(net::io_context& ioc, net::awaitable<void> work) {
  std::exception_ptr failure;
  net::co_spawn(ioc, std::move(work), [&](std::exception_ptr e) {
    failure = e;
    ioc.stop();
  });
  ioc.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace cphfleet

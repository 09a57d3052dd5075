// The billing service a config's `[billing]` names, ready for calls: the HTTPS client to its host and
// the BSS client on top, signed with the same credentials as the CPH session. With
// `[billing] endpoint = "embedded"` the CPH session's embedded emulator serves billing too.
#pragma once
#include "base/net.hpp"
#include "input/config.hpp"
#include "ledger/row.hpp"
#include "send/bss_api.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

class https_client;
class bss_client;
class service_session;

// The config's `[billing]`; throws input_error (exit 2) naming the missing table when there is none.
const billing_config& require_billing(const config& cfg, std::string_view command);

class billing_session {
 public:
  // `cph` must outlive this session. Throws input_error when `[billing]` is missing, its endpoint cannot
  // be used, or a real billing host has no account id (env HUAWEICLOUD_SDK_DOMAIN_ID).
  billing_session(net::io_context& ioc, const config& cfg, service_session& cph);
  ~billing_session();

  bss_api& api();
  bss_client& client();
  std::string describe() const;

 private:
  std::unique_ptr<https_client> http_;
  std::unique_ptr<bss_client> client_;
  std::string endpoint_;
};

// A chunk of the ledger with an order, and that order as the billing service shows it now.
struct chunk_order {
  ledger_row row;                          // the chunk's latest row (its order_id is the order)
  std::optional<bss_order_detail> detail;  // when read
  std::string error;                       // why not
};
// ShowCustomerOrderDetails for each row, one after the other (the client's bucket paces them).
net::awaitable<std::vector<chunk_order>> read_chunk_orders(bss_api& api, std::vector<ledger_row> rows,
                                                           std::int64_t timeout_s);

// Runs `work` on `ioc` to its end (stopping the io_context, which an embedded emulator keeps busy) and
// rethrows what it threw.
void run_to_end(net::io_context& ioc, net::awaitable<void> work);

}  // namespace cphfleet

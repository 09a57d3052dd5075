// What the client reads from an HTTP answer's body and headers: the error answer
// (client/cph_client `read_error_answer`), the purchase's 200 body (`read_purchase_response`, which
// may throw std::runtime_error), the throttle message and Retry-After (client/outcome) and the class
// of a 429 carrying it. Anything else escaping, a crash or a sanitizer report is a finding.
#include "client/cph_client.hpp"
#include "client/outcome.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cphfleet;
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  const error_answer e = read_error_answer(body, "header-request-id");
  try {
    (void)read_purchase_response(body);
  } catch (const std::runtime_error&) {
  }

  (void)parse_throttle_message(body);
  for (std::int64_t now :
       {std::int64_t{0}, std::int64_t{1'700'000'000}, std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max()}) {
    auto wait = parse_retry_after(body, now);
    if (wait && (*wait < 0 || *wait > k_retry_after_cap_s)) __builtin_trap();
  }

  call_report report;
  report.http_status = 429;
  report.error_code = e.code;
  report.error_msg = e.message;
  (void)classify(report, call_kind::purchase);
  (void)describe(report);
  return 0;
}

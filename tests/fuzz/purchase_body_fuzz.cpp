// The purchase body as the emulator reads it (api/purchase_body `parse_purchase`, then `validate`) on
// any text. Neither throws: every problem is an api_error. A body read without errors must also read
// back from its own serialization (`to_body`) without errors and to the same body.
#include "api/purchase_body.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cphfleet;
  const parsed_purchase parsed = parse_purchase(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.errors.empty()) return 0;
  (void)validate(parsed.request);
  const std::string body = to_body(parsed.request);
  const parsed_purchase again = parse_purchase(body);
  if (!again.errors.empty() || to_body(again.request) != body) __builtin_trap();
  return 0;
}

// The config file reader (input/config `read_config`) on any text, with an empty environment: every
// problem must come back as a diagnostic, never as an exception, a crash or a sanitizer report.
#include "input/config.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const cphfleet::env_lookup no_env = [](std::string_view) { return std::optional<std::string>{}; };
  cphfleet::diagnostics errors;
  cphfleet::read_config(text, "fuzz/config.toml", no_env, errors);
  for (const auto& e : errors) (void)e.to_string();
  return 0;
}

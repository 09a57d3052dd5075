// The job file reader (input/job_file `read_job`) on any text: every problem must come back as a
// diagnostic, never as an exception, a crash or a sanitizer report.
#include "input/job_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cphfleet::diagnostics errors;
  cphfleet::read_job(text, "fuzz/job.toml", errors);
  for (const auto& e : errors) (void)e.to_string();
  return 0;
}

// The ledger reader (ledger/reader `parse_ledger`) on any text, once per ledger_cells choice. It may
// refuse the text with std::runtime_error; anything else escaping is a finding, and so is a choice of
// cells that changes the verdict (every cell is checked either way) or a record placed outside the text.
#include "ledger/reader.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

struct verdict {
  std::optional<std::string> error;
  std::uint64_t rows = 0;
  std::uint64_t whole = 0;
  bool torn = false;
  bool operator==(const verdict&) const = default;
};

verdict read(std::string_view text, cphfleet::ledger_cells cells) {
  cphfleet::ledger_read_options options;
  options.cells = cells;
  options.warn_torn = false;  // a log line per input would only slow the run
  options.on_record = [&](std::uint64_t offset, std::uint64_t size) {
    if (size == 0 || offset > text.size() || size > text.size() - offset) __builtin_trap();
  };
  verdict v;
  std::uint64_t sunk = 0;
  try {
    auto r = cphfleet::parse_ledger(
        text, "fuzz/orders.csv", [&](cphfleet::ledger_row&&) { ++sunk; }, options);
    // A torn record is cut (whole < size); a lone CR after the last line break is cut too, untorn.
    if (r.size != text.size() || r.whole > r.size || r.rows != sunk || (r.torn && r.whole >= r.size))
      __builtin_trap();
    v.rows = r.rows;
    v.whole = r.whole;
    v.torn = r.torn;
  } catch (const std::runtime_error& e) {
    v.error = e.what();
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const verdict all = read(text, cphfleet::ledger_cells::all);
  if (read(text, cphfleet::ledger_cells::state) != all) __builtin_trap();
  if (read(text, cphfleet::ledger_cells::unsettled) != all) __builtin_trap();
  return 0;
}

// `cphfleet report --html FILE` (README "A picture of the fleet"): one self-contained HTML page (inline
// SVG and CSS, no script, nothing fetched) drawn from the ledger: per fleet, target against ordered
// (and ready, when known); purchases, retries, 429 answers and unknown outcomes over time; the orders.
#pragma once
#include "ledger/row.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

struct report_inputs {
  std::string title;                            // the job's name, or the ledger's file name
  std::vector<ledger_row> rows;                 // the whole ledger, in file order
  std::map<std::string, std::int64_t> targets;  // fleet -> count, from the job file when given
  std::map<std::string, std::int64_t> ready;    // fleet -> servers ready, when known
  std::string generated;                        // UTC RFC 3339
};

// Text as HTML (&, <, >, ", ').
std::string html_escape(std::string_view text);

std::string report_html(const report_inputs& in);

}  // namespace cphfleet

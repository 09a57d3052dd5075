#include "ledger/row.hpp"

#include "base/csv.hpp"

namespace cphfleet {
namespace {

std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ';';
    out += ids[i];
  }
  return out;
}

}  // namespace

std::string_view to_string(chunk_status s) {
  switch (s) {
    case chunk_status::sending:
      return "sending";
    case chunk_status::ordered:
      return "ordered";
    case chunk_status::retrying:
      return "retrying";
    case chunk_status::failed:
      return "failed";
    case chunk_status::unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<chunk_status> parse_chunk_status(std::string_view s) {
  if (s == "sending") return chunk_status::sending;
  if (s == "ordered") return chunk_status::ordered;
  if (s == "retrying") return chunk_status::retrying;
  if (s == "failed") return chunk_status::failed;
  if (s == "unknown") return chunk_status::unknown;
  return std::nullopt;
}

std::vector<std::string> ledger_row::to_cells() const {
  std::vector<std::string> cells;
  cells.reserve(ledger_columns.size());
  cells.push_back(time);
  cells.push_back(run_id);
  cells.push_back(job);
  cells.push_back(fleet);
  cells.push_back(chunk);
  cells.push_back(std::to_string(count));
  cells.emplace_back(to_string(status));
  cells.push_back(std::to_string(attempt));
  cells.push_back(http_status == 0 ? std::string() : std::to_string(http_status));
  cells.push_back(error_code);
  cells.push_back(error_msg);
  cells.push_back(request_id);
  cells.push_back(order_id);
  cells.push_back(product_id);
  cells.push_back(join_ids(server_ids));
  cells.push_back(project_id);
  cells.push_back(request);
  return cells;
}

std::string ledger_header() {
  return csv::format_record(std::vector<std::string>(ledger_columns.begin(), ledger_columns.end()));
}

std::string format_row(const ledger_row& row) { return csv::format_record(row.to_cells()); }

}  // namespace cphfleet

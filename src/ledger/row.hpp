// The ledger (README "The ledger"): an append-only CSV of every purchase attempt. This file is the row
// model: the statuses, the columns, a row and its CSV form. The latest row of a chunk is its state.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

enum class chunk_status { sending, ordered, retrying, failed, unknown };
std::string_view to_string(chunk_status s);
std::optional<chunk_status> parse_chunk_status(std::string_view s);
// sending and unknown: the service may hold an order the ledger does not know yet.
inline bool is_unresolved(chunk_status s) { return s == chunk_status::sending || s == chunk_status::unknown; }

inline constexpr std::array<std::string_view, 17> ledger_columns = {
    "time",     "run_id",     "job",         "fleet",      "chunk",     "count",
    "status",   "attempt",    "http_status", "error_code", "error_msg", "request_id",
    "order_id", "product_id", "server_ids",  "project_id", "request"};

struct ledger_row {
  std::string time;  // UTC RFC 3339 with milliseconds
  std::string run_id;
  std::string job;
  std::string fleet;
  std::string chunk;
  std::int64_t count = 0;
  chunk_status status = chunk_status::sending;
  std::int64_t attempt = 0;
  int http_status = 0;  // 0: no HTTP answer (written as an empty cell)
  std::string error_code;
  std::string error_msg;
  std::string request_id;
  std::string order_id;
  std::string product_id;
  std::vector<std::string> server_ids;  // joined by ';'
  std::string project_id;
  std::string request;  // the compact JSON body sent

  std::vector<std::string> to_cells() const;
};

// Paying an order (README "Money": `cphfleet pay`) adds `ordered` rows to its chunk (the chunk stays
// ordered) whose error_code says what became of the payment: PAY.SENDING is written before PayOrders
// leaves, then one of the others. No purchase row has an error_code starting with "PAY.".
namespace pay_mark {
inline constexpr std::string_view sending = "PAY.SENDING";      // PayOrders may have left
inline constexpr std::string_view paid = "PAY.PAID";            // the order is completed (paid)
inline constexpr std::string_view under_way = "PAY.UNDER_WAY";  // the payment is being processed
inline constexpr std::string_view refused = "PAY.REFUSED";      // the service refused it: nothing paid
inline constexpr std::string_view unknown = "PAY.UNKNOWN";      // the answer was lost, the order still unpaid
}  // namespace pay_mark
inline bool is_payment_row(const ledger_row& row) { return row.error_code.starts_with("PAY."); }

// The header record, CRLF-terminated, exactly as a new ledger starts.
std::string ledger_header();
// One row as a CSV record.
std::string format_row(const ledger_row& row);

}  // namespace cphfleet

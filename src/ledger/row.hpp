// The ledger (DESIGN.md "Ledger"): an append-only CSV of every purchase attempt. This file is the
// read side and the row model; the latest row of a chunk is its state.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cphfleet {

enum class chunk_status { sending, ordered, retrying, failed, unknown };
std::string_view to_string(chunk_status s);
std::optional<chunk_status> parse_chunk_status(std::string_view s);
// sending and unknown: the service may hold an order the ledger does not know yet.
inline bool is_unresolved(chunk_status s) { return s == chunk_status::sending || s == chunk_status::unknown; }

inline constexpr std::array<std::string_view, 17> ledger_columns = {
    "time",       "run_id",     "job",      "fleet",    "chunk",      "count",
    "status",     "attempt",    "http_status", "error_code", "error_msg", "request_id",
    "order_id",   "product_id", "server_ids", "project_id", "request"};

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

// The header record, CRLF-terminated, exactly as a new ledger starts.
std::string ledger_header();
// One row as a CSV record.
std::string format_row(const ledger_row& row);

// Reads a whole ledger. A missing file is an empty ledger. A header that differs from the contract,
// or a malformed row, throws std::runtime_error naming the file, the line and the difference.
std::vector<ledger_row> read_ledger(const std::filesystem::path& path);
std::vector<ledger_row> parse_ledger(std::string_view text, std::string_view name);

// What a ledger_index keeps. every_row: the whole history (rows() is the file). latest_only: add()
// replaces the chunk's row, so memory grows with the chunks, not with their attempts; rows() then holds
// the latest row of each chunk, in the order the chunks first appeared. latest(), chunks_of(), totals()
// and fleets() answer the same in both.
enum class ledger_history { every_row, latest_only };

struct fleet_totals {
  std::int64_t ordered_servers = 0;
  std::int64_t ordered_chunks = 0;
  std::int64_t failed_chunks = 0;
  std::int64_t retrying_chunks = 0;
  std::int64_t unresolved_chunks = 0;  // sending or unknown
  std::string last_activity;           // time of the fleet's latest row
};

// The latest row of each chunk, and per-fleet totals.
class ledger_index {
 public:
  ledger_index() = default;
  explicit ledger_index(std::vector<ledger_row> rows);
  ledger_index(std::vector<ledger_row> rows, ledger_history history);

  // A newer row for its chunk. Throws std::runtime_error when the chunk is already recorded for
  // another fleet (a chunk name belongs to one fleet; the planner must never guess which).
  void add(ledger_row row);
  // Room for `rows` rows in all: a run that knows how many chunks it sends does not regrow (and for a
  // moment hold twice) the row store midway.
  void reserve(std::size_t rows);
  // Invalidated by the next add().
  const ledger_row* latest(std::string_view chunk) const;
  // Latest rows of a fleet's chunks, in chunk order.
  std::vector<const ledger_row*> chunks_of(std::string_view fleet) const;
  fleet_totals totals(std::string_view fleet) const;
  std::vector<std::string> fleets() const;  // sorted
  const std::vector<ledger_row>& rows() const { return rows_; }

 private:
  void index_row(std::size_t index);  // rows_[index] becomes its chunk's latest row
  std::size_t recency(std::size_t index) const {  // larger: added later
    return history_ == ledger_history::every_row ? index : added_at_[index];
  }

  // Lookups by string_view without building a std::string.
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  std::vector<ledger_row> rows_;  // every row, file order
  std::unordered_map<std::string, std::size_t, string_hash, std::equal_to<>> latest_;  // chunk -> index into rows_
  std::map<std::string, std::vector<std::string>, std::less<>> fleet_chunks_;  // fleet -> chunks
  ledger_history history_ = ledger_history::every_row;
  std::vector<std::size_t> added_at_;  // latest_only: when rows_[i] was added (rows_ is not in that order)
  std::size_t added_ = 0;
};

// Reads a ledger piece by piece (the file is never held whole), handing each row, every cell, to
// `sink` in file order. The same checks and errors as read_ledger; a missing file has no rows.
void for_each_ledger_row(const std::filesystem::path& path, const std::function<void(ledger_row&&)>& sink);

// The ledger's state as planning reads it, for `plan` and a run's spend guard on ledgers of 100,000s
// of rows: read piece by piece (the file is never held whole) into a latest_only index whose rows keep
// time, fleet, chunk, count, status, attempt and http_status. Every other cell is checked as
// read_ledger checks it, then dropped. The same errors as read_ledger; a missing file is empty.
ledger_index read_ledger_state(const std::filesystem::path& path);

}  // namespace cphfleet

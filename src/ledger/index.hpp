// The ledger's state (README "The ledger"): the latest row of each chunk, and per-fleet totals.
#pragma once
#include "ledger/reader.hpp"
#include "ledger/row.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cphfleet {

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

  // Reconciliation's view (README "Sending"). While a chunk's latest row is `sending` or `unknown`: the
  // time of its latest `sending` row, Unix milliseconds (nullopt when the index saw none, or its time
  // does not parse). An `unknown` row written hours after the send does not move it. Kept for the
  // unresolved chunks only, so it costs nothing per settled chunk.
  std::optional<std::int64_t> sending_time_ms(std::string_view chunk) const;
  // The chunks whose latest row is `sending` or `unknown`, in no particular order.
  std::vector<std::string> unresolved() const;
  // The chunk whose row records `order_id` (every_row: any row; latest_only: a latest row), or empty when
  // no row of the ledger holds it: an order the ledger holds is no other chunk's.
  std::string_view chunk_of_order(std::string_view order_id) const;

 private:
  void index_row(std::size_t index);             // rows_[index] becomes its chunk's latest row
  void track_unresolved(const ledger_row& row);  // `row` is its chunk's newest
  void track_order(std::string_view previous_order_id, std::size_t index);  // rows_[index] has changed
  std::size_t recency(std::size_t index) const {                            // larger: added later
    return history_ == ledger_history::every_row ? index : added_at_[index];
  }

  // Lookups by string_view without building a std::string.
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  std::vector<ledger_row> rows_;  // every row, file order
  std::unordered_map<std::string, std::size_t, string_hash, std::equal_to<>>
      latest_;                                                                 // chunk -> index into rows_
  std::map<std::string, std::vector<std::string>, std::less<>> fleet_chunks_;  // fleet -> chunks
  ledger_history history_ = ledger_history::every_row;
  std::vector<std::size_t> added_at_;  // latest_only: when rows_[i] was added (rows_ is not in that order)
  std::size_t added_ = 0;
  // Unresolved chunk -> the time of its latest `sending` row (k_no_sending_time: none seen).
  static constexpr std::int64_t k_no_sending_time = std::numeric_limits<std::int64_t>::min();
  std::unordered_map<std::string, std::int64_t, string_hash, std::equal_to<>> unresolved_;
  // Hash of an order id -> the rows_ index holding it: no copy of the id itself (compared in rows_).
  std::unordered_multimap<std::size_t, std::size_t> orders_;
};

// Reads a ledger piece by piece (the file is never held whole) into a latest_only index, keeping the
// cells `cells` names. For the commands that only read (`plan`, `ledger --latest`, `audit`, a dry run):
// a torn last record is left out with a warning (read_ledger's rules).
ledger_index read_ledger_index(const std::filesystem::path& path, ledger_cells cells = ledger_cells::all);

}  // namespace cphfleet

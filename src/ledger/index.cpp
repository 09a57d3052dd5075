#include "ledger/index.hpp"

#include "base/time_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace cphfleet {
namespace {

// `<prefix>-<digits>`: the digits compared by value, so x-1000 sorts after x-999.
bool chunk_less(std::string_view a, std::string_view b) {
  auto split = [](std::string_view s) {
    std::size_t d = s.size();
    while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9') --d;
    std::string_view digits = s.substr(d);
    std::size_t nz = digits.find_first_not_of('0');
    digits = nz == std::string_view::npos ? std::string_view{} : digits.substr(nz);
    return std::pair{s.substr(0, d), digits};
  };
  auto [pa, da] = split(a);
  auto [pb, db] = split(b);
  if (pa != pb) return a < b;
  if (da.size() != db.size()) return da.size() < db.size();
  if (da != db) return da < db;
  return a < b;
}

}  // namespace

ledger_index::ledger_index(std::vector<ledger_row> rows) : rows_(std::move(rows)) {
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    index_row(i);
    track_unresolved(rows_[i]);
    track_order({}, i);
  }
}

ledger_index::ledger_index(std::vector<ledger_row> rows, ledger_history history) : history_(history) {
  if (history_ == ledger_history::every_row) {
    *this = ledger_index(std::move(rows));
    return;
  }
  for (auto& row : rows) add(std::move(row));
}

void ledger_index::add(ledger_row row) {
  if (history_ == ledger_history::latest_only) {
    auto it = latest_.find(row.chunk);
    if (it != latest_.end()) {
      ledger_row& previous = rows_[it->second];
      if (previous.fleet != row.fleet) {
        throw std::runtime_error(
            fmt::format("ledger: chunk '{}' is recorded for fleet '{}' and for fleet '{}'", row.chunk,
                        previous.fleet, row.fleet));
      }
      // Swapped, not move-assigned: a string assigned from a short one keeps its old buffer, so the
      // latest row would keep the capacity of every cell its chunk's earlier rows had.
      std::swap(previous, row);
      added_at_[it->second] = added_++;
      track_unresolved(previous);
      track_order(row.order_id, it->second);
      return;
    }
    added_at_.push_back(added_++);
  }
  rows_.push_back(std::move(row));
  try {
    index_row(rows_.size() - 1);
  } catch (...) {
    rows_.pop_back();
    if (history_ == ledger_history::latest_only) added_at_.pop_back();
    throw;
  }
  track_unresolved(rows_.back());
  track_order({}, rows_.size() - 1);
}

void ledger_index::track_unresolved(const ledger_row& row) {
  if (!is_unresolved(row.status)) {
    unresolved_.erase(row.chunk);
    return;
  }
  auto it = unresolved_.find(row.chunk);
  if (it == unresolved_.end()) it = unresolved_.emplace(row.chunk, k_no_sending_time).first;
  if (row.status != chunk_status::sending) return;
  auto at = parse_utc_rfc3339(row.time);
  it->second = at ? std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch()).count()
                  : k_no_sending_time;
}

void ledger_index::track_order(std::string_view previous_order_id, std::size_t index) {
  const std::string& id = rows_[index].order_id;
  if (previous_order_id == id) return;
  if (!previous_order_id.empty()) {
    auto [first, last] = orders_.equal_range(std::hash<std::string_view>{}(previous_order_id));
    for (auto it = first; it != last; ++it) {
      if (it->second == index) {
        orders_.erase(it);
        break;
      }
    }
  }
  if (!id.empty()) orders_.emplace(std::hash<std::string_view>{}(id), index);
}

void ledger_index::index_row(std::size_t index) {
  const ledger_row& row = rows_[index];
  auto it = latest_.find(row.chunk);
  if (it != latest_.end()) {
    const ledger_row& previous = rows_[it->second];
    if (previous.fleet != row.fleet) {
      throw std::runtime_error(fmt::format("ledger: chunk '{}' is recorded for fleet '{}' and for fleet '{}'",
                                           row.chunk, previous.fleet, row.fleet));
    }
    it->second = index;
    return;
  }
  latest_.emplace(row.chunk, index);
  auto fleet = fleet_chunks_.find(row.fleet);
  if (fleet == fleet_chunks_.end())
    fleet = fleet_chunks_.emplace(row.fleet, std::vector<std::string>{}).first;
  fleet->second.push_back(row.chunk);
}

void ledger_index::reserve(std::size_t rows) {
  rows_.reserve(rows);
  if (history_ == ledger_history::latest_only) added_at_.reserve(rows);
  latest_.reserve(rows);
}

const ledger_row* ledger_index::latest(std::string_view chunk) const {
  auto it = latest_.find(chunk);
  return it == latest_.end() ? nullptr : &rows_[it->second];
}

std::vector<const ledger_row*> ledger_index::chunks_of(std::string_view fleet) const {
  std::vector<const ledger_row*> out;
  auto it = fleet_chunks_.find(fleet);
  if (it == fleet_chunks_.end()) return out;
  out.reserve(it->second.size());
  for (const auto& chunk : it->second) out.push_back(latest(chunk));
  std::sort(out.begin(), out.end(),
            [](const ledger_row* a, const ledger_row* b) { return chunk_less(a->chunk, b->chunk); });
  return out;
}

fleet_totals ledger_index::totals(std::string_view fleet) const {
  fleet_totals t;
  auto it = fleet_chunks_.find(fleet);
  if (it == fleet_chunks_.end()) return t;
  // The fleet's last row is the latest row of one of its chunks.
  std::size_t last = latest_.find(it->second.front())->second;
  for (const auto& chunk : it->second) {
    std::size_t index = latest_.find(chunk)->second;
    if (recency(index) > recency(last)) last = index;
    const ledger_row& row = rows_[index];
    switch (row.status) {
      case chunk_status::ordered:
        t.ordered_servers += row.count;
        ++t.ordered_chunks;
        break;
      case chunk_status::failed:
        ++t.failed_chunks;
        break;
      case chunk_status::retrying:
        ++t.retrying_chunks;
        break;
      case chunk_status::sending:
      case chunk_status::unknown:
        ++t.unresolved_chunks;
        break;
    }
  }
  t.last_activity = rows_[last].time;
  return t;
}

std::optional<std::int64_t> ledger_index::sending_time_ms(std::string_view chunk) const {
  auto it = unresolved_.find(chunk);
  if (it == unresolved_.end() || it->second == k_no_sending_time) return std::nullopt;
  return it->second;
}

std::vector<std::string> ledger_index::unresolved() const {
  std::vector<std::string> out;
  out.reserve(unresolved_.size());
  for (const auto& [chunk, at] : unresolved_) out.push_back(chunk);
  return out;
}

std::string_view ledger_index::chunk_of_order(std::string_view order_id) const {
  if (order_id.empty()) return {};
  auto [first, last] = orders_.equal_range(std::hash<std::string_view>{}(order_id));
  for (auto it = first; it != last; ++it)
    if (rows_[it->second].order_id == order_id) return rows_[it->second].chunk;
  return {};
}

std::vector<std::string> ledger_index::fleets() const {
  std::vector<std::string> out;
  out.reserve(fleet_chunks_.size());
  for (const auto& [fleet, chunks] : fleet_chunks_) out.push_back(fleet);
  return out;
}

ledger_index read_ledger_index(const std::filesystem::path& path, ledger_cells cells) {
  ledger_index index({}, ledger_history::latest_only);
  ledger_read_options options;
  options.cells = cells;
  read_ledger(
      path, [&](ledger_row&& row) { index.add(std::move(row)); }, options);
  return index;
}

}  // namespace cphfleet

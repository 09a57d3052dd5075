#include "ledger/row.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "base/csv.hpp"

namespace cphfleet {
namespace {

constexpr std::size_t column_count = ledger_columns.size();

enum column : std::size_t {
  col_time,
  col_run_id,
  col_job,
  col_fleet,
  col_chunk,
  col_count,
  col_status,
  col_attempt,
  col_http_status,
  col_error_code,
  col_error_msg,
  col_request_id,
  col_order_id,
  col_product_id,
  col_server_ids,
  col_project_id,
  col_request,
};
static_assert(col_request + 1 == column_count);

std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ';';
    out += ids[i];
  }
  return out;
}

void split_ids(std::string_view cell, std::vector<std::string>& out) {
  out.clear();
  if (cell.empty()) return;
  std::size_t start = 0;
  for (;;) {
    std::size_t semi = cell.find(';', start);
    out.emplace_back(cell.substr(start, semi - start));
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

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

std::size_t count_line_feeds(std::string_view text) {
  std::size_t n = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) != nullptr) {
    ++n;
    ++p;
  }
  return n;
}

[[noreturn]] void row_error(std::string_view name, int line, std::size_t col, std::string_view what) {
  throw std::runtime_error(
      fmt::format("{}:{}: column {} '{}': {}", name, line, col + 1, ledger_columns[col], what));
}

void check_header(const std::vector<std::string>& cells, std::string_view name, int line) {
  std::size_t common = std::min(cells.size(), column_count);
  for (std::size_t i = 0; i < common; ++i) {
    if (cells[i] != ledger_columns[i]) {
      throw std::runtime_error(fmt::format("{}:{}: header column {} is '{}', expected '{}'", name, line,
                                           i + 1, cells[i], ledger_columns[i]));
    }
  }
  if (cells.size() < column_count) {
    throw std::runtime_error(fmt::format("{}:{}: header ends after column {}, expected column {} '{}'", name,
                                         line, cells.size(), cells.size() + 1, ledger_columns[cells.size()]));
  }
  if (cells.size() > column_count) {
    throw std::runtime_error(fmt::format("{}:{}: header column {} is '{}', expected the end of the header",
                                         name, line, column_count + 1, cells[column_count]));
  }
}

// Which cells a row takes over from the reader.
enum class row_cells { all, state };

// Takes the cells' strings over (swap, not copy): the reader refills them for the next record. With
// row_cells::state only the cells planning reads are taken; the others are checked and left to the
// reader, whose strings keep their storage for the next record.
void fill_row(std::vector<std::string>& cells, ledger_row& row, std::string_view name, int line,
              row_cells keep = row_cells::all) {
  if (cells.size() != column_count) {
    throw std::runtime_error(
        fmt::format("{}:{}: row has {} cells, expected {}", name, line, cells.size(), column_count));
  }
  const bool all = keep == row_cells::all;
  row.time.swap(cells[col_time]);
  if (all) row.run_id.swap(cells[col_run_id]);
  if (all) row.job.swap(cells[col_job]);
  if (cells[col_fleet].empty()) row_error(name, line, col_fleet, "empty (every row names its fleet)");
  row.fleet.swap(cells[col_fleet]);
  if (cells[col_chunk].empty()) row_error(name, line, col_chunk, "empty (every row names its chunk)");
  row.chunk.swap(cells[col_chunk]);

  auto count = parse_int(cells[col_count]);
  if (!count || *count < 1 || *count > 10) {
    row_error(name, line, col_count,
              fmt::format("'{}' is not a server count (an integer 1..10)", cells[col_count]));
  }
  row.count = *count;

  auto status = parse_chunk_status(cells[col_status]);
  if (!status) {
    row_error(
        name, line, col_status,
        fmt::format("'{}' is not a status (sending, ordered, retrying, failed, unknown)", cells[col_status]));
  }
  row.status = *status;

  auto attempt = parse_int(cells[col_attempt]);
  if (!attempt || *attempt < 0) {
    row_error(name, line, col_attempt,
              fmt::format("'{}' is not an attempt number (an integer >= 0)", cells[col_attempt]));
  }
  row.attempt = *attempt;

  if (cells[col_http_status].empty()) {
    row.http_status = 0;
  } else {
    auto http = parse_int(cells[col_http_status]);
    if (!http || *http < 0 || *http > 999) {
      row_error(
          name, line, col_http_status,
          fmt::format("'{}' is not an HTTP status (empty, or an integer 100..599)", cells[col_http_status]));
    }
    row.http_status = static_cast<int>(*http);
  }

  if (!all) return;
  row.error_code.swap(cells[col_error_code]);
  row.error_msg.swap(cells[col_error_msg]);
  // A quoted cell grows piece by piece while it is read (to up to twice its length); a row that is
  // kept should not keep that slack.
  row.error_msg.shrink_to_fit();
  row.request_id.swap(cells[col_request_id]);
  row.order_id.swap(cells[col_order_id]);
  row.product_id.swap(cells[col_product_id]);
  split_ids(cells[col_server_ids], row.server_ids);
  row.project_id.swap(cells[col_project_id]);
  row.request.swap(cells[col_request]);
  row.request.shrink_to_fit();
}

// Reads the file a piece at a time, each piece cut after the last record that ends in it (a line feed
// outside quotes), and hands every row to `sink`. The checks and messages are parse_ledger's, with
// line numbers running on across pieces.
template <typename Sink>
void stream_ledger(const std::filesystem::path& path, row_cells keep, Sink&& sink) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    if (errno == ENOENT) return;
    throw std::runtime_error(
        fmt::format("{}: cannot open the ledger: {}", path.string(), std::strerror(errno)));
  }
  const std::string name = path.string();
  constexpr std::size_t piece = 1 << 20;
  std::string buffer;
  std::vector<std::string> cells;
  cells.reserve(column_count);
  bool header_checked = false;
  bool first_piece = true;
  bool quoted = false;       // at buffer[scanned]
  std::size_t scanned = 0;   // buffer bytes already scanned for record ends
  std::size_t complete = 0;  // end of the last whole record in buffer
  int line = 1;              // the line buffer[0] is on
  for (;;) {
    std::size_t old_size = buffer.size();
    buffer.resize(old_size + piece);
    std::size_t n = std::fread(buffer.data() + old_size, 1, piece, file.get());
    buffer.resize(old_size + n);
    if (std::ferror(file.get())) {
      throw std::runtime_error(fmt::format("{}: cannot read the ledger: {}", name, std::strerror(errno)));
    }
    const bool at_end = n < piece;
    if (first_piece) {
      first_piece = false;
      // A UTF-8 byte order mark (a spreadsheet's "CSV UTF-8") carries no data.
      if (std::string_view(buffer).starts_with("\xEF\xBB\xBF")) buffer.erase(0, 3);
    }
    for (std::size_t i = scanned; i < buffer.size(); ++i) {
      char c = buffer[i];
      if (c == '"')
        quoted = !quoted;  // doubled quotes toggle twice: no net change
      else if (c == '\n' && !quoted)
        complete = i + 1;
    }
    scanned = buffer.size();
    // At the end the rest is parsed as it is: a last record without a line break, or a malformed one.
    std::size_t end = at_end ? buffer.size() : complete;
    if (end > 0) {
      std::string_view text(buffer.data(), end);
      csv::reader reader(text, line);
      try {
        if (!header_checked) {
          // An empty file (created, crashed before the header) holds no rows.
          if (!reader.next(cells)) return;
          check_header(cells, name, reader.line());
          header_checked = true;
        }
        while (reader.next(cells)) {
          // A blank line (hand editing) holds no row.
          if (cells.size() == 1 && cells[0].empty()) continue;
          ledger_row row;
          fill_row(cells, row, name, reader.line(), keep);
          sink(std::move(row));
        }
      } catch (const csv::parse_error& e) {
        throw std::runtime_error(fmt::format("{}:{}", name, e.what()));
      }
      line += static_cast<int>(count_line_feeds(text));
      buffer.erase(0, end);
      scanned -= end;
      complete = 0;
    }
    if (at_end) return;
  }
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
  cells.reserve(column_count);
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

std::vector<ledger_row> parse_ledger(std::string_view text, std::string_view name) {
  std::vector<ledger_row> rows;
  // A UTF-8 byte order mark (a spreadsheet's "CSV UTF-8") carries no data.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  csv::reader reader(text);
  std::vector<std::string> cells;
  cells.reserve(column_count);
  try {
    // An empty file (created, crashed before the header) holds no rows.
    if (!reader.next(cells)) return rows;
    check_header(cells, name, reader.line());
    // Records never outnumber line feeds: one cheap pass saves the vector's regrowth copies.
    rows.reserve(count_line_feeds(text) + 1);
    while (reader.next(cells)) {
      // A blank line (hand editing) holds no row.
      if (cells.size() == 1 && cells[0].empty()) continue;
      fill_row(cells, rows.emplace_back(), name, reader.line());
    }
  } catch (const csv::parse_error& e) {
    throw std::runtime_error(fmt::format("{}:{}", name, e.what()));
  }
  return rows;
}

std::vector<ledger_row> read_ledger(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    if (errno == ENOENT) return {};
    throw std::runtime_error(
        fmt::format("{}: cannot open the ledger: {}", path.string(), std::strerror(errno)));
  }
  // The whole file in one read: a ledger of 100,000 rows is some tens of MB. The loop also copes with
  // a file that grows or shrinks while it is read.
  std::string text;
  std::size_t used = 0;
  if (std::fseek(file.get(), 0, SEEK_END) == 0) {
    long size = std::ftell(file.get());
    if (size > 0) text.resize(static_cast<std::size_t>(size));
    std::fseek(file.get(), 0, SEEK_SET);
  }
  for (;;) {
    if (used == text.size()) {
      // Full: grow only if there is more to read (the usual case ends here without a copy).
      int more = std::fgetc(file.get());
      if (more == EOF) break;
      text.resize(std::max<std::size_t>(text.size() * 2, 1 << 16));
      text[used++] = static_cast<char>(more);
    }
    std::size_t n = std::fread(text.data() + used, 1, text.size() - used, file.get());
    used += n;
    if (n == 0) break;
  }
  text.resize(used);
  if (std::ferror(file.get())) {
    throw std::runtime_error(
        fmt::format("{}: cannot read the ledger: {}", path.string(), std::strerror(errno)));
  }
  return parse_ledger(text, path.string());
}

ledger_index::ledger_index(std::vector<ledger_row> rows) : rows_(std::move(rows)) {
  for (std::size_t i = 0; i < rows_.size(); ++i) index_row(i);
}

ledger_index::ledger_index(std::vector<ledger_row> rows, ledger_history history) : history_(history) {
  if (history_ == ledger_history::every_row) {
    rows_ = std::move(rows);
    for (std::size_t i = 0; i < rows_.size(); ++i) index_row(i);
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
      previous = std::move(row);
      added_at_[it->second] = added_++;
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

void for_each_ledger_row(const std::filesystem::path& path, const std::function<void(ledger_row&&)>& sink) {
  stream_ledger(path, row_cells::all, sink);
}

ledger_index read_ledger_state(const std::filesystem::path& path) {
  ledger_index index({}, ledger_history::latest_only);
  stream_ledger(path, row_cells::state, [&](ledger_row&& row) { index.add(std::move(row)); });
  return index;
}

std::vector<std::string> ledger_index::fleets() const {
  std::vector<std::string> out;
  out.reserve(fleet_chunks_.size());
  for (const auto& [fleet, chunks] : fleet_chunks_) out.push_back(fleet);
  return out;
}

}  // namespace cphfleet

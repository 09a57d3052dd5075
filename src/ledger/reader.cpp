#include "ledger/reader.hpp"

#include "base/csv.hpp"
#include "base/log.hpp"
#include "base/text.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace cphfleet {
namespace {

constexpr std::size_t column_count = ledger_columns.size();
constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

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

// Hands the reader up to `size` bytes at `into`; 0 at the end.
using byte_source = std::function<std::size_t(char* into, std::size_t size)>;

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

// What each column takes; the message says what is allowed. Empty: the cell fits.
std::string cell_problem(std::size_t col, std::string_view cell) {
  switch (col) {
    case col_fleet:
      return cell.empty() ? "empty (every row names its fleet)" : "";
    case col_chunk:
      return cell.empty() ? "empty (every row names its chunk)" : "";
    case col_count: {
      auto count = parse_integer<std::int64_t>(cell);
      return !count || *count < 1 || *count > 10
                 ? fmt::format("'{}' is not a server count (an integer 1..10)", cell)
                 : "";
    }
    case col_status:
      return parse_chunk_status(cell)
                 ? ""
                 : fmt::format("'{}' is not a status (sending, ordered, retrying, failed, unknown)", cell);
    case col_attempt: {
      auto attempt = parse_integer<std::int64_t>(cell);
      return !attempt || *attempt < 0 ? fmt::format("'{}' is not an attempt number (an integer >= 0)", cell)
                                      : "";
    }
    case col_http_status: {
      if (cell.empty()) return "";
      auto http = parse_integer<std::int64_t>(cell);
      return !http || *http < 0 || *http > 999
                 ? fmt::format("'{}' is not an HTTP status (empty, or an integer 100..599)", cell)
                 : "";
    }
    default:
      return "";
  }
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

// Takes the cells' strings over (swap, not copy): the reader refills them for the next record. With
// ledger_cells::state only the cells planning reads are taken; the others are checked and left to the
// reader, whose strings keep their storage for the next record.
void fill_row(std::vector<std::string>& cells, ledger_row& row, std::string_view name, int line,
              ledger_cells keep) {
  if (cells.size() != column_count) {
    throw std::runtime_error(
        fmt::format("{}:{}: row has {} cells, expected {}", name, line, cells.size(), column_count));
  }
  for (std::size_t col : {col_fleet, col_chunk, col_count, col_status, col_attempt, col_http_status}) {
    std::string problem = cell_problem(col, cells[col]);
    if (!problem.empty()) row_error(name, line, col, problem);
  }
  const bool all = keep == ledger_cells::all ||
                   (keep == ledger_cells::unsettled && cells[col_status] != to_string(chunk_status::ordered));
  row.time.swap(cells[col_time]);
  if (all) row.run_id.swap(cells[col_run_id]);
  if (all) row.job.swap(cells[col_job]);
  row.fleet.swap(cells[col_fleet]);
  row.chunk.swap(cells[col_chunk]);
  row.count = *parse_integer<std::int64_t>(cells[col_count]);
  row.status = *parse_chunk_status(cells[col_status]);
  row.attempt = *parse_integer<std::int64_t>(cells[col_attempt]);
  row.http_status = cells[col_http_status].empty()
                        ? 0
                        : static_cast<int>(*parse_integer<std::int64_t>(cells[col_http_status]));
  // An ordered row's order id is what reconciliation reads to know which orders the ledger holds.
  if (!all && keep == ledger_cells::unsettled) row.order_id.swap(cells[col_order_id]);
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

// A last record without its line break may be a row cut by a crash: a prefix of a row. It is one if
// its cells, the last of them possibly cut, are no more than the columns and each whole one fits its
// column, and an open quote (a cut quoted cell) is in a column whose values can need quotes: the
// columns up to http_status never do, so an open quote there is a malformed record, not a tear.
bool is_row_prefix(std::string_view s) {
  std::vector<std::string> cells;
  bool open_quote = false;
  std::size_t pos = 0;
  for (;;) {
    std::string cell;
    if (pos < s.size() && s[pos] == '"') {
      bool closed = false;
      for (++pos; pos < s.size();) {
        if (s[pos] != '"') {
          cell += s[pos++];
          continue;
        }
        if (pos + 1 < s.size() && s[pos + 1] == '"') {
          cell += '"';
          pos += 2;
          continue;
        }
        closed = true;
        ++pos;
        break;
      }
      cells.push_back(std::move(cell));
      if (!closed) {
        open_quote = true;
        break;
      }
      if (pos == s.size()) break;
      if (s[pos] != ',') return false;
      ++pos;
      continue;
    }
    std::size_t end = s.find_first_of(",\"\r\n", pos);
    cells.emplace_back(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    if (s[end] != ',') return false;  // a quote inside an unquoted cell, or a stray CR
    pos = end + 1;
  }
  if (cells.size() > column_count) return false;
  if (open_quote && cells.size() - 1 < col_error_code) return false;
  for (std::size_t i = 0; i + 1 < cells.size(); ++i)
    if (!cell_problem(i, cells[i]).empty()) return false;
  return true;
}

std::string header_text() {
  std::string h = ledger_header();
  return h.substr(0, h.size() - 2);  // without its CRLF
}

class piece_reader {
 public:
  piece_reader(std::string_view name, const ledger_sink& sink, const ledger_read_options& options)
      : name_(name), sink_(sink), options_(options) {
    cells_.reserve(column_count);
  }

  ledger_read run(const byte_source& source) {
    constexpr std::size_t piece = 1 << 20;
    bool first = true;
    for (;;) {
      std::uint64_t room = options_.limit - std::min(options_.limit, result_.size);
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(piece, room));
      std::size_t old_size = buffer_.size();
      buffer_.resize(old_size + want);
      std::size_t n = want == 0 ? 0 : source(buffer_.data() + old_size, want);
      buffer_.resize(old_size + n);
      result_.size += n;
      const bool at_end = n == 0;
      if (first) {
        if (buffer_.size() < byte_order_mark.size() && !at_end) continue;
        first = false;
        // A UTF-8 byte order mark (a spreadsheet's "CSV UTF-8") carries no data.
        if (std::string_view(buffer_).starts_with(byte_order_mark)) {
          buffer_.erase(0, byte_order_mark.size());
          base_ = byte_order_mark.size();
        }
      }
      for (std::size_t i = scanned_; i < buffer_.size(); ++i) {
        char c = buffer_[i];
        if (c == '"') {
          quoted_ = !quoted_;  // doubled quotes toggle twice: no net change
        } else if (c == '\n' && !quoted_) {
          if (i + 1 - complete_ > max_ledger_record) too_long();
          complete_ = i + 1;
          if (options_.on_record) ends_.push_back(complete_);
        }
      }
      scanned_ = buffer_.size();
      if (buffer_.size() - complete_ > max_ledger_record) too_long();
      if (complete_ > 0) take_records();
      if (at_end) break;
    }
    result_.whole = base_;
    if (!buffer_.empty()) take_last_record();
    return result_;
  }

 private:
  // The record that starts at buffer_[complete_] is longer than any ledger record.
  [[noreturn]] void too_long() const {
    int at = line_ + static_cast<int>(count_line_feeds(std::string_view(buffer_.data(), complete_)));
    throw std::runtime_error(
        fmt::format("{}:{}: a record longer than {} bytes: not a ledger", name_, at, max_ledger_record));
  }

  // Parses buffer_[0, complete_): whole records, each ending in a line break.
  void take_records() {
    std::string_view text(buffer_.data(), complete_);
    csv::reader reader(text, line_);
    try {
      // Each record ends at one of the line feeds the scan found (a blank line too).
      const bool where = static_cast<bool>(options_.on_record);
      for (std::size_t k = 0; reader.next(cells_); ++k) {
        std::size_t start = !where || k == 0 ? 0 : ends_[k - 1];
        take(reader.line(), base_ + start, where ? ends_[k] - start : 0);
      }
    } catch (const csv::parse_error& e) {
      throw std::runtime_error(fmt::format("{}:{}", name_, e.what()));
    }
    line_ += static_cast<int>(count_line_feeds(text));
    ends_.clear();
    buffer_.erase(0, complete_);
    base_ += complete_;
    scanned_ -= complete_;
    complete_ = 0;
  }

  // The record in cells_, from `line`, at [offset, offset + size) of the file.
  void take(int line, std::uint64_t offset, std::uint64_t size) {
    if (!result_.header) {
      check_header(cells_, name_, line);
      result_.header = true;
      return;
    }
    // A blank line (hand editing) holds no row.
    if (cells_.size() == 1 && cells_[0].empty()) return;
    ledger_row row;
    fill_row(cells_, row, name_, line, options_.cells);
    ++result_.rows;
    if (options_.on_record) options_.on_record(offset, size);
    sink_(std::move(row));
  }

  // What is left after the last line break: a whole record typed without one, or one cut by a crash.
  void take_last_record() {
    std::string_view rest(buffer_);
    if (!quoted_ && rest.ends_with('\r')) rest.remove_suffix(1);  // the CR of a cut CRLF
    std::string error;
    if (!rest.empty()) {
      try {
        csv::reader reader(rest, line_);
        reader.next(cells_);
        if (result_.header && cells_.size() == column_count && !cells_[col_request].empty()) {
          // A request cut at a doubled quote still closes its cell: only a whole body parses.
          boost::system::error_code ec;
          boost::json::parse(cells_[col_request], ec);
          if (ec) row_error(name_, reader.line(), col_request, "not a whole JSON body");
        }
        take(reader.line(), base_, rest.size());
        result_.whole = base_ + rest.size();
        result_.unterminated = true;
        return;
      } catch (const csv::parse_error& e) {
        error = fmt::format("{}:{}", name_, e.what());
      } catch (const std::runtime_error& e) {
        error = e.what();
      }
      bool torn = result_.header ? is_row_prefix(rest) : header_text().starts_with(rest);
      if (!torn) throw std::runtime_error(error);
    }
    result_.torn = !rest.empty();  // else a lone CR after the last line break: not a record
    if (result_.torn && options_.warn_torn) {
      log(log_level::warn,
          "the ledger ends in a torn record (a crash while appending): it is left out, and the next run, "
          "replay or reconcile cuts it",
          {{"ledger", std::string(name_)}, {"line", line_}, {"bytes", result_.size - result_.whole}});
    }
  }

  std::string_view name_;
  const ledger_sink& sink_;
  const ledger_read_options& options_;
  ledger_read result_;
  std::string buffer_;
  std::vector<std::string> cells_;
  std::uint64_t base_ = 0;         // the file offset of buffer_[0]
  bool quoted_ = false;            // at buffer_[scanned_]
  std::size_t scanned_ = 0;        // buffer_ bytes already scanned for record ends
  std::size_t complete_ = 0;       // the end of the last whole record in buffer_
  std::vector<std::size_t> ends_;  // with on_record: the record ends in buffer_[0, complete_)
  int line_ = 1;                   // the line buffer_[0] is on
};

std::string errno_text() { return std::strerror(errno); }

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

void check_ledger_file(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw std::runtime_error(fmt::format("{}: cannot read the ledger: {}", path.string(), errno_text()));
  }
  if (S_ISREG(st.st_mode)) return;
  refuse_non_regular(path, S_ISDIR(st.st_mode)                          ? "folder"
                           : S_ISFIFO(st.st_mode)                       ? "FIFO"
                           : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "device"
                                                                        : "special file");
}

void refuse_non_regular(const std::filesystem::path& path, std::string_view kind) {
  throw std::runtime_error(
      fmt::format("{}: not a regular file (a ledger is a file a run appends to; this is a {}): refused",
                  path.string(), kind));
}

void check_ledger_path(const std::filesystem::path& path) {
  const std::string& name = path.native();
  for (std::size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) {
      throw std::runtime_error(fmt::format(
          "ledger path '{}' holds a control character (byte {} is 0x{:02x}): refused (allowed: a path of "
          "printable characters)",
          printable(name), i + 1, c));
    }
  }
}

ledger_read parse_ledger(std::string_view text, std::string_view name, const ledger_sink& sink,
                         const ledger_read_options& options) {
  ledger_read_options bounded = options;  // a short text takes a short buffer, not a whole piece
  bounded.limit = std::min<std::uint64_t>(options.limit, text.size());
  piece_reader reader(name, sink, bounded);
  return reader.run([&text](char* into, std::size_t size) {
    std::size_t n = std::min(size, text.size());
    std::memcpy(into, text.data(), n);
    text.remove_prefix(n);
    return n;
  });
}

ledger_read read_ledger(int fd, std::string_view name, const ledger_sink& sink,
                        const ledger_read_options& options) {
  off_t offset = 0;
  piece_reader reader(name, sink, options);
  return reader.run([&](char* into, std::size_t size) -> std::size_t {
    for (;;) {
      ssize_t n = ::pread(fd, into, size, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error(fmt::format("{}: cannot read the ledger: {}", name, errno_text()));
      offset += n;
      return static_cast<std::size_t>(n);
    }
  });
}

ledger_read read_ledger(const std::filesystem::path& path, const ledger_sink& sink,
                        const ledger_read_options& options) {
  check_ledger_path(path);
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before the check below could refuse it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    throw std::runtime_error(fmt::format("{}: cannot open the ledger: {}", path.string(), errno_text()));
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  check_ledger_file(fd, path);
  return read_ledger(fd, path.string(), sink, options);
}

std::vector<ledger_row> read_ledger(const std::filesystem::path& path) {
  std::vector<ledger_row> rows;
  read_ledger(path, [&rows](ledger_row&& row) { rows.push_back(std::move(row)); });
  return rows;
}

std::vector<ledger_row> parse_ledger(std::string_view text, std::string_view name) {
  std::vector<ledger_row> rows;
  parse_ledger(text, name, [&rows](ledger_row&& row) { rows.push_back(std::move(row)); });
  return rows;
}

}  // namespace cphfleet

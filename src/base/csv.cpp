#include "base/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace cphfleet::csv {
namespace {

bool is_formula_start(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

// `'*` followed by a formula character: the cells that get (or, read back, lose) one `'`.
bool matches_guard(std::string_view cell) {
  std::size_t i = cell.find_first_not_of('\'');
  return i != std::string_view::npos && is_formula_start(cell[i]);
}

// The characters that end an unquoted cell (or make it malformed), as a table: this loop reads every
// byte of a ledger.
constexpr std::array<bool, 256> special_table = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {',', '\r', '\n', '"'}) t[c] = true;
  return t;
}();
bool is_special(char c) { return special_table[static_cast<unsigned char>(c)]; }

bool needs_quotes(std::string_view cell) { return cell.find_first_of(",\"\r\n") != std::string_view::npos; }

void append_cell(std::string& out, std::string_view cell) {
  bool guard = matches_guard(cell);
  if (!needs_quotes(cell)) {
    if (guard) out += '\'';
    out += cell;
    return;
  }
  out += '"';
  if (guard) out += '\'';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

parse_error::parse_error(int l, int c, std::string d)
    : std::runtime_error(fmt::format("{}:{}: {}", l, c, d)), line(l), column(c), detail(std::move(d)) {}

void append_record(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    append_cell(out, cells[i]);
  }
  out += "\r\n";
}

std::string format_record(const std::vector<std::string>& cells) {
  std::string out;
  std::size_t size = 2;
  for (const auto& c : cells) size += c.size() + 3;
  out.reserve(size);
  append_record(out, cells);
  return out;
}

void reader::fail(std::size_t at, std::string detail) const {
  // Errors are rare: find the position's line and column by scanning from the start.
  at = std::min(at, text_.size());
  std::string_view before = text_.substr(0, at);
  int line = first_line_ + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  std::size_t line_start = before.rfind('\n');
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  int column = 1;
  for (std::size_t i = line_start; i < at; ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;  // not a UTF-8 continuation
  }
  throw parse_error(line, column, std::move(detail));
}

std::optional<std::vector<std::string>> reader::next() {
  std::vector<std::string> cells;
  if (!next(cells)) return std::nullopt;
  return cells;
}

bool reader::next(std::vector<std::string>& cells) {
  const std::size_t size = text_.size();
  if (pos_ >= size) return false;
  line_ = next_line_;
  std::size_t used = 0;
  for (;;) {
    if (used == cells.size()) cells.emplace_back();
    std::string& cell = cells[used++];
    cell.clear();
    if (pos_ < size && text_[pos_] == '"') {
      const std::size_t open = pos_;
      ++pos_;
      for (;;) {
        std::size_t quote = text_.find('"', pos_);
        if (quote == std::string_view::npos) fail(open, "unterminated quoted cell (no closing quote)");
        std::string_view part = text_.substr(pos_, quote - pos_);
        next_line_ += static_cast<int>(std::count(part.begin(), part.end(), '\n'));
        cell.append(part);
        pos_ = quote + 1;
        if (pos_ < size && text_[pos_] == '"') {  // a doubled quote is one quote of the cell
          cell += '"';
          ++pos_;
          continue;
        }
        break;
      }
      if (pos_ < size && text_[pos_] != ',' && text_[pos_] != '\r' && text_[pos_] != '\n') {
        fail(pos_, "unexpected character after a closing quote (a quote inside a cell is doubled)");
      }
    } else {
      std::size_t end = pos_;
      while (end < size && !is_special(text_[end])) ++end;
      if (end < size && text_[end] == '"')
        fail(end, "quote inside an unquoted cell (quote the cell and double the quote)");
      cell.assign(text_.data() + pos_, end - pos_);
      pos_ = end;
    }
    if (matches_guard(cell) && cell[0] == '\'') cell.erase(0, 1);

    if (pos_ >= size) break;
    char c = text_[pos_];
    if (c == ',') {
      ++pos_;
      continue;
    }
    if (c == '\r') {
      if (pos_ + 1 >= size || text_[pos_ + 1] != '\n')
        fail(pos_, "carriage return outside quotes not followed by a line feed");
      pos_ += 2;
    } else {  // '\n'
      ++pos_;
    }
    ++next_line_;
    break;
  }
  cells.resize(used);
  return true;
}

}  // namespace cphfleet::csv

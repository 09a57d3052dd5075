// RFC 4180 CSV with the spreadsheet-safety prefix (DESIGN.md "Ledger").
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet::csv {

// One record, CRLF-terminated. A cell that starts with = + - @ TAB or CR is written behind a `'`;
// cells with a comma, quote, CR or LF are quoted, quotes doubled.
std::string format_record(const std::vector<std::string>& cells);

// Reads records one by one from a whole buffer (quoted cells may hold CR/LF). Undoes the `'` prefix
// where it guards one of the characters above.
class reader {
 public:
  explicit reader(std::string_view text) : text_(text) {}
  // The next record, or nullopt at the end. Throws std::runtime_error on a malformed record
  // (an unterminated quote, a quote inside an unquoted cell), naming the line.
  std::optional<std::vector<std::string>> next();
  int line() const { return line_; }  // 1-based line where the last returned record started

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 0;
  int next_line_ = 1;
};

}  // namespace cphfleet::csv

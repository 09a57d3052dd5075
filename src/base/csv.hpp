// RFC 4180 CSV with the spreadsheet-safety prefix (README "The ledger").
//
// The prefix: a spreadsheet runs a cell that starts with = + - @ TAB or CR as a formula, so such a
// cell is written behind a `'`. To keep that reversible for a cell that really starts with `'`, the
// rule is: a cell matching `'*[=+\-@\t\r]...` (any number of `'`, then one of those characters) is
// written with one more `'` in front; the reader removes one `'` from a cell matching
// `'+[=+\-@\t\r]...`. Every other cell is written and read as it is, so a hand-written `'hello`
// stays `'hello`, and `=x` typed by hand (unguarded) also reads back as `=x`.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet::csv {

// One record, CRLF-terminated. A cell that starts with = + - @ TAB or CR is written behind a `'`;
// cells with a comma, quote, CR or LF are quoted, quotes doubled.
std::string format_record(const std::vector<std::string>& cells);
// The same, appended to `out` (no temporary per record).
void append_record(std::string& out, const std::vector<std::string>& cells);

// A malformed record. what() reads `line:column: detail` (1-based; the column counts UTF-8
// characters), so a caller prefixes the file name: `orders.csv:5:12: quote inside an unquoted cell`.
struct parse_error : std::runtime_error {
  int line;
  int column;
  std::string detail;
  parse_error(int l, int c, std::string d);
};

// Reads records one by one from a whole buffer (quoted cells may hold CR/LF). Undoes the `'` prefix
// where it guards one of the characters above. Records end with CRLF or with a bare LF (a file edited
// by hand); a CR outside quotes that is not followed by LF is malformed.
class reader {
 public:
  explicit reader(std::string_view text) : text_(text) {}
  // `text` starts at line `first_line` of a larger input read piece by piece (cut at record ends):
  // line numbers, in line() and in errors, count from there.
  reader(std::string_view text, int first_line)
      : text_(text), first_line_(first_line), next_line_(first_line) {}
  // The next record, or nullopt at the end. Throws parse_error (a std::runtime_error) on a malformed
  // record (an unterminated quote, a quote inside an unquoted cell), naming the line.
  std::optional<std::vector<std::string>> next();
  // The same into `cells`, reusing its strings' storage; false at the end.
  bool next(std::vector<std::string>& cells);
  int line() const { return line_; }  // 1-based line where the last returned record started

 private:
  [[noreturn]] void fail(std::size_t at, std::string detail) const;

  std::string_view text_;
  std::size_t pos_ = 0;
  int first_line_ = 1;
  int line_ = 0;
  int next_line_ = 1;
};

}  // namespace cphfleet::csv

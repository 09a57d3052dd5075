// An error that points at the input: `path:line:col: field: what is wrong (what is allowed)`.
#pragma once
#include <string>
#include <vector>

namespace cphfleet {

struct diagnostic {
  std::string path;     // the file, as the user named it (or resolved against the naming file)
  int line = 0;         // 1-based; 0 when the error has no position (a missing file)
  int column = 0;       // 1-based
  std::string field;    // `fleet[1].count`, `limits.burst`, `job.name`
  std::string message;  // `must be 1..10 (got 11)`: what is wrong, then what is allowed

  std::string to_string() const;  // the one format users see
};

using diagnostics = std::vector<diagnostic>;

// Raised once, after a whole file was checked, when it holds any error. Exit code 2.
struct input_error : std::exception {
  diagnostics errors;
  explicit input_error(diagnostics e) : errors(std::move(e)) {}
  const char* what() const noexcept override { return "invalid input"; }
};

}  // namespace cphfleet

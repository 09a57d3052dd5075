#include "base/diagnostic.hpp"

#include <fmt/format.h>

namespace cphfleet {

// `path:line:col: field: message`; the parts that are unknown are left out (`path: field: message`
// for a file that cannot be read, `field: message` for a command-line option).
std::string diagnostic::to_string() const {
  std::string out;
  if (!path.empty()) {
    out += path;
    if (line > 0) out += fmt::format(":{}:{}", line, column);
    out += ": ";
  }
  if (!field.empty()) {
    out += field;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace cphfleet

#include "input/credentials_file.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace cphfleet {
namespace {

[[noreturn]] void refuse(const std::string& path, int line, std::string field, std::string message) {
  throw input_error({diagnostic{path, line, line > 0 ? 1 : 0, std::move(field), std::move(message)}});
}

// Closes the descriptor however the read ends.
struct file_descriptor {
  int fd;
  ~file_descriptor() {
    if (fd >= 0) ::close(fd);  // read-only: nothing to lose on close
  }
};

}  // namespace

credentials_file parse_credentials_file(std::string_view text, const std::string& shown_path) {
  credentials_file out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM some editors write
  std::string section;
  std::set<std::string> seen;
  int number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);  // a file written on Windows
    line = trim(line);
    start = end + 1;
    ++number;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        refuse(shown_path, number, "credentials file",
               "a section header has no closing ] (allowed: [basic])");
      }
      section = std::string(trim(line.substr(1, line.size() - 2)));  // case matters, as to the SDK
      if (section == "basic") {
        if (out.line != 0) {
          refuse(shown_path, number, "credentials file",
                 fmt::format("[basic] is given twice, first on line {} (allowed: once)", out.line));
        }
        out.line = number;
      }
      continue;
    }
    // No value is ever quoted back: a malformed line may be a secret pasted without its key.
    const std::size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos || sep == 0) {
      refuse(shown_path, number, "credentials file",
             "the line is neither a [section], a key = value pair nor a comment starting with # or ;");
    }
    if (section.empty()) {
      refuse(shown_path, number, "credentials file",
             "a key before any [section] (allowed: keys under [basic])");
    }
    if (section != "basic") continue;
    const std::string key = to_lower(trim(line.substr(0, sep)));
    const std::string value(trim(line.substr(sep + 1)));
    if (!seen.insert(key).second) {
      refuse(shown_path, number, "basic." + key, "is given twice in [basic] (allowed: once)");
    }
    if (key == "ak") {
      out.ak = value;
    } else if (key == "sk") {
      out.sk = value;
    } else if (key == "project_id") {
      out.project_id = value;
    } else if (key == "security_token") {
      out.security_token = value;
    }
  }
  return out;
}

std::optional<credentials_file> read_credentials_file(const std::filesystem::path& path) {
  const std::string shown = path.string();
  // O_NONBLOCK: a FIFO named as the file must not hang the run; fstat below refuses it.
  file_descriptor f{::open(shown.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    refuse(shown, 0, "", fmt::format("cannot open the credentials file: {}", std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    refuse(shown, 0, "", fmt::format("cannot read the credentials file: {}", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) refuse(shown, 0, "", "the credentials file is not a regular file");
  const unsigned mode = st.st_mode & 07777u;
  if ((mode & 077u) != 0) {
    refuse(shown, 0, "",
           fmt::format("the credentials file has mode {:04o}: other users may read it or change it (allowed: "
                       "only its owner: chmod 600 {})",
                       mode, shown));
  }
  if (static_cast<std::uintmax_t>(st.st_size) > max_credentials_file_bytes) {
    refuse(shown, 0, "",
           fmt::format("the credentials file is {} bytes (allowed: at most {})", st.st_size,
                       max_credentials_file_bytes));
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(f.fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      refuse(shown, 0, "", fmt::format("cannot read the credentials file: {}", std::strerror(errno)));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return parse_credentials_file(text, shown);
}

}  // namespace cphfleet

// The official SDKs' credentials file (README "Config files"): an INI file, by default
// ~/.huaweicloud/credentials, whose `[basic]` section holds `ak`, `sk`, `project_id` and
// `security_token`. Holds a secret, so only its owner may read it.
#pragma once
#include "base/diagnostic.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cphfleet {

// The largest credentials file read: a few lines; anything near this is not one.
inline constexpr std::uintmax_t max_credentials_file_bytes = 64 * 1024;

// What `[basic]` holds. Holds secrets: never print `sk` or `security_token`.
struct credentials_file {
  std::string ak;
  std::string sk;
  std::string project_id;
  std::string security_token;
  int line = 0;  // of the `[basic]` header, 0 when the file has none
};

// Reads `text` as the SDK's INI file does: `[section]` headers, `key = value` or `key: value` with
// keys in any case, whole-line comments starting with `#` or `;`, blank lines; other sections and
// other keys of `[basic]` are ignored. `shown_path` names the file in messages. Throws input_error
// for a line that is none of those, or a key given twice in `[basic]`; no message holds a value.
credentials_file parse_credentials_file(std::string_view text, const std::string& shown_path);

// The file at `path`, or nothing when there is none. Throws input_error (exit 2) when it is not a
// regular file, when its mode lets anyone but its owner read or write it, when it is larger than
// max_credentials_file_bytes or cannot be read, and for what parse_credentials_file refuses.
std::optional<credentials_file> read_credentials_file(const std::filesystem::path& path);

}  // namespace cphfleet

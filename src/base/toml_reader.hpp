// Typed reading of a parsed TOML file where every problem becomes a diagnostic that points at the
// input (`path:line:col: field: what is wrong (what is allowed)`). The job file and the config file
// are both read through it, so their messages read alike.
#pragma once
#include "base/diagnostic.hpp"

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace cphfleet {

// The largest job or config file read: both are a few KB; anything near this is not one of them
// (and `/dev/zero` named as a file must not grow memory until allocation fails).
inline constexpr std::uintmax_t max_toml_file_bytes = 4u << 20;

// True when `text` holds a NUL, another C0 control character or DEL: never part of a path we accept.
bool has_control_character(std::string_view text);

// An unknown key that is really a known key of a nested table (`band_width_size` written at the
// fleet's level) gets this hint instead of the closest spelling.
struct key_hint {
  std::string_view key;
  std::string_view instead;
};

class toml_reader {
 public:
  // `shown_path` is the file as the user named it: diagnostics print it unchanged.
  toml_reader(std::string shown_path, diagnostics& out);

  // Reads and parses `path`. A file that cannot be read, or a syntax error (toml++ stops at its first
  // one, with its position), becomes a diagnostic and the result is empty.
  std::optional<toml::table> parse_file(const std::filesystem::path& path);
  // Parses text already read (what parse_file does after reading): a syntax error becomes a diagnostic.
  std::optional<toml::table> parse_text(std::string_view text);

  void error(const toml::source_region& at, std::string_view field, std::string message);
  void error(const toml::node& at, std::string_view field, std::string message);
  void error(int line, int column, std::string_view field, std::string message);
  // An error with no place in the file (something missing at the top level, an environment value).
  void error(std::string_view field, std::string message);

  // Every key of `table` not in `allowed` is an error, with a "did you mean" when one is close. Keys in
  // `elsewhere` are known but not allowed here, and the caller reports them in its own words.
  void check_keys(const toml::table& table, std::string_view prefix,
                  std::span<const std::string_view> allowed, std::span<const key_hint> hints = {},
                  std::span<const std::string_view> elsewhere = {});
  // From now on an unknown key named like a credential (`sk`, `password`, `auth_token`, ...) gets
  // `message` instead of the usual one: secrets come from the environment only.
  void forbid_secrets(std::string message) { secret_message_ = std::move(message); }

  // Each reads one value; a wrong type is reported ("is a string (allowed: an integer)") and yields
  // nothing.
  std::optional<std::string> string(const toml::node& n, std::string_view field);
  // A string naming a file: also refused when empty or when it holds a NUL or another control
  // character (a NUL would cut the path short in every system call, so the file opened would not be
  // the one named). `allowed` ends the messages: "(allowed: a CSV file, relative to this file's folder)".
  std::optional<std::string> path_string(const toml::node& n, std::string_view field,
                                         std::string_view allowed);
  std::optional<std::int64_t> integer(const toml::node& n, std::string_view field);
  std::optional<std::int64_t> integer(const toml::node& n, std::string_view field, std::int64_t lo,
                                      std::int64_t hi);
  // An integer or a float (TOML's `5` is an integer: a rate written so is fine).
  std::optional<double> number(const toml::node& n, std::string_view field);
  std::optional<bool> boolean(const toml::node& n, std::string_view field);
  // A boolean, or the API's string form: "true"/"false" in any case. Any other string is an error
  // (the service reads anything but "true" as false, so "yes" would silently mean no).
  std::optional<bool> bool_or_string(const toml::node& n, std::string_view field);
  const toml::table* table(const toml::node& n, std::string_view field);
  const toml::array* array(const toml::node& n, std::string_view field);

  // Orders the diagnostics this reader added by position (those without one last), so a file's
  // problems read top to bottom whatever order the checks ran in; drops exact repeats.
  void finish();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  diagnostics& out_;
  std::size_t first_;
  std::string secret_message_;
};

// "a string", "an integer", "a table", ...
std::string describe_type(const toml::node& n);
// A value for a message: 'text' with control characters escaped, cut after 64 characters.
std::string quote(std::string_view s);
// `prefix.key`, or `key` when there is no prefix.
std::string join_field(std::string_view prefix, std::string_view key);
// The allowed key closest to `key` (a typo, a case slip, `-` for `_`), or empty when none is close.
std::string_view closest_key(std::string_view key, std::span<const std::string_view> allowed);
// Names like `sk`, `secret_key`, `password`, `auth_token`: a credential someone tried to put in a file.
bool looks_like_secret(std::string_view key);

}  // namespace cphfleet

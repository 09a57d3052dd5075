#include "base/toml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace cphfleet {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Lower case, `-` read as `_`: the spellings a typo most often differs by.
std::string normalized_key(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = c == '-' ? '_' : ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions (`cuont`).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

int to_int(std::uint32_t v) { return static_cast<int>(std::min<std::uint32_t>(v, 0x7FFFFFFF)); }

}  // namespace

std::string describe_type(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string quote(std::string_view s) {
  constexpr std::size_t max_chars = 64;
  std::string out = "'";
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool continuation = (c & 0xC0) == 0x80;
    if (!continuation && ++chars > max_chars) {
      out += "...";
      break;
    }
    // A control character would break the one-line-per-error output.
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "'";
  return out;
}

std::string join_field(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return fmt::format("{}.{}", prefix, key);
}

std::string_view closest_key(std::string_view key, std::span<const std::string_view> allowed) {
  const std::string k = normalized_key(key);
  std::string_view best;
  std::size_t best_distance = SIZE_MAX;
  bool tied = false;
  for (std::string_view candidate : allowed) {
    const std::string c = normalized_key(candidate);
    if (c == k) return candidate;
    // Short names tolerate one slip; longer ones two. Never more than a third of the name, so `id`
    // does not suggest `ca_file`.
    std::size_t limit = std::min<std::size_t>(c.size() <= 4 ? 1 : 2, std::max<std::size_t>(1, c.size() / 3));
    std::size_t d = edit_distance(k, c);
    // A unit left off (`latency` for `latency_ms`) or added.
    if (c.starts_with(k + "_") || k.starts_with(c + "_")) d = std::min<std::size_t>(d, 1);
    if (d > limit) continue;
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
      tied = false;
    } else if (d == best_distance) {
      tied = true;
    }
  }
  // Two equally close keys (`period`: period_type or period_num?): a guess would mislead.
  return tied ? std::string_view{} : best;
}

bool looks_like_secret(std::string_view key) {
  const std::string k = normalized_key(key);
  static constexpr std::array<std::string_view, 6> words{"secret", "password",   "passwd",
                                                         "token",  "credential", "private_key"};
  for (auto w : words) {
    if (k.find(w) != std::string::npos) return true;
  }
  // `ak`, `sk`, `huaweicloud_sdk_ak`, `access_key`, `access_key_id`, `api_key`.
  std::stringstream parts(k);
  std::string part, previous;
  while (std::getline(parts, part, '_')) {
    if (part == "ak" || part == "sk" || part == "accesskey" || part == "secretkey" || part == "apikey")
      return true;
    if (part == "key" && (previous == "access" || previous == "api")) return true;
    previous = part;
  }
  return false;
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

toml_reader::toml_reader(std::string shown_path, diagnostics& out)
    : path_(std::move(shown_path)), out_(out), first_(out.size()) {}

std::optional<toml::table> toml_reader::parse_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st)) {
    error("", "is a directory (allowed: a TOML file)");
    return std::nullopt;
  }
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    error("", "is not a regular file (allowed: a TOML file)");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error("", fmt::format("cannot be read ({})", std::strerror(errno)));
    return std::nullopt;
  }
  // Read one byte past the cap, so a file that grew after the check is caught too.
  std::string text(max_toml_file_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    error("", fmt::format("cannot be read ({})", std::strerror(errno)));
    return std::nullopt;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_toml_file_bytes) {
    error("", fmt::format("is larger than {} MiB (allowed: a TOML file of at most that size)",
                          max_toml_file_bytes >> 20));
    return std::nullopt;
  }
  return parse_text(text);
}

std::optional<toml::table> toml_reader::parse_text(std::string_view text) {
  try {
    return toml::parse(text, std::string_view{path_});
  } catch (const toml::parse_error& e) {
    std::string what(e.description());
    if (!what.empty()) what[0] = ascii_lower(what[0]);
    error(e.source(), "", "invalid TOML: " + what);
    return std::nullopt;
  }
}

void toml_reader::error(int line, int column, std::string_view field, std::string message) {
  out_.push_back(diagnostic{path_, line, column, std::string(field), std::move(message)});
}

void toml_reader::error(const toml::source_region& at, std::string_view field, std::string message) {
  error(to_int(at.begin.line), to_int(at.begin.column), field, std::move(message));
}

void toml_reader::error(const toml::node& at, std::string_view field, std::string message) {
  error(at.source(), field, std::move(message));
}

void toml_reader::error(std::string_view field, std::string message) {
  error(0, 0, field, std::move(message));
}

void toml_reader::check_keys(const toml::table& table, std::string_view prefix,
                             std::span<const std::string_view> allowed, std::span<const key_hint> hints,
                             std::span<const std::string_view> elsewhere) {
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    if (std::find(elsewhere.begin(), elsewhere.end(), k) != elsewhere.end()) continue;
    const std::string field = join_field(prefix, k);
    if (!secret_message_.empty() && looks_like_secret(k)) {
      error(key.source(), field, secret_message_);
      continue;
    }
    auto hint = std::find_if(hints.begin(), hints.end(), [&](const key_hint& h) { return h.key == k; });
    if (hint != hints.end()) {
      error(key.source(), field, fmt::format("is not a known key here (did you mean {}?)", hint->instead));
      continue;
    }
    std::string_view close = closest_key(k, allowed);
    if (!close.empty()) {
      error(key.source(), field, fmt::format("is not a known key (did you mean {}?)", close));
    } else {
      error(key.source(), field, fmt::format("is not a known key (allowed: {})", fmt::join(allowed, ", ")));
    }
  }
}

std::optional<std::string> toml_reader::string(const toml::node& n, std::string_view field) {
  if (const auto* v = n.as_string()) return v->get();
  error(n, field, fmt::format("is {} (allowed: a string)", describe_type(n)));
  return std::nullopt;
}

std::optional<std::string> toml_reader::path_string(const toml::node& n, std::string_view field,
                                                    std::string_view allowed) {
  auto v = string(n, field);
  if (!v) return std::nullopt;
  if (v->empty()) {
    error(n, field, fmt::format("is empty (allowed: {})", allowed));
    return std::nullopt;
  }
  if (has_control_character(*v)) {
    error(n, field,
          fmt::format("holds a control character (allowed: {}, without NUL or other control characters)",
                      allowed));
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> toml_reader::integer(const toml::node& n, std::string_view field) {
  if (const auto* v = n.as_integer()) return v->get();
  error(n, field, fmt::format("is {} (allowed: an integer)", describe_type(n)));
  return std::nullopt;
}

std::optional<std::int64_t> toml_reader::integer(const toml::node& n, std::string_view field, std::int64_t lo,
                                                 std::int64_t hi) {
  auto v = integer(n, field);
  if (v && (*v < lo || *v > hi)) {
    error(n, field, fmt::format("{} is out of range (allowed: {}..{})", *v, lo, hi));
    return std::nullopt;
  }
  return v;
}

std::optional<double> toml_reader::number(const toml::node& n, std::string_view field) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) {
    if (std::isfinite(f->get())) return f->get();
    error(n, field, fmt::format("{} is not a finite number (allowed: a number)", f->get()));
    return std::nullopt;
  }
  error(n, field, fmt::format("is {} (allowed: a number)", describe_type(n)));
  return std::nullopt;
}

std::optional<bool> toml_reader::boolean(const toml::node& n, std::string_view field) {
  if (const auto* v = n.as_boolean()) return v->get();
  error(n, field, fmt::format("is {} (allowed: true or false)", describe_type(n)));
  return std::nullopt;
}

std::optional<bool> toml_reader::bool_or_string(const toml::node& n, std::string_view field) {
  if (const auto* v = n.as_boolean()) return v->get();
  if (const auto* s = n.as_string()) {
    if (iequals(s->get(), "true")) return true;
    if (iequals(s->get(), "false")) return false;
    error(n, field,
          fmt::format("{} is not a boolean (allowed: true, false, \"true\" or \"false\")", quote(s->get())));
    return std::nullopt;
  }
  error(n, field, fmt::format("is {} (allowed: true, false, \"true\" or \"false\")", describe_type(n)));
  return std::nullopt;
}

const toml::table* toml_reader::table(const toml::node& n, std::string_view field) {
  if (const auto* t = n.as_table()) return t;
  error(n, field, fmt::format("is {} (allowed: a table)", describe_type(n)));
  return nullptr;
}

const toml::array* toml_reader::array(const toml::node& n, std::string_view field) {
  if (const auto* a = n.as_array()) return a;
  error(n, field, fmt::format("is {} (allowed: an array)", describe_type(n)));
  return nullptr;
}

void toml_reader::finish() {
  auto begin = out_.begin() + static_cast<std::ptrdiff_t>(first_);
  std::stable_sort(begin, out_.end(), [](const diagnostic& a, const diagnostic& b) {
    auto key = [](const diagnostic& d) { return std::tuple(d.line == 0, d.line, d.column); };
    return key(a) < key(b);
  });
  // The same rule broken in [defaults] shows up once per fleet that inherits it: say it once.
  std::unordered_set<std::string> seen;
  auto last = std::remove_if(begin, out_.end(),
                             [&](const diagnostic& d) { return !seen.insert(d.to_string()).second; });
  out_.erase(last, out_.end());
}

}  // namespace cphfleet

// Small text helpers every layer needs: ASCII trimming and case, hex, percent encoding, UTF-8 and strict
// integer parsing. All of them are byte-exact and locale-free: `std::tolower` and `std::isspace` depend on
// the process locale, and what a signature or a ledger cell holds must not.
#pragma once
#include <charconv>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cphfleet {

// Spaces and tabs off both ends (HTTP's optional whitespace; what a hand-typed list item may carry).
// Other bytes, CR and LF included, are kept: a value that carries them is not a value to clean up.
std::string_view trim(std::string_view s);

// ASCII letters lowered; every other byte (UTF-8 included) as it is.
std::string to_lower(std::string_view s);
// Equal but for the case of ASCII letters.
bool iequals(std::string_view a, std::string_view b);

// 0..15 for a hex digit of either case, -1 for any other byte.
int hex_value(char c);
// Lowercase hex, two digits per byte (digests and signatures are compared in this form).
std::string hex_encode(std::string_view bytes);
std::string hex_encode(const unsigned char* bytes, std::size_t size);
// The bytes of an even-length run of hex digits (either case); nullopt for anything else.
std::optional<std::string> hex_decode(std::string_view hex);

// RFC 3986: unreserved characters (A-Z a-z 0-9 - _ . ~) as they are, every other byte as %XX with
// uppercase hex, as the SDKs' `escape` writes it (the signer's canonical form depends on it).
std::string percent_encode(std::string_view s);
// %XX (either case) to its byte; a `%` not followed by two hex digits is kept as it is, as Go's lenient
// readers and browsers do. With `plus_is_space` (a query string), `+` reads as a space.
std::string percent_decode(std::string_view s, bool plus_is_space = false);

// What `next_code_point` returns for a byte that does not start a well-formed UTF-8 sequence.
inline constexpr char32_t utf8_invalid = 0xFFFFFFFF;
// Decodes the code point at s[i] and moves i past it. Strict (RFC 3629): an overlong form, a surrogate,
// a value above U+10FFFF or a cut sequence yields `utf8_invalid` and moves i by one byte only, so the
// next byte is read afresh. Requires i < s.size().
char32_t next_code_point(std::string_view s, std::size_t& i);
// Characters (code points); each byte of an invalid sequence counts as one.
std::size_t utf8_length(std::string_view s);
bool is_valid_utf8(std::string_view s);
// `s` with every invalid byte replaced by U+FFFD (so any text can go into JSON or a terminal).
std::string to_valid_utf8(std::string_view s);
// Appends the UTF-8 form of a code point (U+FFFD for a surrogate or a value above U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

// The whole of `s` as a decimal integer of type T: an optional `-` (signed types only), then digits;
// nullopt for an empty string, a `+`, spaces, any trailing byte, or a value T cannot hold.
template <std::integral T>
requires(!std::same_as<T, bool>) std::optional<T> parse_integer(std::string_view s) {
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace cphfleet

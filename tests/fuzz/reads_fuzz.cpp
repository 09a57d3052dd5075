// The read answers' JSON readers (api/reads: servers and the catalog) on whatever JSON the body parses
// to: the value itself, and each element of each array member (a list answer's shape). A reader may
// throw std::runtime_error naming a field; anything else escaping is a finding, and so is a value read
// back from its own JSON form differently.
#include "api/reads.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace {

namespace json = boost::json;

template <typename Reader>
void read_one(const json::value& v, Reader reader) {
  try {
    const auto once = json::serialize(cphfleet::to_json(reader(v, {})));
    const auto twice = json::serialize(cphfleet::to_json(reader(json::parse(once), {})));
    if (once != twice) __builtin_trap();
  } catch (const std::runtime_error&) {
  }
}

void read_all(const json::value& v) {
  read_one(v, cphfleet::server_from_json);
  read_one(v, cphfleet::phone_from_json);
  read_one(v, cphfleet::server_model_from_json);
  read_one(v, cphfleet::phone_model_from_json);
  read_one(v, cphfleet::phone_image_from_json);
  read_one(v, cphfleet::bandwidth_from_json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  const json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  read_all(v);
  if (!v.is_object()) return 0;
  for (const auto& member : v.get_object()) {
    if (member.value().is_object()) read_all(member.value());  // {"server": {...}}
    if (!member.value().is_array()) continue;
    for (const auto& item : member.value().get_array()) read_all(item);
  }
  return 0;
}

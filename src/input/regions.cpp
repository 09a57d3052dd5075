#include "input/regions.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

namespace cphfleet {
namespace {

// Sorted, so that lookups can use binary search and messages list them in order.
constexpr std::array<std::string_view, 13> k_regions{
    "af-north-1", "ap-southeast-1", "ap-southeast-3", "cn-east-2",  "cn-east-3",
    "cn-east-4",  "cn-north-4",     "cn-north-9",     "cn-south-1", "cn-southwest-2",
    "la-north-2", "la-south-2",     "ru-northwest-2",
};

}  // namespace

std::span<const std::string_view> cph_regions() { return k_regions; }

std::optional<std::string> cph_region_endpoint(std::string_view region) {
  if (!std::binary_search(k_regions.begin(), k_regions.end(), region)) return std::nullopt;
  return fmt::format("https://cph.{}.myhuaweicloud.com", region);
}

std::string cph_region_override_variable(std::string_view region) {
  std::string name = "HUAWEICLOUD_SDK_REGION_CPH_";
  for (char c : region) {
    if (c == '-') {
      name += '_';
    } else if (c >= 'a' && c <= 'z') {
      name += static_cast<char>(c - 'a' + 'A');
    } else {
      name += c;
    }
  }
  return name;
}

std::string cph_region_list() { return fmt::format("{}", fmt::join(k_regions, ", ")); }

}  // namespace cphfleet

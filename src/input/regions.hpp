// The CPH regions the official SDK knows (its region table, cph_region.py) and how a region becomes an
// endpoint: `https://cph.{region}.myhuaweicloud.com`, unless the SDK's environment override
// HUAWEICLOUD_SDK_REGION_CPH_<REGION> (upper case, `-` as `_`) names another. Pure data and lookup.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cphfleet {

// Every region id, sorted, as error messages list them.
std::span<const std::string_view> cph_regions();

// The region's endpoint from the table, or nothing for an id it does not hold.
std::optional<std::string> cph_region_endpoint(std::string_view region);

// `HUAWEICLOUD_SDK_REGION_CPH_CN_NORTH_4` for `cn-north-4`.
std::string cph_region_override_variable(std::string_view region);

// "af-north-1, ap-southeast-1, ...": the table for a message's "(allowed: ...)".
std::string cph_region_list();

}  // namespace cphfleet

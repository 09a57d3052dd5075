// `cphfleet emulator --catalog FILE`: a catalog in TOML instead of the built-in one.
#pragma once
#include "api/reads.hpp"

#include <filesystem>

namespace cphfleet {

// Reads a catalog from TOML: arrays of tables `server_models`, `phone_models`, `phone_images`,
// `bandwidths`, each with the field names of the API. Throws std::runtime_error naming
// `path:line:col: field` on a wrong or unknown key.
catalog load_catalog_file(const std::filesystem::path& path);

}  // namespace cphfleet

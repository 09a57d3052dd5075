// Writing a whole file so that a reader never sees half of it.
#pragma once
#include <filesystem>
#include <string_view>

namespace cphfleet {

// `text` into `<path>.tmp`, then renamed over `path`: a reader (node_exporter, a browser, `run --plan`)
// sees the old file or the new one, never a part. False, with no temporary file left, when it cannot
// be written; a failed rename throws std::filesystem::filesystem_error.
bool replace_file(const std::filesystem::path& path, std::string_view text);

}  // namespace cphfleet

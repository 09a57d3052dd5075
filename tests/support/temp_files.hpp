// A scratch folder for tests that read files: created under the system temp folder, made the working
// directory (so paths in messages are short and exact), removed afterwards.
#pragma once
#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

namespace cphfleet::testing {

class temp_files {
 public:
  temp_files() : previous_(std::filesystem::current_path()) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    root_ = std::filesystem::temp_directory_path() / ("cphfleet-test-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(counter++) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(root_);
    std::filesystem::current_path(root_);
  }
  ~temp_files() {
    std::error_code ec;
    std::filesystem::current_path(previous_, ec);
    std::filesystem::remove_all(root_, ec);  // best effort: a leftover temp folder harms nothing
  }
  temp_files(const temp_files&) = delete;
  temp_files& operator=(const temp_files&) = delete;

  // Writes `text` at `relative` (folders created); returns the relative path.
  std::string write(const std::string& relative, std::string_view text) const {
    std::filesystem::path p = root_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    return relative;
  }
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path previous_;
  std::filesystem::path root_;
};

}  // namespace cphfleet::testing

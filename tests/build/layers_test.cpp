// The doors between folders (docs/architecture.md): every `#include "folder/..."` in src/ is read and
// checked against what its folder may use, so a layer that reaches the wrong way fails here even when
// the linker would not notice (a header-only use).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace cphfleet {
namespace {

namespace fs = std::filesystem;

// What each folder may include besides itself.
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> rules = {
      {"base", {}},
      {"api", {"base"}},
      {"emulator", {"base", "api"}},
      {"input", {"base", "api", "emulator"}},  // config checks [emulator] fault names
      {"plan", {"base", "api", "input", "ledger"}},
      {"ledger", {"base"}},
      {"client", {"base", "api", "input", "send"}},  // it implements send/cph_api.hpp
      {"send", {"base", "api", "input", "ledger", "client"}},
      {"app", {"base", "api", "input", "plan", "ledger", "send", "client", "emulator"}},
      {"cli", {"base", "api", "input", "plan", "ledger", "send", "client", "app", "emulator"}},
  };
  return rules;
}

std::vector<std::string> violations() {
  std::vector<std::string> out;
  const std::regex include_line(R"re(^\s*#\s*include\s+"([a-z_]+)/[^"]+")re");
  const fs::path src = fs::path(CPHFLEET_SOURCE_DIR) / "src";
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), src);
    if (rel.begin() == rel.end() || std::next(rel.begin()) == rel.end()) continue;  // src/main.cpp
    const std::string folder = rel.begin()->string();
    auto rule = allowed().find(folder);
    if (rule == allowed().end()) {
      out.push_back(rel.string() + ": folder " + folder + " has no rule in tests/build/layers_test.cpp");
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      std::smatch m;
      if (!std::regex_search(line, m, include_line)) continue;
      const std::string target = m[1];
      if (target == folder || rule->second.contains(target)) continue;
      out.push_back(rel.string() + ":" + std::to_string(number) + ": " + folder + " may not include " +
                    target);
    }
  }
  return out;
}

TEST(layers_test, every_folder_includes_only_what_its_layer_may_use) {
  EXPECT_EQ(violations(), std::vector<std::string>{});
}

TEST(layers_test, the_emulator_and_the_shared_contract_never_reach_into_the_runner) {
  // The rule the two libraries rest on, spelled out: a change to the table above must not loosen it.
  for (const char* folder : {"base", "api", "emulator"}) {
    for (const char* runner : {"input", "plan", "ledger", "send", "client", "app", "cli"}) {
      EXPECT_FALSE(allowed().at(folder).contains(runner)) << folder << " -> " << runner;
    }
  }
}

}  // namespace
}  // namespace cphfleet

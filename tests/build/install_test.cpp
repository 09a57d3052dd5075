// `cmake --install`: the binary, the man page, the completions and the examples land where a package
// manager puts them, and what lands works.
#include "support/test_process.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cphfleet {
namespace {

using test::find_program;
using test::run_program;
using test::slurp;
using test::temp_dir;

TEST(install_test, cmake_install_puts_the_binary_man_page_completions_and_examples_in_place) {
  std::string cmake = find_program("cmake");
  if (cmake.empty()) GTEST_SKIP() << "cmake is not on PATH";
  temp_dir prefix("install");
  auto r = run_program({cmake, "--install", CPHFLEET_BUILD_DIR, "--prefix", prefix.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto& p = prefix.path();
  for (const char* file :
       {"bin/cphfleet", "share/man/man1/cphfleet.1", "share/bash-completion/completions/cphfleet",
        "share/zsh/site-functions/_cphfleet", "share/doc/cphfleet/examples/jobs/demo.toml",
        "share/doc/cphfleet/examples/jobs/example-v2.toml",
        "share/doc/cphfleet/examples/config/embedded.toml",
        "share/doc/cphfleet/examples/config/huaweicloud.toml",
        "share/doc/cphfleet/deploy/systemd/cphfleet@.service",
        "share/doc/cphfleet/deploy/kubernetes/cronjob.yaml",
        "share/doc/cphfleet/deploy/grafana-dashboard.json"})
    EXPECT_TRUE(std::filesystem::is_regular_file(p / file)) << file;
  // README's example of mistakes is not an example job.
  EXPECT_FALSE(std::filesystem::exists(p / "share/doc/cphfleet/examples/jobs/bad.toml"));

  std::string installed = (p / "bin" / "cphfleet").string();
  EXPECT_EQ(slurp(p / "share/man/man1/cphfleet.1"), run_program({installed, "man"}).out);
  EXPECT_EQ(slurp(p / "share/bash-completion/completions/cphfleet"),
            run_program({installed, "completion", "bash"}).out);
  EXPECT_EQ(slurp(p / "share/zsh/site-functions/_cphfleet"),
            run_program({installed, "completion", "zsh"}).out);
  // The example job finds its config beside it, as in the repository.
  auto job = (p / "share/doc/cphfleet/examples/jobs/demo.toml").string();
  auto v = run_program({installed, "validate", job});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_TRUE(v.out.starts_with(job + ": ok (2 fleets, 59 servers)\n")) << v.out;
}

}  // namespace
}  // namespace cphfleet

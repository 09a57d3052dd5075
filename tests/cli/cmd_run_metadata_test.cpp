// `cphfleet run` with no key on the host: temporary keys from the ECS metadata service, which
// `cphfleet emulator` serves on 127.0.0.1 and whose gateway accepts them with their security token.
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

namespace cphfleet::test {
namespace {

struct metadata_run {
  temp_dir tmp{"run-metadata"};  // first: removed last
  std::filesystem::path dir = tmp.path();
  std::filesystem::path job = dir / "job.toml";
  std::filesystem::path ledger = dir / "orders.csv";

  run_result run(const emulator_process& emu, const std::vector<fleet_def>& fleets) {
    write_file(job, job_text(fleets));
    write_file(dir / "config.toml", config_text(emu.url()));
    // No key anywhere but the metadata service: not in the environment, no credentials file.
    std::vector<std::string> env{"HUAWEICLOUD_SDK_AK=",
                                 "HUAWEICLOUD_SDK_SK=",
                                 "HUAWEICLOUD_SDK_CREDENTIALS_FILE=",
                                 "HOME=" + dir.string(),
                                 "CPHFLEET_ECS_METADATA_URL=" + emu.url(),
                                 "HTTPS_PROXY=",
                                 "https_proxy="};
    return run_cphfleet({"run", job.string()}, env, std::chrono::seconds(120));
  }
};

std::int64_t stat_of(emulator_process& emu, const char* name) {
  return emu.stats().at(name).to_number<std::int64_t>();
}

TEST(run_metadata_test, a_run_signs_with_temporary_keys_fetched_again_before_each_request) {
  metadata_run m;
  // Keys valid 60 s: inside the 40 min refresh margin, so every signed request fetches new ones.
  emulator_process emu(m.dir, {"--metadata-lifetime", "60"});
  const std::vector<fleet_def> fleets{{"meta-a", 12}, {"meta-b", 3}};
  auto r = m.run(emu, fleets);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_ledger_matches_emulator(m.ledger, emu, fleets);
  EXPECT_EQ(stat_of(emu, "auth_failures"), 0);
  const std::int64_t purchases = stat_of(emu, "purchases");
  EXPECT_GE(purchases, 2);  // at least one chunk per fleet
  // The first fetch before the run (a session token, then the keys), then the refresher's own session
  // token, then one fetch per signed request: at least one per purchase.
  EXPECT_GE(stat_of(emu, "metadata_requests"), 3 + purchases);
  EXPECT_NE(r.err.find("from ECS metadata " + emu.url()), std::string::npos) << r.err;
}

TEST(run_metadata_test, keys_far_from_expiry_are_fetched_once_for_the_whole_run) {
  metadata_run m;
  emulator_process emu(m.dir, {"--metadata-lifetime", "21600"});
  const std::vector<fleet_def> fleets{{"long-a", 25}};
  auto r = m.run(emu, fleets);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_ledger_matches_emulator(m.ledger, emu, fleets);
  EXPECT_EQ(stat_of(emu, "auth_failures"), 0);
  EXPECT_EQ(stat_of(emu, "metadata_requests"), 2);  // one session token, one set of keys
}

TEST(run_metadata_test, a_run_with_no_source_of_keys_exits_2_before_any_request) {
  metadata_run m;
  emulator_process emu(m.dir);  // serves no metadata: the metadata paths are unknown to it
  auto r = m.run(emu, {{"none", 1}});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("aksk credentials missing from every source"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ECS metadata " + emu.url() + ": /openstack/latest/securitykey answered HTTP 404"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(stat_of(emu, "purchases"), 0);
}

}  // namespace
}  // namespace cphfleet::test

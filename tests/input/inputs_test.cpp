#include "input/inputs.hpp"
#include "support/temp_files.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cphfleet {
namespace {

using testing::temp_files;

// A job whose [job] config line (3) names `config`; its fleet is valid.
std::string job_text(std::string_view config_line) {
  return "[job]\nname = \"t\"\n" + std::string(config_line) +
         "\n[[fleet]]\nserver_name = \"game\"\ncount = 5\n"
         "server_model_name = \"physical.rx1.xlarge\"\nphone_model_name = \"aphs1.medium.4.aosp\"\n"
         "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\nband_width = { band_width_share_type = 0 }\n"
         "extend_param = { charging_mode = 0, period_type = 2, period_num = 1 }\n";
}
constexpr std::string_view embedded_config =
    "[cloud]\nendpoint = \"embedded\"\n[ledger]\npath = \"orders.csv\"\n";

std::vector<std::string> errors_of(const std::string& job, const std::string& config_override = "") {
  std::vector<std::string> out;
  try {
    load_inputs(job, config_override, "");
  } catch (const input_error& e) {
    for (const auto& d : e.errors) out.push_back(d.to_string());
  }
  return out;
}

TEST(inputs_test, the_job_names_its_config_relative_to_its_folder) {
  temp_files dir;
  dir.write("config/c.toml", embedded_config);
  auto job = dir.write("jobs/j.toml", job_text("config = \"../config/c.toml\""));
  job_inputs in = load_inputs(job, "", "");
  EXPECT_EQ(in.job.fleets.size(), 1u);
  EXPECT_TRUE(in.cfg.embedded());
  EXPECT_EQ(in.cfg.path, std::filesystem::path("jobs/../config/c.toml"));
  EXPECT_EQ(in.cfg.ledger_path, std::filesystem::path("jobs/../config/orders.csv"));
}

TEST(inputs_test, config_and_ledger_options_override_the_files) {
  temp_files dir;
  auto other = dir.write("other.toml", embedded_config);
  // The job's own config does not exist: with --config it is not read, so that is no error.
  auto job = dir.write("jobs/j.toml", job_text("config = \"missing.toml\""));
  job_inputs in = load_inputs(job, other, "elsewhere/ledger.csv");
  EXPECT_EQ(in.cfg.path, std::filesystem::path("other.toml"));
  EXPECT_EQ(in.cfg.ledger_path, std::filesystem::path("elsewhere/ledger.csv"));
}

TEST(inputs_test, a_missing_config_is_an_error_at_the_line_that_names_it) {
  temp_files dir;
  auto job = dir.write("jobs/j.toml", job_text("config = \"../config/none.toml\""));
  EXPECT_EQ(errors_of(job),
            (std::vector<std::string>{
                "jobs/j.toml:3:10: job.config: 'jobs/../config/none.toml' does not exist (allowed: "
                "a config file, relative to this file's folder)"}));
  std::filesystem::create_directories("config/dir.toml");
  auto job2 = dir.write("jobs/k.toml", job_text("config = \"../config/dir.toml\""));
  EXPECT_EQ(errors_of(job2),
            (std::vector<std::string>{
                "jobs/k.toml:3:10: job.config: 'jobs/../config/dir.toml' is not a file (allowed: a "
                "config file, relative to this file's folder)"}));
  EXPECT_EQ(errors_of(job, "nope.toml"),
            (std::vector<std::string>{"nope.toml: cannot be read (No such file or directory)"}));
}

TEST(inputs_test, a_job_without_config_needs_the_option) {
  temp_files dir;
  auto job = dir.write("j.toml", job_text(""));
  EXPECT_EQ(errors_of(job),
            (std::vector<std::string>{
                "j.toml: job.config: is missing and no --config was given (required: one of them)"}));
  // A job that cannot be parsed says nothing about its config: only the syntax error is shown.
  auto broken = dir.write("broken.toml", "[job\n");
  ASSERT_EQ(errors_of(broken).size(), 1u);
  EXPECT_TRUE(errors_of(broken)[0].starts_with("broken.toml:1:5: invalid TOML: ")) << errors_of(broken)[0];
}

TEST(inputs_test, errors_of_both_files_are_reported_together_job_first) {
  temp_files dir;
  dir.write("c.toml", "[cloud]\nendpoint = \"embedded\"\n[limits]\nburst = 0\n");
  auto job = dir.write("j.toml", job_text("config = \"c.toml\"") + "vnc = true\n");
  EXPECT_EQ(errors_of(job), (std::vector<std::string>{
                                "j.toml:12:1: fleet[0].vnc: is not a known key (did you mean vnc_enable?)",
                                "c.toml:4:9: limits.burst: 0 is out of range (allowed: 1..10000)",
                            }));
  // With --config, the config is read even when the job cannot be parsed.
  auto broken = dir.write("broken.toml", job_text("config = \"c.toml\"") + "count = 3\n");
  EXPECT_EQ(
      errors_of(broken, "c.toml"),
      (std::vector<std::string>{
          "broken.toml:12:9: invalid TOML: error while parsing key-value pair: cannot redefine existing "
          "integer 'count'",
          "c.toml:4:9: limits.burst: 0 is out of range (allowed: 1..10000)",
      }));
}

TEST(inputs_test, commands_without_a_job_need_the_config_option) {
  temp_files dir;
  try {
    load_config_only("", "");
    FAIL() << "no error";
  } catch (const input_error& e) {
    ASSERT_EQ(e.errors.size(), 1u);
    EXPECT_EQ(e.errors[0].to_string(), "--config: is missing (required: this command reads no job file)");
  }
  auto cfg = dir.write("c.toml", embedded_config);
  EXPECT_EQ(load_config_only(cfg, "").ledger_path, std::filesystem::path("orders.csv"));
  EXPECT_EQ(load_config_only(cfg, "x.csv").ledger_path, std::filesystem::path("x.csv"));
}

TEST(inputs_test, paths_on_the_command_line_with_control_characters_are_refused) {
  auto errors = [](auto&& load) {
    std::vector<std::string> out;
    try {
      load();
    } catch (const input_error& e) {
      for (const auto& d : e.errors) out.push_back(d.to_string());
    }
    return out;
  };
  const std::string message =
      "holds a control character (allowed: a path without NUL or other control characters)";
  EXPECT_EQ(errors([] { load_config_only("c.toml", "orders\n.csv"); }),
            std::vector<std::string>{"--ledger: " + message});
  EXPECT_EQ(errors([] { load_inputs("j\x1b.toml", "", ""); }), std::vector<std::string>{"JOB: " + message});
}

}  // namespace
}  // namespace cphfleet

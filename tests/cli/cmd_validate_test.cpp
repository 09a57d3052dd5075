// `cphfleet validate`, run as users run it: the built binary, its stdout, stderr and exit code.
#include "support/temp_files.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using cphfleet::testing::temp_files;

struct run_result {
  int exit_code = -1;
  std::string out;
  std::vector<std::string> err_lines;
};

std::string slurp(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the binary in the current (temporary) folder.
run_result run_cphfleet(const std::string& args) {
  const std::string command = std::string("'") + CPHFLEET_BINARY + "' " + args + " >stdout.txt 2>stderr.txt";
  int status = std::system(command.c_str());
  run_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp("stdout.txt");
  std::stringstream err(slurp("stderr.txt"));
  for (std::string line; std::getline(err, line);) r.err_lines.push_back(line);
  return r;
}

constexpr std::string_view config = "[cloud]\nendpoint = \"embedded\"\n";

constexpr std::string_view good_job =
    "[job]\nname = \"t\"\nconfig = \"c.toml\"\n"
    "[defaults]\n"
    "server_model_name = \"physical.rx1.xlarge\"\n"
    "phone_model_name = \"aphs1.medium.4.aosp\"\n"
    "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
    "band_width = { band_width_share_type = 0 }\n"
    "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = 1 }\n"
    "[[fleet]]\nserver_name = \"a\"\ncount = 5\n"
    "[[fleet]]\nserver_name = \"b\"\ncount = 1\n";

TEST(cmd_validate_test, a_valid_job_prints_one_line_and_exits_zero) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", good_job);
  run_result r = run_cphfleet("validate j.toml");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "j.toml: ok (2 fleets, 6 servers)\n"
            "spend guard: 6 servers of at most 100 ([limits] max_servers_per_run in c.toml): allowed\n");
  EXPECT_TRUE(r.err_lines.empty());
}

TEST(cmd_validate_test, every_mistake_is_listed_on_stderr_and_the_exit_code_is_two) {
  temp_files dir;
  dir.write("c.toml", "[cloud]\nendpoint = \"embedded\"\n[limits]\nmax_in_flight = 0\n");
  dir.write("j.toml",
            "[job]\nname = \"My Job\"\nconfig = \"c.toml\"\n"
            "[defaults]\n"
            "server_model_name = \"physical.rx1.xlarge\"\n"
            "phone_model_name = \"aphs1.medium.4.aosp\"\n"
            "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
            "band_width = { band_width_share_type = 0 }\n"
            "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = 1 }\n"
            "[[fleet]]\nserver_name = \"game\"\ncount = 11\nimage = \"x\"\n"
            "[[fleet]]\nserver_name = \"game-2\"\ncount = 1\n"
            "ports = [ { name = \"vnc\", listen_port = 20000, internet_accessible = true } ]\n");
  run_result r = run_cphfleet("validate j.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(
      r.err_lines,
      (std::vector<std::string>{
          "j.toml:2:8: job.name: 'My Job' has characters that are not allowed (allowed: 1..32 of a-z, 0-9, _ "
          "and -)",
          "j.toml:13:1: fleet[0].image: is not a known key (did you mean image_id?)",
          "j.toml:15:15: fleet[1].server_name: 'game-2' could be mistaken for the chunks and servers of "
          "fleet[0] 'game' at line 11 (allowed: a name that is not another fleet's name followed by '-' and "
          "a "
          "digit)",
          "j.toml:17:20: fleet[1].ports[0].name: 'vnc' is reserved (allowed: any name but adb and vnc)",
          "c.toml:4:17: limits.max_in_flight: 0 is out of range (allowed: 1..256)",
      }));
}

TEST(cmd_validate_test, the_config_option_overrides_the_jobs_config) {
  temp_files dir;
  dir.write("other.toml", config);
  std::string job(good_job);
  job.replace(job.find("c.toml"), 6, "gone.toml");
  dir.write("j.toml", job);
  run_result without = run_cphfleet("validate j.toml");
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_EQ(without.err_lines,
            (std::vector<std::string>{
                "j.toml:3:10: job.config: 'gone.toml' does not exist (allowed: a config file, "
                "relative to this file's folder)"}));
  run_result with = run_cphfleet("validate j.toml --config other.toml");
  EXPECT_EQ(with.exit_code, 0);
  EXPECT_EQ(with.out,
            "j.toml: ok (2 fleets, 6 servers)\n"
            "spend guard: 6 servers of at most 100 ([limits] max_servers_per_run in other.toml): allowed\n");
}

TEST(cmd_validate_test, the_demo_job_is_valid) {
  temp_files dir;
  run_result r = run_cphfleet(std::string("validate '") + CPHFLEET_SOURCE_DIR + "/jobs/demo.toml'");
  EXPECT_EQ(r.exit_code, 0) << (r.err_lines.empty() ? "" : r.err_lines[0]);
  EXPECT_TRUE(
      r.out.starts_with(std::string(CPHFLEET_SOURCE_DIR) + "/jobs/demo.toml: ok (2 fleets, 59 servers)\n"))
      << r.out;
}

TEST(cmd_validate_test, a_missing_job_file_is_invalid_input) {
  temp_files dir;
  run_result r = run_cphfleet("validate nope.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err_lines, (std::vector<std::string>{"nope.toml: cannot be read (No such file or directory)"}));
}

}  // namespace

TEST(cmd_validate_test, online_checks_names_against_the_services_catalog) {
  temp_files dir;
  dir.write("c.toml", config);  // the embedded emulator's built-in catalog
  dir.write("j.toml", good_job);
  EXPECT_EQ(run_cphfleet("validate --online j.toml").exit_code, 0);

  std::string typo(good_job);
  typo.replace(typo.find("aphs1.medium.4.aosp"), 19, "aphs1.medium.4.aops");
  dir.write("t.toml", typo);
  EXPECT_EQ(run_cphfleet("validate t.toml").exit_code, 0);  // offline, the name is well formed
  run_result r = run_cphfleet("validate --online t.toml");
  EXPECT_EQ(r.exit_code, 2);
  ASSERT_EQ(r.err_lines.size(), 2u);
  EXPECT_EQ(r.err_lines[0].substr(0, r.err_lines[0].find(" is not")),
            "t.toml:10:1: fleet[0].phone_model_name: \"aphs1.medium.4.aops\"");
}

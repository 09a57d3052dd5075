#include "input/job_file.hpp"
#include "support/temp_files.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace cphfleet {
namespace {

using testing::temp_files;

// Lines 1..9; a case's fleet body starts at line 10.
constexpr std::string_view head =
    "[job]\n"
    "name = \"t\"\n"
    "[defaults]\n"
    "server_model_name = \"physical.rx1.xlarge\"\n"
    "phone_model_name = \"aphs1.medium.4.aosp\"\n"
    "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
    "band_width = { band_width_share_type = 0 }\n"
    "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = 1 }\n"
    "[[fleet]]\n";
// The usual body: lines 10 and 11; a case's extra lines start at 12.
constexpr std::string_view game = "server_name = \"game\"\ncount = 5\n";

std::vector<std::string> errors_of(const std::string& path) {
  std::vector<std::string> out;
  try {
    load_job(path);
  } catch (const input_error& e) {
    for (const auto& d : e.errors) out.push_back(d.to_string());
  }
  return out;
}

std::vector<std::string> errors_of_text(std::string_view text) {
  temp_files dir;
  return errors_of(dir.write("j.toml", text));
}

struct job_case {
  std::string body;  // from line 10
  std::vector<std::string> expected;
};

void check_cases(const std::vector<job_case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    EXPECT_EQ(errors_of_text(std::string(head) + c.body), c.expected);
  }
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(job_file_test, a_valid_job_loads_with_defaults_applied) {
  temp_files dir;
  auto path = dir.write("jobs/j.toml", std::string(head) + std::string(game) +
                                           "ports = [ { name = \"stream\", listen_port = 20000, "
                                           "internet_accessible = true } ]\n"
                                           "[[fleet]]\nserver_name = \"中文\"\ncount = 0\n");
  job_spec job = load_job(path);
  EXPECT_EQ(job.name, "t");
  EXPECT_FALSE(job.config_path);
  ASSERT_EQ(job.fleets.size(), 2u);
  const fleet_spec& f = job.fleets[0];
  EXPECT_EQ(f.server_name, "game");
  EXPECT_EQ(f.target, 5);
  EXPECT_EQ(f.line, 9);
  EXPECT_EQ(f.column, 1);
  EXPECT_EQ(f.request.server_model_name, "physical.rx1.xlarge");
  EXPECT_EQ(f.request.phone_model_name, "aphs1.medium.4.aosp");
  EXPECT_EQ(f.request.image_id, "88b8449b896f3a4f0ad57222dd919899");
  EXPECT_EQ(f.request.band_width.band_width_share_type, 0);
  EXPECT_FALSE(f.request.band_width.band_width_size);
  EXPECT_EQ(f.request.extend_param.period_type, 2);
  EXPECT_EQ(f.request.extend_param.period_num, 1);
  EXPECT_EQ(f.request.extend_param.is_auto_pay, 1);
  ASSERT_EQ(f.request.ports.size(), 1u);
  EXPECT_EQ(f.request.ports[0].name, "stream");
  EXPECT_EQ(f.request.ports[0].listen_port, 20000);
  EXPECT_TRUE(f.request.ports[0].internet_accessible);
  EXPECT_FALSE(f.request.vnc_enable);
  EXPECT_EQ(job.fleets[1].server_name, "中文");
  EXPECT_EQ(job.fleets[1].target, 0);
  EXPECT_TRUE(job.fleets[1].request.ports.empty());
}

TEST(job_file_test, a_fleet_overrides_defaults_and_nested_tables_merge_field_by_field) {
  temp_files dir;
  auto path = dir.write("j.toml",
                        "[job]\nname = \"t\"\n"
                        "[defaults]\n"
                        "server_model_name = \"physical.rx1.xlarge\"\n"
                        "phone_model_name = \"aphs1.medium.4.aosp\"\n"
                        "image_id = \"default-image\"\n"
                        "vnc_enable = \"TRUE\"\n"
                        "band_width = { band_width_share_type = 1, band_width_size = 10 }\n"
                        "extend_param = { charging_mode = 0, period_type = 3, period_num = 2 }\n"
                        "ports = [ { name = \"a\", listen_port = 20000, internet_accessible = \"False\" },\n"
                        "          { name = \"b\", listen_port = 20001, internet_accessible = true } ]\n"
                        "[[fleet]]\nserver_name = \"inherits\"\ncount = 1\n"
                        "[[fleet]]\nserver_name = \"overrides\"\ncount = 2\n"
                        "image_id = \"own-image\"\n"
                        "vnc_enable = false\n"
                        "band_width = { band_width_size = 20 }\n"
                        "extend_param = { period_num = 10 }\n"
                        "ports = [ { name = \"c\", listen_port = 30000, internet_accessible = true } ]\n");
  job_spec job = load_job(path);
  ASSERT_EQ(job.fleets.size(), 2u);
  const purchase_request& a = job.fleets[0].request;
  EXPECT_EQ(a.image_id, "default-image");
  EXPECT_EQ(a.vnc_enable, true);
  EXPECT_EQ(a.band_width.band_width_share_type, 1);
  EXPECT_EQ(a.band_width.band_width_size, 10);
  EXPECT_EQ(a.extend_param.period_type, 3);
  EXPECT_EQ(a.extend_param.period_num, 2);
  EXPECT_FALSE(a.extend_param.is_auto_pay);
  ASSERT_EQ(a.ports.size(), 2u);
  EXPECT_FALSE(a.ports[0].internet_accessible);
  EXPECT_TRUE(a.ports[1].internet_accessible);

  const purchase_request& b = job.fleets[1].request;
  EXPECT_EQ(b.image_id, "own-image");
  EXPECT_EQ(b.vnc_enable, false);
  EXPECT_EQ(b.band_width.band_width_share_type, 1);  // kept from [defaults]
  EXPECT_EQ(b.band_width.band_width_size, 20);       // overridden
  EXPECT_EQ(b.extend_param.period_type, 3);
  EXPECT_EQ(b.extend_param.period_num, 10);  // a year allows 10
  ASSERT_EQ(b.ports.size(), 1u);             // a fleet's ports replace the default list whole
  EXPECT_EQ(b.ports[0].name, "c");
}

TEST(job_file_test, api_rules_point_at_the_value_that_breaks_them) {
  check_cases({
      {std::string(game) + "subnet_cidr = \"10.0.0.1/8\"\n",
       {"j.toml:12:15: fleet[0].subnet_cidr: '10.0.0.1/8' is not an IPv4 CIDR (allowed: a.b.c.d/n, n 0..32, "
        "no "
        "host bits set)"}},
      {std::string(game) + "subnet_cidr = \"192.168.0.0/16\"\n", {}},
      {std::string(game) + "image_id = \"88b8449b896f3a4f0ad57222dd9198990\"\n",
       {"j.toml:12:12: fleet[0].image_id: is 33 bytes long (allowed: 1..32 bytes)"}},
      {std::string(game) + "server_model_name = \"\"\n",
       {"j.toml:12:21: fleet[0].server_model_name: is empty (allowed: 1..64 bytes)"}},
      {std::string(game) + "phone_model_name = \"" + std::string(65, 'p') + "\"\n",
       {"j.toml:12:20: fleet[0].phone_model_name: is 65 bytes long (allowed: 1..64 bytes)"}},
      {std::string(game) + "keypair_name = \"" + std::string(65, 'k') + "\"\n",
       {"j.toml:12:16: fleet[0].keypair_name: is 65 bytes long (allowed: 1..64 bytes)"}},
      {std::string(game) + "keypair_name = \"" + std::string(64, 'k') + "\"\n", {}},
  });
}

TEST(job_file_test, band_width_rules_follow_the_share_type) {
  check_cases({
      {std::string(game) + "band_width = { band_width_share_type = 2 }\n",
       {"j.toml:12:40: fleet[0].band_width.band_width_share_type: 2 is not a share type (allowed: 0 "
        "dedicated, "
        "1 shared)"}},
      {std::string(game) + "band_width = { band_width_share_type = 1 }\n",
       {"j.toml:12:14: fleet[0].band_width.band_width_size: is missing (required for a shared bandwidth: "
        "1..300 "
        "Mbit/s)"}},
      {std::string(game) + "band_width = { band_width_size = 301 }\n",
       {"j.toml:12:34: fleet[0].band_width.band_width_size: 301 is out of range (allowed: 1..300)"}},
      {std::string(game) + "band_width = { band_width_share_type = 1, band_width_size = 300 }\n", {}},
      {std::string(game) + "band_width = { band_width_id = \"\" }\n",
       {"j.toml:12:32: fleet[0].band_width.band_width_id: is empty (allowed: the id of an existing shared "
        "bandwidth)"}},
      // An existing shared bandwidth wins: the size is not checked against it.
      {std::string(game) + "band_width = { band_width_id = \"bw-1\", band_width_size = 5000 }\n", {}},
  });
}

TEST(job_file_test, billing_rules_follow_the_period_type) {
  check_cases({
      {std::string(game) + "extend_param = { period_num = 10 }\n",
       {"j.toml:12:31: fleet[0].extend_param.period_num: 10 is out of range (allowed: 1..9)"}},
      {std::string(game) + "extend_param = { period_type = 3, period_num = 10 }\n", {}},
      {std::string(game) + "extend_param = { period_type = 3, period_num = 11 }\n",
       {"j.toml:12:48: fleet[0].extend_param.period_num: 11 is out of range (allowed: 1..10)"}},
      {std::string(game) + "extend_param = { period_type = 4 }\n",
       {"j.toml:12:32: fleet[0].extend_param.period_type: 4 is not a period type (allowed: 2 month, 3 "
        "year)"}},
      {std::string(game) + "extend_param = { charging_mode = 1 }\n",
       {"j.toml:12:34: fleet[0].extend_param.charging_mode: 1 is not a charging mode (allowed: 0, prepaid by "
        "period)"}},
      {std::string(game) + "extend_param = { is_auto_pay = 2 }\n",
       {"j.toml:12:32: fleet[0].extend_param.is_auto_pay: 2 is not allowed (allowed: 0 leave unpaid, 1 pay "
        "from "
        "balance)"}},
  });
}

TEST(job_file_test, port_rules_point_at_each_port) {
  const std::string open = std::string(game) + "ports = [\n";  // ports from line 13
  check_cases({
      {open + "  { name = \"adb\", listen_port = 20000, internet_accessible = true },\n]\n",
       {"j.toml:13:12: fleet[0].ports[0].name: 'adb' is reserved (allowed: any name but adb and vnc)"}},
      {open + "  { name = \"VNC\", listen_port = 20000, internet_accessible = true },\n]\n",
       {"j.toml:13:12: fleet[0].ports[0].name: 'VNC' is reserved (allowed: any name but adb and vnc)"}},
      {open + "  { name = \"s\", listen_port = 20000, internet_accessible = true },\n"
              "  { name = \"s\", listen_port = 20000, internet_accessible = false },\n]\n",
       {"j.toml:14:12: fleet[0].ports[1].name: 's' is used twice (allowed: each port name once)",
        "j.toml:14:31: fleet[0].ports[1].listen_port: 20000 is used twice (allowed: each port number once)"}},
      {open + "  { name = \"\", listen_port = 9999, internet_accessible = true },\n]\n",
       {"j.toml:13:12: fleet[0].ports[0].name: is empty (allowed: 1..16 bytes)",
        "j.toml:13:30: fleet[0].ports[0].listen_port: 9999 is out of range (allowed: 10000..50000)"}},
      {open + "  { name = \"" + std::string(17, 'n') +
           "\", listen_port = 50000, internet_accessible = true },\n]\n",
       {"j.toml:13:12: fleet[0].ports[0].name: is 17 bytes long (allowed: 1..16 bytes)"}},
      {open + "  { name = \"s\", listen_port = 20000 },\n]\n",
       {"j.toml:13:3: fleet[0].ports[0].internet_accessible: is missing (required)"}},
      {open + "  { name = \"s\", listen_port = 20000, internet_accessible = \"yes\" },\n]\n",
       {"j.toml:13:60: fleet[0].ports[0].internet_accessible: 'yes' is not a boolean (allowed: true, false, "
        "\"true\" or \"false\")"}},
      {open + "  { name = \"s\", listen_port = 20000, internet_accessible = 1 },\n]\n",
       {"j.toml:13:60: fleet[0].ports[0].internet_accessible: is an integer (allowed: true, false, \"true\" "
        "or "
        "\"false\")"}},
      {open + "  { name = \"s\", listen_port = \"20000\", internet_accessible = true },\n]\n",
       {"j.toml:13:31: fleet[0].ports[0].listen_port: is a string (allowed: an integer)"}},
      {open + "  { name = \"s\", listen_port = 20000, internet_accessible = true, nme = 1 },\n]\n",
       {"j.toml:13:66: fleet[0].ports[0].nme: is not a known key (did you mean name?)"}},
      {open + "  1,\n]\n", {"j.toml:13:3: fleet[0].ports[0]: is an integer (allowed: a table)"}},
      {std::string(game) + "ports = \"stream\"\n",
       {"j.toml:12:9: fleet[0].ports: is a string (allowed: an array of tables)"}},
      {std::string(game) + "ports = []\n", {}},
  });
}

TEST(job_file_test, flags_take_booleans_or_the_api_strings) {
  check_cases({
      {std::string(game) + "vnc_enable = \"TRUE\"\n", {}},
      {std::string(game) + "vnc_enable = \"false\"\n", {}},
      {std::string(game) + "vnc_enable = \"yes\"\n",
       {"j.toml:12:14: fleet[0].vnc_enable: 'yes' is not a boolean (allowed: true, false, \"true\" or "
        "\"false\")"}},
  });
}

TEST(job_file_test, count_is_the_fleet_target_from_zero_to_a_million) {
  check_cases({
      {"server_name = \"game\"\ncount = 0\n", {}},
      {"server_name = \"game\"\ncount = 1000000\n", {}},
      {"server_name = \"game\"\ncount = -1\n",
       {"j.toml:11:9: fleet[0].count: -1 is out of range (allowed: 0..1000000)"}},
      {"server_name = \"game\"\ncount = 1000001\n",
       {"j.toml:11:9: fleet[0].count: 1000001 is out of range (allowed: 0..1000000)"}},
      {"server_name = \"game\"\ncount = \"5\"\n",
       {"j.toml:11:9: fleet[0].count: is a string (allowed: an integer)"}},
      {"server_name = \"game\"\ncount = 5.0\n",
       {"j.toml:11:9: fleet[0].count: is a float (allowed: an integer)"}},
      {"server_name = \"game\"\n",
       {"j.toml:9:1: fleet[0].count: is missing (required: the fleet's target, 0..1000000)"}},
  });
}

TEST(job_file_test, server_names_must_fit_sixty_characters_with_their_chunk_part) {
  const std::string han56 = repeat("游", 56);
  check_cases({
      {"server_name = \"\"\ncount = 5\n",
       {"j.toml:10:15: fleet[0].server_name: is empty (allowed: 1..56 characters)"}},
      {"server_name = \"game eu\"\ncount = 5\n",
       {"j.toml:10:15: fleet[0].server_name: 'game eu' has characters that are not allowed (allowed: ASCII "
        "letters, digits, Chinese characters, _ and -)"}},
      // A Chinese character counts one: 56 of them plus "-NNN" are exactly 60.
      {"server_name = \"" + han56 + "\"\ncount = 5\n", {}},
      {"server_name = \"" + han56 + "游\"\ncount = 5\n",
       {"j.toml:10:15: fleet[0].server_name: is 57 characters long, 61 with its chunk part -NNN (allowed: at "
        "most "
        "56 for a target of 5)"}},
      // 1000 chunks need four digits.
      {"server_name = \"" + std::string(56, 'a') + "\"\ncount = 9990\n", {}},
      {"server_name = \"" + std::string(56, 'a') + "\"\ncount = 9991\n",
       {"j.toml:10:15: fleet[0].server_name: is 56 characters long, 61 with its chunk part -NNNN (allowed: "
        "at most "
        "55 for a target of 9991)"}},
      {"count = 5\n",
       {"j.toml:9:1: fleet[0].server_name: is missing (required: the fleet's name; its chunks are "
        "<server_name>-NNN)"}},
      {"server_name = 5\ncount = 5\n",
       {"j.toml:10:15: fleet[0].server_name: is an integer (allowed: a string)"}},
  });
}

TEST(job_file_test, unknown_keys_are_errors_with_the_closest_known_key) {
  check_cases({
      {std::string(game) + "sever_name = \"x\"\n",
       {"j.toml:12:1: fleet[0].sever_name: is not a known key (did you mean server_name?)"}},
      {std::string(game) + "Image-ID = \"x\"\n",
       {"j.toml:12:1: fleet[0].Image-ID: is not a known key (did you mean image_id?)"}},
      {std::string(game) + "cuont = 5\n",
       {"j.toml:12:1: fleet[0].cuont: is not a known key (did you mean count?)"}},
      {std::string(game) + "band_width_size = 3\n",
       {"j.toml:12:1: fleet[0].band_width_size: is not a known key here (did you mean "
        "band_width.band_width_size?)"}},
      {std::string(game) + "colour = 1\n",
       {"j.toml:12:1: fleet[0].colour: is not a known key (allowed: server_name, count, server_model_name, "
        "phone_model_name, image_id, band_width, extend_param, keypair_name, vnc_enable, ports, "
        "subnet_cidr)"}},
      {std::string(game) + "band_width = { band_width_sise = 3 }\n",
       {"j.toml:12:16: fleet[0].band_width.band_width_sise: is not a known key (did you mean "
        "band_width_size?)"}},
      {std::string(game) + "extend_param = { period = 1 }\n",
       {"j.toml:12:18: fleet[0].extend_param.period: is not a known key (allowed: charging_mode, "
        "period_type, "
        "period_num, is_auto_pay, is_auto_renew, enterprise_project_id)"}},
      {std::string(game) + "band_width = 0\n",
       {"j.toml:12:14: fleet[0].band_width: is an integer (allowed: a table)"}},
  });
  EXPECT_EQ(errors_of_text("[job]\nname = \"t\"\nnmae = 1\n[[fleet]]\nserver_name = \"a\"\ncount = 0\n"
                           "server_model_name = \"m\"\nphone_model_name = \"p\"\nimage_id = \"i\"\n"
                           "band_width = { band_width_share_type = 0 }\n"
                           "extend_param = { charging_mode = 0, period_type = 2, period_num = 1 }\n"
                           "[[fleets]]\n"),
            (std::vector<std::string>{"j.toml:3:1: job.nmae: is not a known key (did you mean name?)",
                                      "j.toml:12:3: fleets: is not a known key (did you mean fleet?)"}));
}

TEST(job_file_test, every_error_of_a_file_is_listed_in_file_order) {
  auto errors = errors_of_text(std::string(head) +
                               "server_name = \"game\"\n"
                               "count = -5\n"
                               "image_id = \"\"\n"
                               "[[fleet]]\n"
                               "server_name = \"game eu\"\n"
                               "count = 5\n"
                               "ports = [ { name = \"adb\", listen_port = 1, internet_accessible = true } ]\n"
                               "nope = 1\n");
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "j.toml:11:9: fleet[0].count: -5 is out of range (allowed: 0..1000000)",
                "j.toml:12:12: fleet[0].image_id: is empty (allowed: 1..32 bytes)",
                "j.toml:14:15: fleet[1].server_name: 'game eu' has characters that are not allowed "
                "(allowed: ASCII letters, digits, Chinese characters, _ and -)",
                "j.toml:16:20: fleet[1].ports[0].name: 'adb' is reserved (allowed: any name but adb and vnc)",
                "j.toml:16:41: fleet[1].ports[0].listen_port: 1 is out of range (allowed: 10000..50000)",
                "j.toml:17:1: fleet[1].nope: is not a known key (allowed: server_name, count, "
                "server_model_name, phone_model_name, image_id, band_width, extend_param, keypair_name, "
                "vnc_enable, ports, subnet_cidr)",
            }));
}

TEST(job_file_test, a_broken_default_is_reported_once_at_defaults) {
  auto errors = errors_of_text(
      "[job]\nname = \"t\"\n"
      "[defaults]\n"
      "server_model_name = \"physical.rx1.xlarge\"\n"
      "phone_model_name = \"aphs1.medium.4.aosp\"\n"
      "image_id = 32\n"
      "band_width = { band_width_share_type = 1 }\n"
      "extend_param = { charging_mode = 0, period_type = 2, period_num = 12 }\n"
      "server_name = \"x\"\n"
      "[[fleet]]\nserver_name = \"a\"\ncount = 1\n"
      "[[fleet]]\nserver_name = \"b\"\ncount = 1\n"
      "[[fleet]]\nserver_name = \"c\"\ncount = 1\nextend_param = { period_type = 3 }\n"
      "band_width = { band_width_size = 10 }\n");
  EXPECT_EQ(
      errors,
      (std::vector<std::string>{
          "j.toml:6:12: defaults.image_id: is an integer (allowed: a string)",
          "j.toml:7:14: defaults.band_width.band_width_size: is missing (required for a shared bandwidth: "
          "1..300 Mbit/s)",
          "j.toml:8:67: defaults.extend_param.period_num: 12 is out of range (allowed: 1..9)",
          // fleet[2]'s own period_type 3 allows 1..10: the inherited 12 is still too many.
          "j.toml:8:67: defaults.extend_param.period_num: 12 is out of range (allowed: 1..10)",
          "j.toml:9:15: defaults.server_name: is not allowed in [defaults] (each [[fleet]] names itself)",
      }));
}

TEST(job_file_test, required_fields_are_missing_when_neither_fleet_nor_defaults_give_them) {
  EXPECT_EQ(
      errors_of_text("[job]\nname = \"t\"\n[[fleet]]\nserver_name = \"a\"\ncount = 1\n"),
      (std::vector<std::string>{
          "j.toml:3:1: fleet[0].server_model_name: is missing (required: here or in [defaults])",
          "j.toml:3:1: fleet[0].phone_model_name: is missing (required: here or in [defaults])",
          "j.toml:3:1: fleet[0].image_id: is missing (required: here or in [defaults])",
          "j.toml:3:1: fleet[0].extend_param.charging_mode: is missing (required: 0, prepaid by period; "
          "here or in [defaults])",
          "j.toml:3:1: fleet[0].extend_param.period_type: is missing (required: 2 month or 3 year; here or "
          "in "
          "[defaults])",
          "j.toml:3:1: fleet[0].extend_param.period_num: is missing (required: here or in [defaults])",
          "j.toml:3:1: fleet[0].band_width.band_width_share_type: is missing (required when band_width_id "
          "is not set: 0 dedicated or 1 shared)",
      }));
}

TEST(job_file_test, job_table_rules) {
  const std::string fleet =
      "[[fleet]]\nserver_name = \"a\"\ncount = 1\nserver_model_name = \"m\"\nphone_model_name = \"p\"\n"
      "image_id = \"i\"\nband_width = { band_width_share_type = 0 }\n"
      "extend_param = { charging_mode = 0, period_type = 2, period_num = 1 }\n";
  EXPECT_EQ(
      errors_of_text("[job]\nname = \"Demo!\"\n" + fleet),
      (std::vector<std::string>{"j.toml:2:8: job.name: 'Demo!' has characters that are not allowed (allowed: "
                                "1..32 of a-z, 0-9, _ and -)"}));
  EXPECT_EQ(errors_of_text("[job]\nname = \"" + std::string(33, 'a') + "\"\n" + fleet),
            (std::vector<std::string>{
                "j.toml:2:8: job.name: is 33 characters long (allowed: 1..32 of a-z, 0-9, _ and -)"}));
  EXPECT_EQ(errors_of_text("[job]\nname = \"" + std::string(32, 'a') + "\"\n" + fleet),
            std::vector<std::string>{});
  EXPECT_EQ(errors_of_text("[job]\nname = \"" + repeat("作业", 17) + "\"\n" + fleet),
            (std::vector<std::string>{
                "j.toml:2:8: job.name: '" + repeat("作业", 17) +
                "' has characters that are not allowed (allowed: 1..32 of a-z, 0-9, _ and -)"}));
  EXPECT_EQ(
      errors_of_text("[job]\nname = \"\"\n" + fleet),
      (std::vector<std::string>{"j.toml:2:8: job.name: is empty (allowed: 1..32 of a-z, 0-9, _ and -)"}));
  EXPECT_EQ(errors_of_text("[job]\nconfig = \"\"\n" + fleet),
            (std::vector<std::string>{
                "j.toml:1:1: job.name: is missing (required: 1..32 of a-z, 0-9, _ and -)",
                "j.toml:2:10: job.config: is empty (allowed: a path, relative to this file's folder)"}));
  // A NUL would make the config read another file than the one written.
  EXPECT_EQ(errors_of_text("[job]\nname = \"j\"\nconfig = \"c.toml\\u0000x\"\n" + fleet),
            (std::vector<std::string>{"j.toml:3:10: job.config: holds a control character (allowed: a path, "
                                      "relative to this file's folder, without NUL or other control "
                                      "characters)"}));
  EXPECT_EQ(errors_of_text(fleet),
            (std::vector<std::string>{"j.toml: job: is missing (required: a [job] table with a name)"}));
  EXPECT_EQ(errors_of_text("job = 1\n" + fleet),
            (std::vector<std::string>{"j.toml:1:7: job: is an integer (allowed: a table)"}));
}

TEST(job_file_test, at_least_one_fleet_is_required) {
  EXPECT_EQ(errors_of_text("[job]\nname = \"t\"\n"),
            (std::vector<std::string>{"j.toml: fleet: is missing (required: at least one [[fleet]] table)"}));
  EXPECT_EQ(
      errors_of_text("fleet = []\n[job]\nname = \"t\"\n"),
      (std::vector<std::string>{"j.toml:1:9: fleet: is empty (required: at least one [[fleet]] table)"}));
  EXPECT_EQ(errors_of_text("[job]\nname = \"t\"\n[fleet]\nserver_name = \"a\"\n"),
            (std::vector<std::string>{
                "j.toml:3:1: fleet: is a table (allowed: an array of tables, written [[fleet]])"}));
}

TEST(job_file_test, fleet_names_must_differ) {
  check_cases({
      {std::string(game) + "[[fleet]]\nserver_name = \"game\"\ncount = 1\n",
       {"j.toml:13:15: fleet[1].server_name: 'game' is already the name of fleet[0] at line 10 (allowed: "
        "each name "
        "once)"}},
      // How the service compares case is not published: names that differ only in case are the same.
      {std::string(game) + "[[fleet]]\nserver_name = \"GAME\"\ncount = 1\n",
       {"j.toml:13:15: fleet[1].server_name: 'GAME' is already the name of fleet[0] at line 10 (allowed: "
        "each name "
        "once)"}},
  });
}

TEST(job_file_test, a_fleet_named_like_another_fleets_chunks_is_rejected) {
  auto second = [](std::string_view name) {
    return std::string(game) + "[[fleet]]\nserver_name = \"" + std::string(name) + "\"\ncount = 1\n";
  };
  const auto collision = [](std::string_view name) {
    return "j.toml:13:15: fleet[1].server_name: '" + std::string(name) +
           "' could be mistaken for the chunks and servers of fleet[0] 'game' at line 10 (allowed: a name "
           "that is "
           "not another fleet's name followed by '-' and a digit)";
  };
  check_cases({
      {second("game-001"), {collision("game-001")}},
      {second("game-1eu"), {collision("game-1eu")}},
      {second("game-eu-2"), {}},  // `game-eu` is no fleet here
      {second("game-eu"), {}},
      {second("game_1"), {}},
      {second("game1"), {}},
      {second("gam-1"), {}},
      {"server_name = \"game-7\"\ncount = 5\n[[fleet]]\nserver_name = \"game\"\ncount = 1\n",
       {"j.toml:10:15: fleet[0].server_name: 'game-7' could be mistaken for the chunks and servers of "
        "fleet[1] "
        "'game' at line 13 (allowed: a name that is not another fleet's name followed by '-' and a digit)"}},
  });
}

TEST(job_file_test, config_path_resolves_against_the_job_files_folder) {
  temp_files dir;
  const std::string body = std::string(head.substr(head.find("[defaults]"))) + std::string(game);
  auto relative = dir.write("jobs/a.toml", "[job]\nname = \"t\"\nconfig = \"../config/c.toml\"\n" + body);
  job_spec job = load_job(relative);
  ASSERT_TRUE(job.config_path);
  EXPECT_EQ(*job.config_path, std::filesystem::path("jobs/../config/c.toml"));
  EXPECT_EQ(job.config_line, 3);
  EXPECT_EQ(job.config_column, 10);

  auto absolute = dir.write("jobs/b.toml", "[job]\nname = \"t\"\nconfig = \"/etc/c.toml\"\n" + body);
  EXPECT_EQ(*load_job(absolute).config_path, std::filesystem::path("/etc/c.toml"));

  auto here = dir.write("c.toml", "[job]\nname = \"t\"\nconfig = \"cfg.toml\"\n" + body);
  EXPECT_EQ(*load_job(here).config_path, std::filesystem::path("cfg.toml"));
}

TEST(job_file_test, syntax_errors_and_unreadable_files_are_diagnostics) {
  EXPECT_EQ(errors_of_text("[job]\nname = \"t\"\nname = \"u\"\n"),
            (std::vector<std::string>{
                "j.toml:3:8: invalid TOML: error while parsing key-value pair: cannot redefine "
                "existing string 'name'"}));
  EXPECT_EQ(
      errors_of_text("[job]\nname = \"中文\" x\n"),
      (std::vector<std::string>{"j.toml:2:13: invalid TOML: error while parsing key-value pair: expected a "
                                "comment or whitespace, saw 'x'"}));
  temp_files dir;
  EXPECT_EQ(errors_of("missing.toml"),
            (std::vector<std::string>{"missing.toml: cannot be read (No such file or directory)"}));
  std::filesystem::create_directory("folder.toml");
  EXPECT_EQ(errors_of("folder.toml"),
            (std::vector<std::string>{"folder.toml: is a directory (allowed: a TOML file)"}));
}

TEST(job_file_test, a_table_header_no_key_can_start_is_a_syntax_error) {
  // Found by tests/fuzz/job_file_fuzz.cpp: toml++ 3.3.0 built with assertions aborts on these (a
  // precondition of its key parser); the library cphfleet links reports them like any syntax error.
  EXPECT_EQ(errors_of_text("[\x10]\nname = \"x\"\n"),
            (std::vector<std::string>{"j.toml:1:2: invalid TOML: error while parsing key: expected bare key "
                                      "starting character or string delimiter, saw '\\u0010'"}));
  EXPECT_EQ(errors_of_text("[job]\n[[[a]]]\n"),
            (std::vector<std::string>{"j.toml:2:3: invalid TOML: error while parsing key: expected bare key "
                                      "starting character or string delimiter, saw '['"}));
}

TEST(job_file_test, text_already_read_is_checked_as_the_file_it_names) {
  diagnostics errors;
  job_spec job = read_job(std::string(head) + std::string(game), "jobs/t.toml", errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(job.path, std::filesystem::path("jobs/t.toml"));
  ASSERT_EQ(job.fleets.size(), 1u);
  EXPECT_EQ(job.fleets[0].server_name, "game");
  EXPECT_EQ(job.fleets[0].target, 5);

  read_job("[job]\nname = \"t\"\nconfig = \"c.toml\"\n", "jobs/t.toml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "jobs/t.toml: fleet: is missing (required: at least one [[fleet]] table)");
}

TEST(job_file_test, chunk_names_are_one_based_and_at_least_three_digits) {
  EXPECT_EQ(chunk_name("game", 1), "game-001");
  EXPECT_EQ(chunk_name("game", 47), "game-047");
  EXPECT_EQ(chunk_name("游戏", 999), "游戏-999");
  EXPECT_EQ(chunk_name("game", 1000), "game-1000");
  EXPECT_EQ(chunk_digits(0), 3);
  EXPECT_EQ(chunk_digits(47), 3);
  EXPECT_EQ(chunk_digits(9990), 3);
  EXPECT_EQ(chunk_digits(9991), 4);
  EXPECT_EQ(chunk_digits(max_fleet_target), 6);
}

TEST(job_file_test, thousands_of_fleets_validate_in_milliseconds) {
  temp_files dir;
  std::string text = std::string(head.substr(0, head.find("[[fleet]]")));
  for (int i = 0; i < 5000; ++i) {
    text += "[[fleet]]\nserver_name = \"fleet_" + std::to_string(i) +
            "\"\ncount = 10\n"
            "ports = [ { name = \"s\", listen_port = 20000, internet_accessible = true } ]\n";
  }
  auto path = dir.write("big.toml", text);
  auto start = std::chrono::steady_clock::now();
  job_spec job = load_job(path);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(job.fleets.size(), 5000u);
  // About 40 ms on a shared 2-core machine; the bound only catches an accidental quadratic check.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 1000);
}

}  // namespace
}  // namespace cphfleet

// deploy/: the systemd units, the cron line, the Kubernetes CronJob, the Dockerfile and the Grafana
// dashboard, each checked against what cphfleet really accepts and writes.
#include "cli/app_tree.hpp"
#include "cli/cli.hpp"
#include "support/test_process.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace cphfleet {
namespace {

using test::find_program;
using test::run_cphfleet;
using test::run_program;
using test::slurp;
using test::temp_dir;

const std::filesystem::path deploy = std::filesystem::path(CPHFLEET_SOURCE_DIR) / "deploy";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Every option among `args` is one `cphfleet <command>` takes (its own or a common one), and the run
// parses: `cphfleet run JOB --deadline 50m` as the unit, cron line or CronJob writes it.
void expect_options_of(const std::string& command, const std::vector<std::string>& args) {
  common_options common;
  int result = 0;
  auto app = make_cli(common, result);
  std::set<std::string> known;
  for (const auto& o : common_option_docs(*app))
    for (const auto& n : o.names) known.insert(n);
  for (const auto& c : command_docs(*app))
    if (c.name == command)
      for (const auto& o : c.options)
        for (const auto& n : o.names) known.insert(n);
  for (const auto& a : args)
    if (a.starts_with("-")) {
      EXPECT_TRUE(known.count(a)) << a << " is not an option of cphfleet " << command;
    }
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

TEST(deploy_files_test, the_systemd_units_pass_systemd_analyze_verify) {
  std::string service = slurp(deploy / "systemd" / "cphfleet@.service");
  std::string timer = slurp(deploy / "systemd" / "cphfleet@.timer");
  ASSERT_FALSE(service.empty());
  ASSERT_FALSE(timer.empty());
  std::string exec;
  for (const auto& line : lines_of(service))
    if (line.starts_with("ExecStart=")) exec = line.substr(10);
  auto args = words_of(exec);
  ASSERT_GE(args.size(), 3u);
  EXPECT_EQ(args[0], "/usr/local/bin/cphfleet");
  EXPECT_EQ(args[1], "run");
  expect_options_of("run", args);
  EXPECT_NE(service.find("\nType=oneshot\n"), std::string::npos);
  EXPECT_NE(timer.find("\nWantedBy=timers.target\n"), std::string::npos);

  std::string analyze = find_program("systemd-analyze");
  if (analyze.empty()) GTEST_SKIP() << "systemd-analyze is not installed (scripts/setup.sh installs it)";
  // verify needs ExecStart's program to exist: the built binary stands in for the installed one.
  temp_dir dir("systemd");
  std::ofstream(dir.path() / "cphfleet@demo.service")
      << replace_all(service, "/usr/local/bin/cphfleet", CPHFLEET_BINARY);
  std::ofstream(dir.path() / "cphfleet@demo.timer") << timer;
  auto r = run_program({analyze, "verify", "--man=no", (dir.path() / "cphfleet@demo.service").string(),
                        (dir.path() / "cphfleet@demo.timer").string()},
                       {"SYSTEMD_LOG_LEVEL=notice"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Warnings about the machine (no running systemd, units elsewhere on it) are not about these files.
  for (const auto& line : lines_of(r.err)) EXPECT_EQ(line.find("cphfleet@demo"), std::string::npos) << line;
}

TEST(deploy_files_test, the_cron_line_runs_cphfleet_without_flock) {
  std::string cron = slurp(deploy / "cphfleet.cron");
  int entries = 0;
  for (const auto& line : lines_of(cron)) {
    if (line.empty() || line.starts_with("#")) continue;
    ++entries;
    auto words = words_of(line);
    ASSERT_GE(words.size(), 8u) << line;
    // Five time fields, the user (/etc/cron.d form), then the command.
    for (int i = 0; i < 5; ++i)
      EXPECT_TRUE(std::regex_match(words[i], std::regex(R"([0-9*/,-]+)"))) << words[i];
    EXPECT_EQ(words[5], "cphfleet");
    EXPECT_EQ(words[6], "/usr/local/bin/cphfleet");
    EXPECT_EQ(words[7], "run");
    std::vector<std::string> args(
        words.begin() + 6,
        std::find(words.begin(), words.end(), std::string(">>/var/log/cphfleet/acme-cn-north-4.log")));
    expect_options_of("run", args);
  }
  EXPECT_EQ(entries, 1);
  EXPECT_EQ(cron.find("flock "), std::string::npos);
}

// The text of a `key: |` block scalar in `yaml`: the lines indented deeper than the key, dedented.
std::string block_scalar(const std::string& yaml, const std::string& key) {
  auto lines = lines_of(yaml);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto at = lines[i].find(key + ": |");
    if (at == std::string::npos) continue;
    std::size_t indent = std::string::npos;
    for (std::size_t j = i + 1; j < lines.size(); ++j) {
      std::size_t lead = lines[j].find_first_not_of(' ');
      if (lead == std::string::npos) {
        out += "\n";
        continue;
      }
      if (lead <= at) break;
      if (indent == std::string::npos) indent = lead;
      out += lines[j].substr(indent) + "\n";
    }
    return out;
  }
  return out;
}

TEST(deploy_files_test, the_kubernetes_cronjob_runs_one_ledger_at_a_time_with_its_job_and_config) {
  std::string yaml = slurp(deploy / "kubernetes" / "cronjob.yaml");
  ASSERT_FALSE(yaml.empty());
  // Structure: no tabs, two-space indents, three documents.
  int documents = 1;
  for (const auto& line : lines_of(yaml)) {
    EXPECT_EQ(line.find('\t'), std::string::npos) << line;
    if (line == "---") ++documents;
    std::size_t lead = line.find_first_not_of(' ');
    if (lead != std::string::npos && line[lead] != '#') {
      EXPECT_EQ(lead % 2, 0u) << line;
    }
  }
  EXPECT_EQ(documents, 3);
  for (std::string expected : {"kind: PersistentVolumeClaim\n", "kind: ConfigMap\n", "kind: CronJob\n",
                               "  concurrencyPolicy: Forbid\n", "persistentVolumeClaim:\n",
                               "claimName: cphfleet-ledger-acme-cn-north-4\n", "secretKeyRef:\n",
                               "restartPolicy: Never\n", "backoffLimit: 0\n"})
    EXPECT_NE(yaml.find(expected), std::string::npos) << expected;

  std::string python = find_program("python3");
  if (!python.empty() && run_program({python, "-c", "import yaml"}).exit_code == 0) {
    // A real YAML parser, where there is one: the documents and the fields the CronJob rests on.
    auto r = run_program(
        {python, "-c",
         "import sys, yaml\n"
         "docs = list(yaml.safe_load_all(open(sys.argv[1])))\n"
         "kinds = [d['kind'] for d in docs]\n"
         "job = [d for d in docs if d['kind'] == 'CronJob'][0]['spec']\n"
         "pod = job['jobTemplate']['spec']['template']['spec']\n"
         "claim = [d for d in docs if d['kind'] == 'PersistentVolumeClaim'][0]['metadata']['name']\n"
         "vols = {v['name']: v for v in pod['volumes']}\n"
         "c = pod['containers'][0]\n"
         "mounts = {m['name']: m['mountPath'] for m in c['volumeMounts']}\n"
         "print(kinds, job['concurrencyPolicy'], vols['ledger']['persistentVolumeClaim']['claimName'] == "
         "claim,"
         " mounts['ledger'], [e['valueFrom']['secretKeyRef']['key'] for e in c['env']], ' "
         "'.join(c['args']))\n",
         (deploy / "kubernetes" / "cronjob.yaml").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(
        r.out,
        "['PersistentVolumeClaim', 'ConfigMap', 'CronJob'] Forbid True /var/lib/cphfleet ['ak', 'sk'] run "
        "/etc/cphfleet/job.toml --config /etc/cphfleet/config.toml --deadline 50m --log-format json\n");
  }

  // The ConfigMap's job and config are valid, and their ledger is on the claim's mount.
  temp_dir dir("cronjob");
  std::string config = block_scalar(yaml, "config.toml"), job = block_scalar(yaml, "job.toml");
  EXPECT_NE(config.find("path = \"/var/lib/cphfleet/orders.csv\""), std::string::npos) << config;
  std::ofstream(dir.path() / "config.toml") << config;
  std::ofstream(dir.path() / "job.toml") << job;
  auto r =
      run_cphfleet({"validate", (dir.path() / "job.toml").string(), "--config",
                    (dir.path() / "config.toml").string(), "--ledger", (dir.path() / "orders.csv").string()},
                   {"HUAWEICLOUD_SDK_AK=AKEXAMPLEEXAMPLE0000", "HUAWEICLOUD_SDK_SK=example-secret",
                    "HUAWEICLOUD_SDK_CREDENTIALS_FILE=/nonexistent"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("endpoint: https://cph.cn-north-4.myhuaweicloud.com (region cn-north-4)\n"),
            std::string::npos)
      << r.out;
  std::string args_line;
  for (const auto& line : lines_of(yaml))
    if (line.find("args: [") != std::string::npos) args_line = line;
  std::vector<std::string> args;
  std::regex quoted("\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(args_line.begin(), args_line.end(), quoted);
       it != std::sregex_iterator(); ++it)
    args.push_back((*it)[1]);
  ASSERT_FALSE(args.empty());
  EXPECT_EQ(args[0], "run");
  expect_options_of("run", args);
}

TEST(deploy_files_test, the_dockerfile_builds_on_bookworm_with_setup_sh_and_ships_the_libraries_it_links) {
  std::string docker = slurp(deploy / "Dockerfile");
  ASSERT_FALSE(docker.empty());
  std::vector<std::string> from;
  for (const auto& line : lines_of(docker)) {
    if (line.starts_with("FROM ")) from.push_back(line);
    // Every file copied from the context is in the repository.
    if (line.starts_with("COPY ") && line.find("--from=") == std::string::npos) {
      auto w = words_of(line);
      for (std::size_t i = 1; i + 1 < w.size(); ++i)
        EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(CPHFLEET_SOURCE_DIR) / w[i])) << w[i];
    }
  }
  EXPECT_EQ(from, (std::vector<std::string>{"FROM debian:bookworm AS build", "FROM debian:bookworm-slim"}));
  EXPECT_NE(docker.find("RUN scripts/setup.sh --packages"), std::string::npos);
  EXPECT_NE(docker.find("scripts/setup.sh \\\n && cmake --install build --prefix /opt/cphfleet"),
            std::string::npos);
  EXPECT_NE(docker.find("ENTRYPOINT [\"/usr/local/bin/cphfleet\"]"), std::string::npos);

  std::string ldd = find_program("ldd"), dpkg = find_program("dpkg-query");
  if (ldd.empty() || dpkg.empty()) GTEST_SKIP() << "no ldd or dpkg-query: the libraries are not checked";
  auto linked = run_program({ldd, CPHFLEET_BINARY});
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  std::regex lib(R"(=> (/\S+))");
  int checked = 0;
  for (const auto& line : lines_of(linked.out)) {
    std::smatch m;
    if (!std::regex_search(line, m, lib)) continue;
    std::string path = std::filesystem::canonical(m[1].str()).string();
    auto owner = run_program({dpkg, "-S", path});
    if (owner.exit_code != 0) owner = run_program({dpkg, "-S", replace_all(path, "/usr/lib/", "/lib/")});
    ASSERT_EQ(owner.exit_code, 0) << path << owner.err;
    std::string package = owner.out.substr(0, owner.out.find_first_of(":,"));
    EXPECT_NE(docker.find(" " + package + " "), std::string::npos)
        << package << " (" << path << ") is not installed";
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

// Every series name in a PromQL text: cphfleet_ and the rest of the identifier.
std::set<std::string> series_in(const std::string& expr) {
  std::set<std::string> out;
  std::regex name(R"(cphfleet_[a-z_]+)");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name); it != std::sregex_iterator(); ++it)
    out.insert(it->str());
  return out;
}

TEST(deploy_files_test, the_grafana_dashboard_is_json_whose_queries_name_series_cphfleet_writes) {
  boost::json::value dash = boost::json::parse(slurp(deploy / "grafana-dashboard.json"));
  ASSERT_TRUE(dash.is_object());
  EXPECT_EQ(dash.at("uid").as_string(), "cphfleet");

  // What a run writes today, from a real --metrics-file.
  temp_dir dir("dashboard");
  auto run = run_cphfleet({"run", std::string(CPHFLEET_SOURCE_DIR) + "/jobs/demo.toml", "--ledger",
                           (dir.path() / "orders.csv").string(), "--metrics-file",
                           (dir.path() / "m.prom").string(), "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::set<std::string> written;
  for (const auto& line : lines_of(slurp(dir.path() / "m.prom")))
    if (line.starts_with("# TYPE ")) written.insert(words_of(line)[2]);
  ASSERT_FALSE(written.empty());
  // The series the metrics work (issue 17, point 3) announces: the last run's figures as gauges, and the
  // servers per fleet and state. Drop each name here once a run writes it.
  for (std::string announced :
       {"cphfleet_servers", "cphfleet_last_run_requests", "cphfleet_last_run_retries",
        "cphfleet_last_run_throttled", "cphfleet_last_run_reconciled", "cphfleet_last_run_servers_ordered"})
    written.insert(announced);

  std::set<std::string> used;
  std::set<std::int64_t> ids;
  int targets = 0;
  for (const auto& panel : dash.at("panels").as_array()) {
    ids.insert(panel.at("id").as_int64());
    EXPECT_TRUE(panel.as_object().contains("gridPos"));
    for (const auto& target : panel.at("targets").as_array()) {
      std::string expr(target.at("expr").as_string());
      auto names = series_in(expr);
      EXPECT_FALSE(names.empty()) << expr;
      used.insert(names.begin(), names.end());
      // Every query is narrowed to the chosen jobs and ledgers.
      EXPECT_NE(expr.find("job=~\"$job\",ledger=~\"$ledger\""), std::string::npos) << expr;
      ++targets;
    }
  }
  for (const auto& variable : dash.at("templating").at("list").as_array())
    if (variable.as_object().contains("definition")) {
      auto names = series_in(std::string(variable.at("definition").as_string()));
      used.insert(names.begin(), names.end());
    }
  EXPECT_EQ(ids.size(), dash.at("panels").as_array().size());
  EXPECT_GE(targets, 8);
  for (const auto& name : used)
    EXPECT_TRUE(written.count(name)) << name << " is not a series cphfleet writes";
}

}  // namespace
}  // namespace cphfleet

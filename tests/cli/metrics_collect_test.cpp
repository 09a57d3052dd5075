// Several jobs' metrics files in one node_exporter textfile folder (README "Output"): each passes
// `promtool check metrics`, and node_exporter's textfile collector reads them all, with no scrape error.
// promtool and prometheus-node-exporter are Debian packages scripts/setup.sh installs.
#include "support/fixture_server.hpp"
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace cphfleet::test {
namespace {

struct job_env {
  std::filesystem::path dir;
  std::filesystem::path job;
  job_env(const std::filesystem::path& root, const std::string& name, std::int64_t count,
          const std::string& url, const limits_def& l = {})
      : dir(root / name), job(dir / "job.toml") {
    std::filesystem::create_directories(dir);
    write_file(job, job_text_named({{name, count}}, name));
    write_file(dir / "config.toml", config_text(url, l));
  }
  run_result run(const std::filesystem::path& metrics) {
    return run_cphfleet({"run", job.string(), "--metrics-file", metrics.string()}, aksk_env());
  }
  std::string ledger() const { return (dir / "orders.csv").string(); }

  static std::string job_text_named(const std::vector<fleet_def>& fleets, const std::string& name) {
    std::string t = job_text(fleets);
    t.replace(t.find("name = \"t\""), 10, "name = \"" + name + "\"");
    return t;
  }
};

std::string program(const char* name) {
  for (const char* dir : {"/usr/bin/", "/usr/local/bin/", "/usr/sbin/"}) {
    std::filesystem::path p = std::string(dir) + name;
    if (std::filesystem::exists(p)) return p.string();
  }
  return "";
}

TEST(metrics_collect_test, two_jobs_files_in_one_textfile_folder_pass_promtool_and_are_all_collected) {
  std::string promtool = program("promtool"), exporter = program("prometheus-node-exporter");
  ASSERT_FALSE(promtool.empty()) << "promtool is missing: scripts/setup.sh installs the prometheus package";
  ASSERT_FALSE(exporter.empty()) << "prometheus-node-exporter is missing: scripts/setup.sh installs it";
  temp_dir tmp("metrics-collect");
  auto textfiles = tmp.path() / "textfile";
  std::filesystem::create_directories(textfiles);
  emulator_process emu(tmp.path());
  // One job that buys, one the spend guard refuses (exit 2): both leave a file.
  job_env game(tmp.path(), "game", 25, emu.url());
  job_env stream(tmp.path(), "stream", 120, emu.url(), limits_def{.max_servers = 100});
  ASSERT_EQ(game.run(textfiles / "game.prom").exit_code, 0);
  ASSERT_EQ(stream.run(textfiles / "stream.prom").exit_code, 2);

  for (const char* file : {"game.prom", "stream.prom"}) {
    // promtool reads the metrics on stdin.
    std::string cmd = promtool + " check metrics < '" + (textfiles / file).string() + "' > '" +
                      (tmp.path() / "promtool.out").string() + "' 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << file << ": " << slurp(tmp.path() / "promtool.out");
    EXPECT_EQ(slurp(tmp.path() / "promtool.out"), "") << file;
  }

  unsigned short port = unused_port();
  child_process node({exporter, "--collector.disable-defaults", "--collector.textfile",
                      "--collector.textfile.directory=" + textfiles.string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                     {}, tmp.path() / "node.out", tmp.path() / "node.err");
  std::string scraped;
  ASSERT_TRUE(poll_until([&] {
    try {
      http_client c("127.0.0.1", port);
      auto r = c.request("GET", "/metrics", {});
      if (r.status != 200) return false;
      scraped = r.body;
      return true;
    } catch (const std::exception&) {
      return false;
    }
  })) << slurp(tmp.path() / "node.err");
  // The collector sorts labels by name.
  EXPECT_NE(scraped.find("cphfleet_last_run_exit_code{command=\"run\",job=\"game\",ledger=\"" +
                         game.ledger() + "\"} 0\n"),
            std::string::npos)
      << scraped;
  EXPECT_NE(scraped.find("cphfleet_last_run_exit_code{command=\"run\",job=\"stream\",ledger=\"" +
                         stream.ledger() + "\"} 2\n"),
            std::string::npos)
      << scraped;
  EXPECT_NE(scraped.find("cphfleet_fleet_servers{command=\"run\",fleet=\"game\",job=\"game\",ledger=\"" +
                         game.ledger() + "\",state=\"ordered\"} 25\n"),
            std::string::npos)
      << scraped;
  EXPECT_NE(scraped.find("node_textfile_scrape_error 0\n"), std::string::npos) << scraped;
}

}  // namespace
}  // namespace cphfleet::test

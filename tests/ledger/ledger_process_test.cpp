// What the ledger survives, end to end: `cphfleet` as a child process against `cphfleet emulator` over
// real TCP, with the ledger reached by another name, replaced while a run holds it, or torn.
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace cphfleet::test {
namespace {

struct ledger_env {
  temp_dir scratch{"ledger"};
  std::filesystem::path dir = scratch.path();
  std::filesystem::path job = dir / "job.toml";
  std::filesystem::path config = dir / "config.toml";
  std::filesystem::path ledger = dir / "orders.csv";
  ~ledger_env() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void write(const std::vector<fleet_def>& fleets, const std::string& url, const limits_def& l = {}) {
    write_file(job, job_text(fleets));
    write_file(config, config_text(url, l));
  }
  // Waits (bounded) until the ledger holds `rows` rows: the first process then holds the lock.
  void wait_for_rows(std::size_t rows) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      try {
        if (read_ledger(ledger).size() >= rows) return;
      } catch (const std::exception&) {
        // mid-write: look again
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "the ledger never held " << rows << " rows";
  }
};

TEST(ledger_process_test, a_second_run_through_a_symlink_or_a_hard_link_exits_75_naming_the_holder) {
  ledger_env e;
  emulator_process emu(e.dir, {"--latency", "3000"});
  e.write({{"eu", 10}}, emu.url(), limits_def{.request_timeout_s = 10});
  child_process first({CPHFLEET_BINARY, "run", e.job.string()}, aksk_env(), e.dir / "first.out",
                      e.dir / "first.err");
  e.wait_for_rows(1);
  std::filesystem::create_symlink(e.ledger, e.dir / "link.csv");
  std::filesystem::create_hard_link(e.ledger, e.dir / "hard.csv");
  for (const char* name : {"link.csv", "hard.csv"}) {
    auto second = run_cphfleet({"run", e.job.string(), "--ledger", (e.dir / name).string()}, aksk_env());
    EXPECT_EQ(second.exit_code, 75) << name << ": " << second.err;
    EXPECT_NE(second.err.find("pid " + std::to_string(first.pid())), std::string::npos) << second.err;
  }
  EXPECT_EQ(first.wait(), 0) << first.err();
  EXPECT_EQ(emu.orders().size(), 1u);  // only the first bought
}

TEST(ledger_process_test, a_ledger_renamed_over_while_a_run_holds_it_stops_the_run_with_exit_3) {
  ledger_env e;
  emulator_process emu(e.dir, {"--latency", "2000"});
  e.write({{"eu", 10}}, emu.url(), limits_def{.request_timeout_s = 10});
  child_process run({CPHFLEET_BINARY, "run", e.job.string()}, aksk_env(), e.dir / "run.out",
                    e.dir / "run.err");
  e.wait_for_rows(1);  // the sending row is on disk; the answer comes 2 s later
  // An editor's save: the same text in a new file, renamed over the ledger.
  std::string text = slurp(e.ledger);
  write_file(e.dir / "edited.csv", text);
  std::filesystem::rename(e.dir / "edited.csv", e.ledger);
  // Never exit 2 (a purchase left): 3, since the answer to the call in flight could not be recorded
  // and its chunk is left unresolved for the next run to settle.
  EXPECT_EQ(run.wait(), 3) << run.err();
  EXPECT_NE(run.err().find(e.ledger.string() + ": the ledger file was replaced"), std::string::npos)
      << run.err();
  EXPECT_EQ(slurp(e.ledger), text);  // nothing written to the file that replaced it
  // The order the service took is settled by the next run, never bought twice.
  auto next = run_cphfleet({"run", e.job.string()}, aksk_env());
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(emu.orders().size(), 1u);
}

TEST(ledger_process_test, a_torn_last_row_is_warned_about_by_readers_and_cut_by_the_lock_holder) {
  ledger_env e;
  emulator_process emu(e.dir);
  e.write({{"eu", 10}}, emu.url());
  ASSERT_EQ(run_cphfleet({"run", e.job.string()}, aksk_env()).exit_code, 0);
  std::string whole = slurp(e.ledger);
  // The first row again, cut halfway by a crash.
  std::size_t first_row = whole.find("\r\n") + 2;
  std::string torn = whole.substr(first_row, (whole.find("\r\n", first_row) - first_row) / 2);
  write_file(e.ledger, whole + torn);

  for (std::vector<std::string> args : {std::vector<std::string>{"plan", e.job.string()},
                                        std::vector<std::string>{"ledger", "--ledger", e.ledger.string()},
                                        std::vector<std::string>{"run", e.job.string(), "--dry-run"}}) {
    auto r = run_cphfleet(args, aksk_env());
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("torn record"), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_EQ(slurp(e.ledger), whole + torn) << args[0] << " cut the ledger without its lock";
  }
  auto reconcile = run_cphfleet({"reconcile", "--config", e.config.string()}, aksk_env());
  EXPECT_EQ(reconcile.exit_code, 0) << reconcile.err;
  EXPECT_NE(reconcile.err.find("cutting it"), std::string::npos) << reconcile.err;
  EXPECT_EQ(slurp(e.ledger), whole);
  // And a run on a torn ledger repairs it too, and buys nothing more.
  write_file(e.ledger, whole + torn);
  auto again = run_cphfleet({"run", e.job.string()}, aksk_env());
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(slurp(e.ledger).substr(0, whole.size()), whole);
  EXPECT_EQ(emu.orders().size(), 1u);
}

}  // namespace
}  // namespace cphfleet::test

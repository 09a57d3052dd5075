// One process at a time per ledger (README "The ledger"): the lock `run`, `replay` and `reconcile`
// hold while they append.
#pragma once
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cphfleet {

// Another process holds the ledger (exit 75). The message names it; `holder` is the holder alone
// ("pid 4242 (cphfleet run)"), for machine output.
struct ledger_busy : std::runtime_error {
  ledger_busy(const std::string& message, std::string who)
      : std::runtime_error(message), holder(std::move(who)) {}
  std::string holder;
};

// How long a process waits for a held ledger before it gives up with ledger_busy (`--lock-timeout`);
// zero, the default: not at all. Process-wide, set once from the command line.
void set_ledger_lock_wait(std::chrono::milliseconds wait);

// An exclusive flock on the ledger file itself, taken on a descriptor of it: every name of the file (a
// symlink, a hard link, a relative path) shares the one lock, and no other file (removing one, or
// creating one) can free it. `<ledger>.lock`, next to the ledger's real path, holds the holder's pid
// and command: a courtesy for the next process's message, never the lock.
class ledger_lock {
 public:
  // `fd` is open on the ledger and stays open while the lock lives. Throws ledger_busy naming the
  // holder, or std::runtime_error when the lock cannot be taken.
  ledger_lock(int fd, const std::filesystem::path& ledger, std::string_view command);
  ~ledger_lock();
  ledger_lock(const ledger_lock&) = delete;
  ledger_lock& operator=(const ledger_lock&) = delete;

 private:
  int fd_ = -1;
  int note_fd_ = -1;
};

}  // namespace cphfleet

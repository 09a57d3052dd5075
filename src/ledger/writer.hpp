// The ledger's write side (DESIGN.md "Ledger"): one process at a time, append-only, and every row on
// disk before the caller goes on. A `sending` row is durable before the request's first byte leaves,
// because the caller awaits `append` before it sends.
#pragma once
#include "ledger/row.hpp"
#include "base/net.hpp"

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cphfleet {

// Another process holds the ledger (exit 75). The message names it.
struct ledger_busy : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An exclusive advisory lock on `<ledger>.lock`, which holds the holder's pid and command.
class ledger_lock {
 public:
  // Throws ledger_busy naming the holder, or std::runtime_error when the lock file cannot be opened.
  ledger_lock(const std::filesystem::path& ledger, std::string_view command);
  ~ledger_lock();
  ledger_lock(const ledger_lock&) = delete;
  ledger_lock& operator=(const ledger_lock&) = delete;

 private:
  int fd_ = -1;
};

class ledger_writer {
 public:
  // Takes the lock, creates the folder and the file with its header when missing, checks the header of
  // an existing file, and cuts a torn last record (a crash mid-append) so the file parses again: such a
  // record never finished its fsync, so its caller never went on. Reads what is there into `rows()`.
  ledger_writer(net::any_io_executor ex, std::filesystem::path path, std::string_view command);
  // The same, handing the rows already there to `existing` (in file order) instead of keeping them in
  // existing_rows(): the file is read piece by piece, never whole, so a run indexes a big ledger
  // without holding it twice.
  ledger_writer(net::any_io_executor ex, std::filesystem::path path, std::string_view command,
                const std::function<void(ledger_row&&)>& existing);
  ~ledger_writer();

  // Appends the row and returns once it is written and fdatasync'ed. Rows appended while the syncs are
  // busy are written together by the next one (group commit), so a busy run pays one sync per batch.
  // Up to two syncs run at once: a row need not wait for a sync that began before it was written to
  // end before its own begins (two fdatasyncs of a file proceed together, and each makes durable every
  // byte written before it began).
  net::awaitable<void> append(ledger_row row);
  // Synchronous append + sync, for the last words of a process (the second signal).
  void append_now(const ledger_row& row);

  const std::vector<ledger_row>& existing_rows() const { return existing_; }
  const std::filesystem::path& path() const { return path_; }
  std::uint64_t rows_written() const { return rows_written_; }
  std::uint64_t syncs() const { return syncs_; }

 private:
  struct batch {
    std::string bytes;
    std::unique_ptr<net::steady_timer> done;  // cancelled once the batch is durable
    bool durable = false;
    std::string error;
  };
  static constexpr int k_concurrent_syncs = 2;
  // Writes the collected rows (here, on the io thread, so the file keeps the order of the appends) and
  // starts their sync, while fewer than k_concurrent_syncs run.
  void start_syncs();
  net::awaitable<void> sync_batch(std::shared_ptr<batch> b);
  void write_and_sync(const std::string& bytes);

  net::any_io_executor ex_;
  std::filesystem::path path_;
  std::unique_ptr<ledger_lock> lock_;
  int fd_ = -1;
  std::vector<ledger_row> existing_;
  net::thread_pool sync_pool_{k_concurrent_syncs};  // fdatasync runs here so the io thread keeps going
  std::shared_ptr<batch> open_;  // collecting rows while the syncs are busy
  int syncs_in_flight_ = 0;
  std::uint64_t rows_written_ = 0;
  std::uint64_t syncs_ = 0;
};

}  // namespace cphfleet

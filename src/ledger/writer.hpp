// The ledger's write side (README "The ledger"): one process at a time, append-only, and every row on
// disk before the caller goes on. A `sending` row is durable before the request's first byte leaves,
// because the caller awaits `append` before it sends.
#pragma once
#include "base/net.hpp"
#include "ledger/lock.hpp"
#include "ledger/reader.hpp"
#include "ledger/row.hpp"

#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cphfleet {

// The file at the ledger's path is no longer the one this writer holds (an editor's save, `sed -i`,
// logrotate, a copy moved over it, a deletion): nothing more is appended, so nothing more may be sent.
// The message names the path.
struct ledger_replaced : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ledger_writer {
 public:
  // Opens the ledger (creating the folder and the file when missing; a path with a control character,
  // or a file that is not a regular file, is refused) and takes its lock, then reads what is there
  // into existing_rows(), repairing the file on the way: a torn last record (a crash mid-append) is cut,
  // since it never finished its sync and so its caller never went on; a whole last row without its
  // line break gets one; an empty file, a byte order mark alone or a torn header gets the header.
  // A header that differs from the contract, or a malformed row, throws (read_ledger's errors).
  ledger_writer(net::any_io_executor ex, std::filesystem::path path, std::string_view command);
  // The same, handing the rows already there to `existing` (in file order) instead of keeping them in
  // existing_rows(): the file is read piece by piece, never whole, so a run indexes a big ledger
  // without holding it twice.
  ledger_writer(net::any_io_executor ex, std::filesystem::path path, std::string_view command,
                const std::function<void(ledger_row&&)>& existing, ledger_cells cells = ledger_cells::all);
  ~ledger_writer();

  // Appends the row and returns once it is written and fdatasync'ed. Throws ledger_replaced, before
  // anything is written, when the file at path() is no longer the one held. Rows appended while the syncs are
  // busy are written together by the next one (group commit), so a busy run pays one sync per batch.
  // Up to two syncs run at once: a row need not wait for a sync that began before it was written to
  // end before its own begins (two fdatasyncs of a file proceed together, and each makes durable every
  // byte written before it began).
  net::awaitable<void> append(ledger_row row);
  // Synchronous append + sync, for the last words of a process (the second signal). The same check.
  void append_now(const ledger_row& row);
  // Throws ledger_replaced unless the file at path() is the one held: the same device and inode, and
  // still linked.
  void check_still_held() const;

  const std::vector<ledger_row>& existing_rows() const { return existing_; }
  const std::filesystem::path& path() const { return path_; }
  std::uint64_t rows_written() const { return rows_written_; }
  std::uint64_t syncs() const { return syncs_; }

 private:
  struct batch {
    std::string bytes;
    std::unique_ptr<net::steady_timer> done;  // cancelled once the batch is durable
    bool durable = false;
    std::exception_ptr error;
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
  std::shared_ptr<batch> open_;                     // collecting rows while the syncs are busy
  int syncs_in_flight_ = 0;
  std::uint64_t rows_written_ = 0;
  std::uint64_t syncs_ = 0;
};

}  // namespace cphfleet

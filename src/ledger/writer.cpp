#include "ledger/writer.hpp"

#include "base/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cphfleet {
namespace {

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("{}: write: {}", path.string(), errno_text()));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void sync_dir(const std::filesystem::path& dir) {
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // makes a newly created ledger's directory entry durable; failure only weakens that
    ::close(dfd);
  }
}

}  // namespace

ledger_writer::ledger_writer(net::any_io_executor ex, std::filesystem::path path, std::string_view command)
    : ledger_writer(std::move(ex), std::move(path), command,
                    [this](ledger_row&& row) { existing_.push_back(std::move(row)); }) {}

ledger_writer::ledger_writer(net::any_io_executor ex, std::filesystem::path path, std::string_view command,
                             const std::function<void(ledger_row&&)>& existing, ledger_cells cells)
    : ex_(std::move(ex)), path_(std::move(path)) {
  check_ledger_path(path_);
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  // O_NONBLOCK: opening a FIFO would otherwise wait for a reader before the check below could refuse it.
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd_ < 0) {
    if (errno == EISDIR) refuse_non_regular(path_, "folder");
    throw std::runtime_error(fmt::format("{}: cannot open: {}", path_.string(), errno_text()));
  }
  try {
    check_ledger_file(fd_, path_);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    lock_ = std::make_unique<ledger_lock>(fd_, path_, command);
    // Locked a file the path no longer names (replaced between the open and the lock): not the ledger.
    check_still_held();

    // Repairs come only after the whole file has been read and found sound up to its last record.
    ledger_read_options options;
    options.cells = cells;
    options.warn_torn = false;  // this writer cuts it, and says so
    ledger_read read = read_ledger(fd_, path_.string(), existing, options);
    if (read.whole < read.size) {
      if (read.torn) {
        log(log_level::warn, "the ledger ends in a torn record (a crash while appending); cutting it",
            {{"ledger", path_.string()}, {"bytes", std::to_string(read.size - read.whole)}});
      }
      if (::ftruncate(fd_, static_cast<off_t>(read.whole)) != 0) {
        throw std::runtime_error(
            fmt::format("{}: cannot cut the torn record: {}", path_.string(), errno_text()));
      }
    }
    if (!read.header) {
      // Empty (created, crashed before the header), a byte order mark alone, or a torn header.
      write_and_sync(ledger_header());
      if (read.size == 0) sync_dir(path_.parent_path());
    } else if (read.unterminated) {
      // A whole row (or the header) without its line break, typed by hand or torn just before the CRLF.
      write_and_sync("\r\n");
    } else if (read.whole < read.size) {
      if (::fdatasync(fd_) != 0) {
        throw std::runtime_error(
            fmt::format("{}: cannot cut the torn record: {}", path_.string(), errno_text()));
      }
    }
  } catch (...) {
    lock_.reset();
    ::close(fd_);  // a constructor that throws runs no destructor
    fd_ = -1;
    throw;
  }
}

void ledger_writer::check_still_held() const {
  struct stat held {};
  struct stat named {};
  if (::fstat(fd_, &held) != 0) {
    throw ledger_replaced(fmt::format("{}: cannot check the ledger file: {}", path_.string(), errno_text()));
  }
  bool gone = ::stat(path_.c_str(), &named) != 0;
  bool other = !gone && (held.st_dev != named.st_dev || held.st_ino != named.st_ino);
  if (!gone && !other && held.st_nlink > 0) return;
  throw ledger_replaced(fmt::format(
      "{}: the ledger file was {} while this process held it (an editor's save, sed -i, logrotate, a copy "
      "moved over it?): nothing more is recorded or sent. What was recorded is in the file this process "
      "opened; put the ledger back whole, then `cphfleet reconcile` settles what was in flight",
      path_.string(), other ? "replaced" : "deleted"));
}

ledger_writer::~ledger_writer() {
  sync_pool_.join();
  lock_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void ledger_writer::write_and_sync(const std::string& bytes) {
  write_all(fd_, bytes, path_);
  if (::fdatasync(fd_) != 0)
    throw std::runtime_error(fmt::format("{}: fdatasync: {}", path_.string(), errno_text()));
}

void ledger_writer::append_now(const ledger_row& row) {
  check_still_held();
  write_and_sync(format_row(row));
  ++rows_written_;
  ++syncs_;
}

net::awaitable<void> ledger_writer::append(ledger_row row) {
  check_still_held();
  if (!open_) {
    open_ = std::make_shared<batch>();
    open_->done = std::make_unique<net::steady_timer>(ex_, net::steady_timer::time_point::max());
  }
  std::shared_ptr<batch> mine = open_;
  mine->bytes += format_row(row);
  ++rows_written_;
  start_syncs();
  while (!mine->durable && !mine->error) {
    auto [ec] = co_await mine->done->async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;  // cancelled = the batch finished; the flags say how
  }
  if (mine->error) std::rethrow_exception(mine->error);
}

void ledger_writer::start_syncs() {
  while (open_ && syncs_in_flight_ < k_concurrent_syncs) {
    std::shared_ptr<batch> b = std::move(open_);
    open_.reset();
    try {
      check_still_held();  // the rows may have waited for a sync: the file is checked as they go out
      write_all(fd_, b->bytes, path_);
    } catch (const std::exception&) {
      b->error = std::current_exception();
      b->done->cancel();
      continue;
    }
    ++syncs_in_flight_;
    net::co_spawn(ex_, sync_batch(std::move(b)), [](std::exception_ptr e) {
      // sync_batch records failures in the batch; nothing escapes it but a bug.
      if (e) std::rethrow_exception(e);
    });
  }
}

net::awaitable<void> ledger_writer::sync_batch(std::shared_ptr<batch> b) {
  std::string error;
  co_await net::co_spawn(
      sync_pool_,
      [this, &error]() -> net::awaitable<void> {
        if (::fdatasync(fd_) != 0) error = fmt::format("{}: fdatasync: {}", path_.string(), errno_text());
        co_return;
      },
      net::use_awaitable);
  ++syncs_;
  --syncs_in_flight_;
  if (error.empty())
    b->durable = true;
  else
    b->error = std::make_exception_ptr(std::runtime_error(error));
  b->done->cancel();
  start_syncs();  // what was appended meanwhile
}

}  // namespace cphfleet

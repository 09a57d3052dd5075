#include "ledger/writer.hpp"

#include "base/log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

std::string read_file(int fd) {
  std::string text;
  char buf[1 << 16];
  ::lseek(fd, 0, SEEK_SET);
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

// Reads [from, to) of the file.
std::string read_range(int fd, off_t from, off_t to, const std::filesystem::path& path) {
  std::string text(static_cast<std::size_t>(to - from), '\0');
  std::size_t used = 0;
  while (used < text.size()) {
    ssize_t n = ::pread(fd, text.data() + used, text.size() - used, from + static_cast<off_t>(used));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(fmt::format("{}: read: {}", path.string(), errno_text()));
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  text.resize(used);
  return text;
}

struct file_shape {
  off_t size = 0;
  off_t complete = 0;  // the end of the last complete record: a line break outside quotes
};

// Scans the file a piece at a time: a big ledger is never held whole.
file_shape scan(int fd, const std::filesystem::path& path) {
  file_shape shape;
  bool quoted = false;
  std::string piece(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::pread(fd, piece.data(), piece.size(), shape.size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(fmt::format("{}: read: {}", path.string(), errno_text()));
    if (n == 0) return shape;
    for (ssize_t i = 0; i < n; ++i) {
      char c = piece[static_cast<std::size_t>(i)];
      if (c == '"') quoted = !quoted;  // doubled quotes toggle twice: no net change
      else if (c == '\n' && !quoted) shape.complete = shape.size + i + 1;
    }
    shape.size += n;
  }
}

bool tail_is_whole_row(std::string_view tail, const std::filesystem::path& path) {
  try {
    return parse_ledger(ledger_header() + std::string(tail), path.string()).size() == 1;
  } catch (const std::exception&) {
    return false;  // torn: fewer cells, an open quote, a cut value
  }
}

}  // namespace

ledger_lock::ledger_lock(const std::filesystem::path& ledger, std::string_view command) {
  std::filesystem::path lock_path = ledger;
  lock_path += ".lock";
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(fmt::format("{}: cannot open: {}", lock_path.string(), errno_text()));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string holder = read_file(fd_);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\r')) holder.pop_back();
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      throw ledger_busy(fmt::format("ledger {} is in use by {} (lock file {})", ledger.string(),
                                    holder.empty() ? std::string("another process") : holder, lock_path.string()));
    }
    throw std::runtime_error(fmt::format("{}: cannot lock: {}", lock_path.string(), std::strerror(err)));
  }
  std::string me = fmt::format("pid {} ({})\n", ::getpid(), command);
  if (::ftruncate(fd_, 0) == 0) {
    ::lseek(fd_, 0, SEEK_SET);
    // The holder's name is a courtesy for the next process's message; the lock itself is the flock.
    [[maybe_unused]] ssize_t n = ::write(fd_, me.data(), me.size());
  }
}

ledger_lock::~ledger_lock() {
  if (fd_ >= 0) {
    // Leave the file (removing it would race a process that just opened it); just say nobody holds it.
    [[maybe_unused]] int r = ::ftruncate(fd_, 0);
    ::close(fd_);  // releases the flock
  }
}

ledger_writer::ledger_writer(net::any_io_executor ex, std::filesystem::path path, std::string_view command)
    : ledger_writer(std::move(ex), std::move(path), command,
                    [this](ledger_row&& row) { existing_.push_back(std::move(row)); }) {}

ledger_writer::ledger_writer(net::any_io_executor ex, std::filesystem::path path, std::string_view command,
                             const std::function<void(ledger_row&&)>& existing)
    : ex_(std::move(ex)), path_(std::move(path)) {
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  lock_ = std::make_unique<ledger_lock>(path_, command);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(fmt::format("{}: cannot open: {}", path_.string(), errno_text()));
  try {
    file_shape shape = scan(fd_, path_);
    if (shape.size == 0) {
      write_and_sync(ledger_header());
      sync_dir(path_.parent_path());
      return;
    }
    off_t keep = shape.complete;
    if (keep < shape.size) {
      std::string tail = read_range(fd_, keep, shape.size, path_);
      if (tail_is_whole_row(tail, path_)) {
        // A whole row without its line break (typed by hand, or torn just before the CRLF): keep it.
        write_all(fd_, "\r\n", path_);
        shape.size += 2;
        keep = shape.size;
      }
    }
    if (keep < shape.size) {
      log(log_level::warn, "ledger ends in a torn record (a crash while appending); cutting it",
          {{"ledger", path_.string()}, {"bytes", shape.size - keep}});
      if (::ftruncate(fd_, keep) != 0 || ::fdatasync(fd_) != 0) {
        throw std::runtime_error(fmt::format("{}: cannot cut the torn record: {}", path_.string(), errno_text()));
      }
    }
    // Whole records only now: read them as any reader would.
    for_each_ledger_row(path_, existing);
  } catch (...) {
    ::close(fd_);  // a constructor that throws runs no destructor
    fd_ = -1;
    throw;
  }
}

ledger_writer::~ledger_writer() {
  sync_pool_.join();
  if (fd_ >= 0) ::close(fd_);
}

void ledger_writer::write_and_sync(const std::string& bytes) {
  write_all(fd_, bytes, path_);
  if (::fdatasync(fd_) != 0) throw std::runtime_error(fmt::format("{}: fdatasync: {}", path_.string(), errno_text()));
}

void ledger_writer::append_now(const ledger_row& row) {
  write_and_sync(format_row(row));
  ++rows_written_;
  ++syncs_;
}

net::awaitable<void> ledger_writer::append(ledger_row row) {
  if (!open_) {
    open_ = std::make_shared<batch>();
    open_->done = std::make_unique<net::steady_timer>(ex_, net::steady_timer::time_point::max());
  }
  std::shared_ptr<batch> mine = open_;
  mine->bytes += format_row(row);
  ++rows_written_;
  start_syncs();
  while (!mine->durable && mine->error.empty()) {
    auto [ec] = co_await mine->done->async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;  // cancelled = the batch finished; the flags say how
  }
  if (!mine->error.empty()) throw std::runtime_error(mine->error);
}

void ledger_writer::start_syncs() {
  while (open_ && syncs_in_flight_ < k_concurrent_syncs) {
    std::shared_ptr<batch> b = std::move(open_);
    open_.reset();
    try {
      write_all(fd_, b->bytes, path_);
    } catch (const std::exception& e) {
      b->error = e.what();
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
  if (error.empty()) b->durable = true;
  else b->error = error;
  b->done->cancel();
  start_syncs();  // what was appended meanwhile
}

}  // namespace cphfleet

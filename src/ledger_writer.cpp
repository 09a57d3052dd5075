#include "ledger_writer.hpp"

#include "log.hpp"

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

// The end of the last complete record: records end with a line break outside quotes.
std::size_t complete_prefix(std::string_view text) {
  bool quoted = false;
  std::size_t end = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') quoted = !quoted;  // doubled quotes toggle twice: no net change
    else if (c == '\n' && !quoted) end = i + 1;
  }
  return end;
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
    : ex_(std::move(ex)), path_(std::move(path)) {
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  lock_ = std::make_unique<ledger_lock>(path_, command);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(fmt::format("{}: cannot open: {}", path_.string(), errno_text()));
  std::string text = read_file(fd_);
  if (text.empty()) {
    write_and_sync(ledger_header());
    sync_dir(path_.parent_path());
    return;
  }
  std::size_t keep = complete_prefix(text);
  if (keep < text.size() && tail_is_whole_row(std::string_view(text).substr(keep), path_)) {
    // A whole row without its line break (typed by hand, or torn just before the CRLF): keep it.
    write_all(fd_, "\r\n", path_);
    text += "\r\n";
    keep = text.size();
  }
  if (keep < text.size()) {
    log(log_level::warn, "ledger ends in a torn record (a crash while appending); cutting it",
        {{"ledger", path_.string()}, {"bytes", std::to_string(text.size() - keep)}});
    if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0 || ::fdatasync(fd_) != 0) {
      throw std::runtime_error(fmt::format("{}: cannot cut the torn record: {}", path_.string(), errno_text()));
    }
    text.resize(keep);
  }
  existing_ = parse_ledger(text, path_.string());
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
  if (!flushing_) {
    flushing_ = true;
    net::co_spawn(ex_, flush_loop(), [](std::exception_ptr e) {
      // flush_loop records failures in the batches; nothing escapes it but a bug.
      if (e) std::rethrow_exception(e);
    });
  }
  while (!mine->durable && mine->error.empty()) {
    auto [ec] = co_await mine->done->async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;  // cancelled = the batch finished; the flags say how
  }
  if (!mine->error.empty()) throw std::runtime_error(mine->error);
}

net::awaitable<void> ledger_writer::flush_loop() {
  while (open_) {
    std::shared_ptr<batch> b = std::move(open_);
    open_.reset();
    std::string error;
    co_await net::co_spawn(
        sync_pool_,
        [this, &b, &error]() -> net::awaitable<void> {
          try {
            write_and_sync(b->bytes);
          } catch (const std::exception& e) {
            error = e.what();
          }
          co_return;
        },
        net::use_awaitable);
    ++syncs_;
    if (error.empty()) b->durable = true;
    else b->error = error;
    b->done->cancel();
  }
  flushing_ = false;
}

}  // namespace cphfleet

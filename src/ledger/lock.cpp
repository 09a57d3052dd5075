#include "ledger/lock.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace cphfleet {
namespace {

std::chrono::milliseconds lock_wait{0};

std::filesystem::path note_path(const std::filesystem::path& ledger) {
  std::error_code ec;
  std::filesystem::path real = std::filesystem::canonical(ledger, ec);  // a symlink's note is its target's
  std::filesystem::path note = ec ? ledger : real;
  note += ".lock";
  return note;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The pid holding a flock on the file `fd` is open on, as the kernel lists it (Linux: /proc/locks);
// 0 when unknown. This names the holder even when it reached the file by another name.
long flock_holder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    // "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"; a waiter's line has "->" after the number.
    std::istringstream in(line);
    std::string number, kind, mode, access, id;
    long pid = 0;
    if (!(in >> number >> kind) || kind != "FLOCK") continue;
    if (!(in >> mode >> access >> pid >> id)) continue;
    unsigned major_no = 0, minor_no = 0;
    unsigned long long inode = 0;
    if (std::sscanf(id.c_str(), "%x:%x:%llu", &major_no, &minor_no, &inode) != 3) continue;
    if (inode == st.st_ino && major_no == major(st.st_dev) && minor_no == minor(st.st_dev)) return pid;
  }
  return 0;
}

std::string holder_of(int fd, const std::filesystem::path& note) {
  std::string text = read_text(note);
  long pid = flock_holder(fd);
  if (pid == 0) return text.empty() ? std::string("another process") : text;
  // The note is trusted only when it names the pid that holds the lock (it may be stale or deleted).
  std::string prefix = fmt::format("pid {} ", pid);
  if (text.starts_with(prefix)) return text;
  std::string command = read_text(fmt::format("/proc/{}/cmdline", pid));
  for (char& c : command)
    if (c == '\0') c = ' ';
  while (!command.empty() && command.back() == ' ') command.pop_back();
  return command.empty() ? fmt::format("pid {}", pid) : fmt::format("pid {} ({})", pid, command);
}

}  // namespace

void set_ledger_lock_wait(std::chrono::milliseconds wait) { lock_wait = wait; }

ledger_lock::ledger_lock(int fd, const std::filesystem::path& ledger, std::string_view command) : fd_(fd) {
  std::filesystem::path note = note_path(ledger);
  auto give_up_at = std::chrono::steady_clock::now() + lock_wait;
  bool told = false;
  for (;;) {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) break;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      std::string holder = holder_of(fd_, note);
      // Polled, not a blocking flock: the wait stays bounded, and the holder is named while waiting.
      if (std::chrono::steady_clock::now() < give_up_at) {
        if (!told) {
          log(log_level::info, "waiting for the ledger",
              {{"ledger", ledger.string()},
               {"holder", holder},
               {"lock_timeout_s", std::chrono::duration_cast<std::chrono::seconds>(lock_wait).count()}});
          told = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      std::string waited =
          lock_wait.count() > 0
              ? fmt::format(" (waited {} s, --lock-timeout)",
                            std::chrono::duration_cast<std::chrono::seconds>(lock_wait).count())
              : "";
      throw ledger_busy(fmt::format("ledger {} is in use by {}: one process at a time appends to a ledger{}",
                                    ledger.string(), holder, waited),
                        holder);
    }
    throw std::runtime_error(
        fmt::format("{}: cannot lock the ledger: {}", ledger.string(), std::strerror(errno)));
  }
  // The note is a courtesy: without it (a read-only folder, say) the lock still holds.
  note_fd_ = ::open(note.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (note_fd_ >= 0 && ::ftruncate(note_fd_, 0) == 0) {
    std::string me = fmt::format("pid {} ({})\n", ::getpid(), command);
    [[maybe_unused]] ssize_t n = ::pwrite(note_fd_, me.data(), me.size(), 0);
  }
}

ledger_lock::~ledger_lock() {
  if (note_fd_ >= 0) {
    // Leave the note (removing it would race a process that just wrote its own); just empty it.
    [[maybe_unused]] int r = ::ftruncate(note_fd_, 0);
    ::close(note_fd_);
  }
  ::flock(fd_, LOCK_UN);  // the descriptor is the caller's: it stays open
}

}  // namespace cphfleet

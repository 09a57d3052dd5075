// Test helper: run the built cphfleet (or anything) as a child process, with extra environment, output
// captured to files, a timeout, and signals. Header-only.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace cphfleet::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::filesystem::path make_temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("cphfleet-" + name + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  return dir;
}

// A fresh folder from make_temp_dir, removed with everything in it when this goes away, so a test that
// fails half-way (an ASSERT returns, an exception unwinds) leaves nothing behind either. Declare it
// before anything that writes into it (an emulator's port file, a child's output).
class temp_dir {
 public:
  explicit temp_dir(const std::string& name) : path_(make_temp_dir(name)) {}
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);  // nothing left to report to in a destructor
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Polls `done` until it holds or `timeout` passes; returns whether it held. For waiting on something
// another process does (a ledger row, an emulator's order, a port file): the condition is the signal,
// the deadline only bounds a test that is broken.
template <typename Condition>
bool poll_until(Condition done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class child_process {
 public:
  // argv[0] is the program path. `env` entries are NAME=VALUE added to (or replacing in) this process's.
  child_process(std::vector<std::string> argv, std::vector<std::string> env, std::filesystem::path out,
                std::filesystem::path err)
      : out_(std::move(out)), err_(std::move(err)) {
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      std::string name = entry.substr(0, entry.find('='));
      bool replaced = false;
      for (const auto& x : env) replaced = replaced || x.substr(0, x.find('=')) == name;
      if (!replaced) envs.push_back(entry);
    }
    for (const auto& x : env) envs.push_back(x);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(o, 1);
      ::dup2(e, 2);
      std::vector<char*> a, v;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      for (auto& s : envs) v.push_back(s.data());
      v.push_back(nullptr);
      ::execve(a[0], a.data(), v.data());
      ::_exit(127);
    }
  }
  ~child_process() {
    if (pid_ > 0 && !done_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) { ::kill(pid_, sig); }

  // The exit code, 128+N when killed by signal N; kills the child (and returns -1) after `timeout`.
  // `usage`, when given, gets the child's CPU time and peak RSS.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(120), rusage* usage = nullptr) {
    auto end = std::chrono::steady_clock::now() + timeout;
    rusage ignored{};
    rusage* u = usage ? usage : &ignored;
    while (!done_) {
      int st = 0;
      pid_t r = ::wait4(pid_, &st, WNOHANG, u);
      if (r == pid_) {
        done_ = true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        break;
      }
      if (std::chrono::steady_clock::now() > end) {
        ::kill(pid_, SIGKILL);
        ::wait4(pid_, &st, 0, u);
        done_ = true;
        status_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return status_;
  }
  bool running() {
    if (done_) return false;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      done_ = true;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    return !done_;
  }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  bool done_ = false;
  int status_ = -1;
};

// `BINARY emulator --listen 127.0.0.1:0 --port-file ... ARGS` as a child process in `dir`, ready once
// its port is known; stopped with SIGTERM when this goes away.
class emulator_child {
 public:
  emulator_child(const std::string& binary, const std::filesystem::path& dir,
                 const std::vector<std::string>& args) {
    auto port_file = dir / "emulator.port";
    std::filesystem::remove(port_file);
    std::vector<std::string> argv{binary,        "emulator",    "--listen",
                                  "127.0.0.1:0", "--port-file", port_file.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<child_process>(argv, std::vector<std::string>{}, dir / "emulator.out",
                                               dir / "emulator.err");
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      std::string text = slurp(port_file);
      if (!text.empty()) {
        port_ = static_cast<unsigned short>(std::stoi(text));
        return;
      }
      if (!process_->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("emulator did not start: " + process_->err());
  }
  ~emulator_child() {
    process_->signal(SIGTERM);
    process_->wait(std::chrono::seconds(10));
  }
  emulator_child(const emulator_child&) = delete;
  emulator_child& operator=(const emulator_child&) = delete;

  unsigned short port() const { return port_; }

 private:
  std::unique_ptr<child_process> process_;
  unsigned short port_ = 0;
};

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The path of program `name` in PATH, or empty when it is not installed (a test then says so and skips).
inline std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = std::filesystem::path(dir) / name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

// Runs `argv` (argv[0] a path: see find_program) to completion.
inline run_result run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path();
  std::string tag = std::to_string(::getpid()) + "-" + std::to_string(counter++);
  auto out = dir / ("cphfleet-out-" + tag), err = dir / ("cphfleet-err-" + tag);
  run_result r;
  {
    child_process p(argv, env, out, err);
    r.exit_code = p.wait(timeout);
  }
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

// Runs the built cphfleet with `args` to completion.
inline run_result run_cphfleet(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                               std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  std::vector<std::string> argv{CPHFLEET_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, env, timeout);
}

}  // namespace cphfleet::test

#include "transfer.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace litemig::transfer {

namespace {

// Both ends of a pipe, closed on scope exit.
struct pipe_fds {
  int read_end = -1;
  int write_end = -1;
  pipe_fds() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw failure(exit_code::failure, fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    read_end = fds[0];
    write_end = fds[1];
  }
  pipe_fds(const pipe_fds&) = delete;
  pipe_fds& operator=(const pipe_fds&) = delete;
  ~pipe_fds() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read_end >= 0) ::close(read_end);
    read_end = -1;
  }
  void close_write() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }
};

struct spawn_actions {
  posix_spawn_file_actions_t actions;
  spawn_actions() { posix_spawn_file_actions_init(&actions); }
  spawn_actions(const spawn_actions&) = delete;
  spawn_actions& operator=(const spawn_actions&) = delete;
  ~spawn_actions() { posix_spawn_file_actions_destroy(&actions); }
};

// Reads both pipes until the child closes them, so neither can fill up and block it; calls
// WAITING every 200 ms meanwhile.
void drain(pipe_fds& out, pipe_fds& err, std::string& output, std::string& errors, const std::function<void()>& waiting) {
  pollfd fds[2] = {{out.read_end, POLLIN, 0}, {err.read_end, POLLIN, 0}};
  std::string* sinks[2] = {&output, &errors};
  int open_count = 2;
  char buffer[8192];
  auto last_wait = std::chrono::steady_clock::now();
  while (open_count > 0) {
    const int ready = ::poll(fds, 2, waiting ? 200 : -1);
    if (waiting && std::chrono::steady_clock::now() - last_wait >= std::chrono::milliseconds(200)) {
      last_wait = std::chrono::steady_clock::now();
      waiting();
    }
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw failure(exit_code::failure, fmt::format("cannot read a child process's output: {}", std::strerror(errno)));
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
}

}  // namespace

process_result run_process(const std::vector<std::string>& argv, const std::function<void(int pid)>& waiting) {
  std::vector<char*> raw;
  raw.reserve(argv.size() + 1);
  for (const auto& arg : argv) raw.push_back(const_cast<char*>(arg.c_str()));
  raw.push_back(nullptr);

  pipe_fds out;
  pipe_fds err;
  spawn_actions actions;
  posix_spawn_file_actions_addopen(&actions.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions.actions, out.write_end, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions.actions, err.write_end, STDERR_FILENO);

  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, raw[0], &actions.actions, nullptr, raw.data(), environ);
  if (rc != 0) {
    throw failure(exit_code::failure, fmt::format("cannot start '{}': {}", argv[0], std::strerror(rc)));
  }
  out.close_write();
  err.close_write();

  process_result result;
  drain(out, err, result.output, result.errors, waiting ? std::function<void()>([&] { waiting(pid); }) : nullptr);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw failure(exit_code::failure, fmt::format("cannot wait for '{}': {}", argv[0], std::strerror(errno)));
    }
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace litemig::transfer

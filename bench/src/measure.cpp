// Runs a command and reports its wall time, peak resident memory (the figure `/usr/bin/time -v`
// prints: the kernel's ru_maxrss) and, with --sample-anon, the peak of anonymous memory, i.e. the
// resident set without file pages such as a memory-mapped database.
//
// With --terminal-output FILE the command's stderr is a pseudo-terminal, so that a progress
// display draws as a user sees it; what it draws goes to FILE.
//
// One line per run on stdout: "<seconds> <max_rss_kib> <peak_anon_kib> <exit_code>"; a run stopped
// by --timeout reports exit code 124, as timeout(1) does.
#include <boost/program_options.hpp>

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct run_options {
  std::vector<std::string> command;
  std::string stdin_file;
  std::string output_file;
  std::string terminal_file;
  bool sample_anon = false;
  double timeout_seconds = 0;
};

struct run_result {
  double seconds = 0;
  long max_rss_kib = 0;
  long peak_anon_kib = 0;
  int exit_code = 0;
  double cpu_seconds = 0;
};

long anon_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
  }
  return 0;
}

void redirect(const std::string& file, int target, int flags) {
  if (file.empty()) return;
  const int fd = ::open(file.c_str(), flags, 0644);
  if (fd < 0) {
    std::perror(file.c_str());
    ::_exit(126);
  }
  ::dup2(fd, target);
  ::close(fd);
}

run_result run_once(const run_options& options) {
  std::vector<char*> argv;
  for (const auto& argument : options.command) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);

  int terminal = -1;
  int terminal_end = -1;
  if (!options.terminal_file.empty() && ::openpty(&terminal, &terminal_end, nullptr, nullptr, nullptr) != 0) {
    throw std::runtime_error(std::string("openpty: ") + std::strerror(errno));
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    // Its own process group (so a timeout kills its children too), and never outliving the measurer.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    redirect(options.stdin_file, STDIN_FILENO, O_RDONLY);
    redirect(options.output_file, STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
    if (!options.output_file.empty()) ::dup2(STDOUT_FILENO, STDERR_FILENO);
    if (terminal_end >= 0) {
      ::dup2(terminal_end, STDERR_FILENO);
      ::close(terminal_end);
      ::close(terminal);
    }
    ::execvp(argv[0], argv.data());
    std::perror(argv[0]);
    ::_exit(127);
  }

  // What the command draws on its terminal, copied until it closes it (read fails with EIO).
  std::thread terminal_reader;
  if (terminal >= 0) {
    ::close(terminal_end);
    terminal_reader = std::thread([&] {
      std::ofstream copy(options.terminal_file, std::ios::binary | std::ios::trunc);
      char buffer[4096];
      for (ssize_t n; (n = ::read(terminal, buffer, sizeof buffer)) > 0;) copy.write(buffer, n);
    });
  }

  run_result result;
  int status = 0;
  rusage usage{};
  // The measurer blocks in wait4, so the wall time ends when the child does, to the microsecond;
  // a watcher thread samples memory every 2 ms and enforces the timeout meanwhile.
  std::mutex mutex;
  std::condition_variable finished_signal;
  bool finished = false;
  bool timed_out = false;
  std::thread watcher([&] {
    std::unique_lock lock(mutex);
    while (!finished) {
      if (options.sample_anon) result.peak_anon_kib = std::max(result.peak_anon_kib, anon_kib(child));
      const std::chrono::duration<double> running = std::chrono::steady_clock::now() - start;
      if (options.timeout_seconds > 0 && running.count() > options.timeout_seconds && !timed_out) {
        ::kill(-child, SIGKILL);
        timed_out = true;
      }
      finished_signal.wait_for(lock, std::chrono::milliseconds(2));
    }
  });
  ::wait4(child, &status, 0, &usage);
  const auto end = std::chrono::steady_clock::now();
  {
    const std::lock_guard lock(mutex);
    finished = true;
  }
  finished_signal.notify_one();
  watcher.join();
  if (terminal_reader.joinable()) {
    terminal_reader.join();
    ::close(terminal);
  }
  result.seconds = std::chrono::duration<double>(end - start).count();
  result.max_rss_kib = usage.ru_maxrss;
  // CPU time of the child (user + system): unlike the wall time, not stretched by other processes
  // taking turns on the cores or by the disk.
  const auto cpu = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  result.cpu_seconds = cpu(usage.ru_utime) + cpu(usage.ru_stime);
  result.exit_code = timed_out ? 124 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  run_options options;
  int repeat = 1;
  po::options_description described("usage: litemig_bench_measure [options] -- COMMAND [ARGS...]");
  described.add_options()("help", "show this help")
      ("repeat", po::value(&repeat)->default_value(1), "run the command this many times")
      ("stdin", po::value(&options.stdin_file), "file to feed to the command's standard input")
      ("output", po::value(&options.output_file), "file receiving the command's stdout and stderr")
      ("terminal-output", po::value(&options.terminal_file), "make stderr a pseudo-terminal; what it shows goes to this file")
      ("sample-anon", po::bool_switch(&options.sample_anon), "also sample peak anonymous memory (RssAnon)")
      ("timeout", po::value(&options.timeout_seconds), "kill the command (and its children) after this many seconds")
      ("command", po::value(&options.command)->multitoken(), "the command");
  po::positional_options_description positional;
  positional.add("command", -1);
  try {
    po::variables_map values;
    po::store(po::command_line_parser(argc, argv).options(described).positional(positional).run(), values);
    if (values.count("help")) {
      std::cout << described << '\n';
      return 0;
    }
    po::notify(values);
    if (options.command.empty() || repeat < 1) throw po::error("a command and a positive --repeat are required");
  } catch (const po::error& e) {
    std::cerr << "litemig_bench_measure: error: " << e.what() << '\n';
    return 2;
  }
  for (int i = 0; i < repeat; ++i) {
    const auto result = run_once(options);
    std::printf("%.6f %ld %ld %d %.6f\n", result.seconds, result.max_rss_kib, result.peak_anon_kib, result.exit_code,
                result.cpu_seconds);
  }
  return 0;
}

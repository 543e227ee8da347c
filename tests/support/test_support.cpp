#include "test_support.hpp"

#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace litemig::testing {

namespace {

// "Suite.Test" of the running test, or "suite-PID" outside one (ctest runs processes in parallel).
std::string test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info ? fmt::format("{}.{}", info->test_suite_name(), info->name()) : fmt::format("suite-{}", ::getpid());
}

// Switches the process to USER and its group; false when it may not.
bool become(uid_t user) {
  if (user == ::geteuid()) return true;
  const passwd* entry = ::getpwuid(user);
  const gid_t group = entry ? entry->pw_gid : static_cast<gid_t>(user);
  return ::setgroups(0, nullptr) == 0 && ::setgid(group) == 0 && ::setuid(user) == 0;
}

}  // namespace

void scratch_test::SetUp() {
  dir_ = fs::temp_directory_path() / fmt::format("litemig_test_{}_{}", ::getpid(), test_name());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

void scratch_test::TearDown() {
  std::error_code error;
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, error);
  for (auto it = fs::recursive_directory_iterator(dir_, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_directory()) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, error);
  }
  fs::remove_all(dir_, error);
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(LITEMIG_BINARY_DIR) / "test-folders" / test_name() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string file_sha256(const fs::path& path) { return sha256_hex(read_file(path)); }

std::string folder_sha256(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string listing;
  for (const auto& file : files) listing += fs::relative(file, dir).string() + " " + file_sha256(file) + "\n";
  return sha256_hex(listing);
}

std::vector<fs::path> files_containing(const fs::path& folder, const std::string& part) {
  std::vector<fs::path> found;
  if (!fs::exists(folder)) return found;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().filename().string().find(part) != std::string::npos) found.push_back(entry.path());
  }
  return found;
}

void write_migration(const fs::path& dir, std::int64_t version, const std::string& slug, const std::string& up,
                     const std::string& down, const std::string& snapshot) {
  const auto number = fmt::format("{:04}", version);
  write_file(dir / (number + "_" + slug + ".sql"), "-- " + slug + "\n-- litemig:up\n" + up + "\n-- litemig:down\n" + down + "\n");
  write_file(dir / "snapshots" / (number + ".sql"), snapshot);
}

std::int64_t query_int(const fs::path& db, const std::string& sql) {
  sqlite::database connection(db, sqlite::open_mode::read_only);
  return connection.query_int(sql).value_or(-1);
}

std::string query_text(const fs::path& db, const std::string& sql) {
  sqlite::database connection(db, sqlite::open_mode::read_only);
  return connection.query_text(sql).value_or("");
}

pid_t start(const launch& what, const surroundings& around) {
  std::vector<std::string> storage = what.argv;
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(what.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(what.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    for (const auto& [name, value] : around.environment) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
    if (!around.cwd.empty() && ::chdir(around.cwd.c_str()) != 0) ::_exit(126);
    if (what.run_as && !become(*what.run_as)) ::_exit(126);
    // A test killed by ctest's timeout takes what it started with it (a cluster node would
    // otherwise outlive it); set after become(), which clears it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

process_result run(const launch& what, const surroundings& around) {
  process_result result;
  result.exit_code = wait_for(start(what, around));
  result.out = read_file(what.out);
  result.err = read_file(what.err);
  fs::remove(what.out);
  fs::remove(what.err);
  return result;
}

process_result run(std::vector<std::string> argv, const fs::path& scratch, std::optional<uid_t> run_as) {
  static std::atomic<int> counter = 0;
  const int number = ++counter;
  return run({std::move(argv), run_as, scratch / fmt::format("run_{}.out", number), scratch / fmt::format("run_{}.err", number)});
}

std::vector<std::string> litemig_argv(std::vector<std::string> args) {
  args.insert(args.begin(), LITEMIG_CLI);
  return args;
}

process_result run_litemig(std::vector<std::string> args, const fs::path& scratch, std::optional<uid_t> run_as) {
  return run(litemig_argv(std::move(args)), scratch, run_as);
}

process_result run_shell(const std::string& command_line) {
  process_result result;
  FILE* pipe = ::popen((command_line + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) result.out.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::optional<uid_t> unprivileged_user() {
  if (::geteuid() != 0) return ::geteuid();
  if (const passwd* nobody = ::getpwnam("nobody")) return nobody->pw_uid;
  return std::nullopt;
}

bool can_read_as(uid_t user, const fs::path& path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!become(user)) ::_exit(2);
    const int fd = ::open(path.c_str(), O_RDONLY);
    ::_exit(fd >= 0 ? 0 : 1);
  }
  return wait_for(pid) == 0;
}

bool wait_for_a_file_in(const fs::path& folder) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    std::error_code none_yet;
    if (fs::directory_iterator(folder, none_yet) != fs::directory_iterator()) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return false;
}

std::map<std::string, std::int64_t> row_counts(const fs::path& db_path) {
  sqlite::database db(db_path, sqlite::open_mode::read_only);
  std::map<std::string, std::int64_t> counts;
  auto tables = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'litemig_%'");
  while (tables.step()) {
    const auto name = tables.column_text(0);
    counts[name] = db.query_int("SELECT count(*) FROM " + sqlite::quote_identifier(name)).value_or(-1);
  }
  return counts;
}

std::size_t line_count(const std::string& text) {
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  return newlines + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

}  // namespace litemig::testing

#include "reliability_support.hpp"

#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace litemig::reliability {

void reliability_test::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = fs::temp_directory_path() /
         fmt::format("litemig_reliability_{}_{}_{}", ::getpid(), info->test_suite_name(), info->name());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

void reliability_test::TearDown() {
  std::error_code error;
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, error);
  for (auto it = fs::recursive_directory_iterator(dir_, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_directory()) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, error);
  }
  fs::remove_all(dir_, error);
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

void write_migration(const fs::path& dir, std::int64_t version, const std::string& slug, const std::string& up,
                     const std::string& down, const std::string& snapshot) {
  const auto number = fmt::format("{:04}", version);
  write_file(dir / (number + "_" + slug + ".sql"), "-- " + slug + "\n-- litemig:up\n" + up + "\n-- litemig:down\n" + down + "\n");
  write_file(dir / "snapshots" / (number + ".sql"), snapshot);
}

void write_tune_and_note_migrations(const fs::path& dir) {
  const std::string tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
  const std::string note =
      "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n";
  write_migration(dir, 1, "initial", tune, "DROP TABLE tune;", tune);
  write_migration(dir, 2, "notes", note + "INSERT INTO note(tune_id, body) SELECT id, 'imported' FROM tune;",
                  "DROP TABLE note;", tune + note);
}

namespace {

// Appends every row of TABLE, in the order of all its columns, typed, to TEXT.
void append_rows(sqlite::database& db, const std::string& table, std::string& text) {
  const auto quoted = sqlite::quote_identifier(table);
  const auto columns = db.query_int("SELECT count(*) FROM pragma_table_info(" + sqlite::quote_literal(table) + ")").value_or(0);
  std::string order;
  for (std::int64_t i = 1; i <= columns; ++i) order += (i > 1 ? ", " : "") + std::to_string(i);
  auto rows = db.prepare("SELECT * FROM " + quoted + (order.empty() ? "" : " ORDER BY " + order));
  text += "table " + table + "\n";
  while (rows.step()) {
    for (int c = 0; c < rows.column_count(); ++c) {
      text += std::to_string(static_cast<int>(rows.column_type(c))) + ":" + (rows.is_null(c) ? "" : rows.column_text(c)) + "\x1f";
    }
    text += "\n";
  }
}

}  // namespace

std::string content_digest(const fs::path& db_path) {
  sqlite::database db(db_path, sqlite::open_mode::read_only);
  std::string text = "user_version " + std::to_string(db.user_version()) + "\n";
  std::vector<std::string> tables;
  auto names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  while (names.step()) tables.push_back(names.column_text(0));
  for (const auto& table : tables) append_rows(db, table, text);
  return sha256_hex(text);
}

std::string table_digest(const fs::path& db_path, const std::string& table) {
  sqlite::database db(db_path, sqlite::open_mode::read_only);
  std::string text;
  append_rows(db, table, text);
  return sha256_hex(text);
}

std::int64_t query_int(const fs::path& db, const std::string& sql) {
  sqlite::database connection(db, sqlite::open_mode::read_only);
  return connection.query_int(sql).value_or(-1);
}

std::string query_text(const fs::path& db, const std::string& sql) {
  sqlite::database connection(db, sqlite::open_mode::read_only);
  return connection.query_text(sql).value_or("");
}

pid_t start(const launch& what) {
  std::vector<std::string> storage = what.argv;
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out_fd = ::open(what.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(what.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    if (what.run_as && *what.run_as != ::geteuid()) {
      const passwd* user = ::getpwuid(*what.run_as);
      const gid_t group = user ? user->pw_gid : static_cast<gid_t>(*what.run_as);
      if (::setgroups(0, nullptr) != 0 || ::setgid(group) != 0 || ::setuid(*what.run_as) != 0) ::_exit(126);
    }
    ::execv(argv[0], argv.data());
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

process_result run(std::vector<std::string> argv, const fs::path& scratch, std::optional<uid_t> run_as) {
  static int counter = 0;
  ++counter;
  launch what{std::move(argv), run_as, scratch / fmt::format("run_{}.out", counter), scratch / fmt::format("run_{}.err", counter)};
  process_result result;
  result.exit_code = wait_for(start(what));
  result.out = read_file(what.out);
  result.err = read_file(what.err);
  fs::remove(what.out);
  fs::remove(what.err);
  return result;
}

process_result run_litemig(std::vector<std::string> args, const fs::path& scratch, std::optional<uid_t> run_as) {
  args.insert(args.begin(), LITEMIG_CLI);
  return run(std::move(args), scratch, run_as);
}

std::optional<uid_t> unprivileged_user() {
  if (::geteuid() != 0) return ::geteuid();
  if (const passwd* nobody = ::getpwnam("nobody")) return nobody->pw_uid;
  return std::nullopt;
}

bool can_read_as(uid_t user, const fs::path& path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (user != ::geteuid()) {
      const passwd* entry = ::getpwuid(user);
      const gid_t group = entry ? entry->pw_gid : static_cast<gid_t>(user);
      if (::setgroups(0, nullptr) != 0 || ::setgid(group) != 0 || ::setuid(user) != 0) ::_exit(2);
    }
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

std::size_t line_count(const std::string& text) {
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  return newlines + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

}  // namespace litemig::reliability

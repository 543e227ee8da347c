#include "runtime_test_support.hpp"

#include "litemig/applier.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace litemig::testing {

void runtime_test::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = fs::temp_directory_path() /
         ("litemig_runtime_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

void runtime_test::TearDown() {
  std::error_code error;
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

void write_migration(const fs::path& dir, std::int64_t version, const std::string& slug, const std::string& up,
                     const std::string& down, const std::string& snapshot) {
  char number[8];
  std::snprintf(number, sizeof number, "%04lld", static_cast<long long>(version));
  write_file(dir / (std::string(number) + "_" + slug + ".sql"),
             "-- " + slug + "\n-- litemig:up\n" + up + "\n-- litemig:down\n" + down + "\n");
  write_file(dir / "snapshots" / (std::string(number) + ".sql"), snapshot);
}

void write_library_migrations(const fs::path& dir) {
  const std::string tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
  const std::string note =
      "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n";
  const std::string tune_with_mode =
      "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'major');\n";
  write_migration(dir, 1, "initial", tune, "DROP TABLE tune;", tune);
  write_migration(dir, 2, "notes",
                  "-- litemig:foreign-key-check \"note\"\n" + note +
                      "INSERT INTO note(tune_id, body) SELECT id, 'imported' FROM tune;",
                  "DROP TABLE note;", tune + note);
  write_migration(dir, 3, "tune_mode", "ALTER TABLE tune ADD COLUMN mode TEXT NOT NULL DEFAULT 'major';",
                  "ALTER TABLE tune DROP COLUMN mode;", tune_with_mode + note);
}

void create_library_database(const fs::path& db, const fs::path& migrations, int tunes) {
  apply_options options;
  options.target = 1;
  options.backup = false;
  fs::create_directories(db.parent_path());
  upgrade(db, migration_set::from_directory(migrations), options);
  sqlite::database connection(db);
  connection.execute(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(tunes) +
      ") INSERT INTO tune(title) SELECT 'tune ' || i FROM n");
}

std::int64_t query_int(const fs::path& db, const std::string& sql) {
  sqlite::database connection(db, sqlite::open_mode::read_only);
  return connection.query_int(sql).value_or(-1);
}

pid_t start_cli(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  std::vector<std::string> argv_storage{LITEMIG_CLI};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
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

process_result run_cli(const std::vector<std::string>& args, const fs::path& scratch) {
  static int counter = 0;
  const auto out = scratch / ("cli_" + std::to_string(++counter) + ".out");
  const auto err = scratch / ("cli_" + std::to_string(counter) + ".err");
  process_result result;
  result.exit_code = wait_for(start_cli(args, out, err));
  result.out = read_file(out);
  result.err = read_file(err);
  fs::remove(out);
  fs::remove(err);
  return result;
}

}  // namespace litemig::testing

// What every test suite shares: a private folder per test, files and their SHA-256, small
// migrations directories, queries on a database file, and real processes (optionally as an
// unprivileged user, so that file permissions bind even when the suite runs as root).
#pragma once

#include <gtest/gtest.h>

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace litemig::testing {

namespace fs = std::filesystem;

// A fresh folder for the running test in the temporary directory, removed when the test ends
// (read-only folders inside included).
class scratch_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  fs::path path(const std::string& name) const { return dir_ / name; }

  fs::path dir_;
};

// An empty folder NAME for the running test (or, outside a test, for this process) in the build
// tree, kept after the test for inspection.
fs::path fresh_dir(const std::string& name);

void write_file(const fs::path& path, const std::string& text);
std::string read_file(const fs::path& path);
// SHA-256 of the file's bytes: equal digests mean byte-identical files.
std::string file_sha256(const fs::path& path);
// SHA-256 of every file under DIR (relative name and bytes): detects any write in a folder.
std::string folder_sha256(const fs::path& dir);
// Files in FOLDER whose names contain PART.
std::vector<fs::path> files_containing(const fs::path& folder, const std::string& part);

// Writes DIR/NNNN_slug.sql with its up and down parts and DIR/snapshots/NNNN.sql.
void write_migration(const fs::path& dir, std::int64_t version, const std::string& slug, const std::string& up,
                     const std::string& down, const std::string& snapshot);

// The first value SQL returns from DB, opened read-only (-1 or "" when none).
std::int64_t query_int(const fs::path& db, const std::string& sql);
std::string query_text(const fs::path& db, const std::string& sql);

struct process_result {
  int exit_code = -1;  // 128 + signal when killed, 127 when the program could not start
  std::string out;
  std::string err;
};

struct launch {
  std::vector<std::string> argv;  // argv[0] is the program: a path, or a name looked up in PATH
  std::optional<uid_t> run_as;    // switch to this user (and its group) before exec
  fs::path out;
  fs::path err;
};

// Where a launched program starts, when not as we do.
struct surroundings {
  fs::path cwd;  // the folder it starts in (empty: ours)
  // Variables set (a value) or removed (nullopt) in its environment.
  std::map<std::string, std::optional<std::string>> environment;
};

// Starts the program with stdin from /dev/null (a test never waits on the terminal).
pid_t start(const launch& what, const surroundings& around = {});
int wait_for(pid_t pid);
// Runs WHAT to completion and reads what it wrote.
process_result run(const launch& what, const surroundings& around = {});
// Runs the program to completion; stdout and stderr are captured through files in SCRATCH.
process_result run(std::vector<std::string> argv, const fs::path& scratch, std::optional<uid_t> run_as = {});
// The litemig command-line tool's argv for ARGS.
std::vector<std::string> litemig_argv(std::vector<std::string> args);
// Runs the litemig command-line tool.
process_result run_litemig(std::vector<std::string> args, const fs::path& scratch, std::optional<uid_t> run_as = {});

// Runs COMMAND_LINE through /bin/sh, stderr joined to stdout in OUT, as a user's terminal shows them.
process_result run_shell(const std::string& command_line);

// A user for whom file permissions are enforced: nobody when running as root, else ourselves.
// Empty when running as root and no such user exists.
std::optional<uid_t> unprivileged_user();
// Whether USER (as a process) can open PATH for reading.
bool can_read_as(uid_t user, const fs::path& path);

// Waits (up to a minute) until FOLDER holds a file; false when none appeared.
bool wait_for_a_file_in(const fs::path& folder);

// Rows of each user table (litemig's own and SQLite's left out), by table name.
std::map<std::string, std::int64_t> row_counts(const fs::path& db);

// Lines of TEXT (a trailing newline does not start another line).
std::size_t line_count(const std::string& text);
bool contains(const std::string& text, const std::string& fragment);

}  // namespace litemig::testing

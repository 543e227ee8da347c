// Progress on a long migration, as people and CI logs see it: a rebuild of a large table shows
// its step, rows copied of the table's rows, percent, elapsed time and an estimate on a terminal,
// and one line per step with its duration without one.
#include "runtime_test_support.hpp"

#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

using namespace litemig;
using namespace litemig::testing;

namespace {

class Progress : public runtime_test {
 protected:
  void SetUp() override {
    runtime_test::SetUp();
    const std::string before = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT);\nCREATE INDEX ta ON t(a);\n";
    const std::string after = "CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL, b TEXT);\nCREATE INDEX ta ON t(a);\n";
    write_migration(path("m"), 1, "t", before, "DROP TABLE t;", before);
    write_migration(path("m"), 2, "a_real",
                    "-- litemig:rebuild \"t\"\nCREATE TABLE litemig_new_t(id INTEGER PRIMARY KEY, a REAL, b TEXT);\n"
                    "INSERT INTO litemig_new_t(id, a, b) SELECT id, a, b FROM t;\nDROP TABLE t;\n"
                    "ALTER TABLE litemig_new_t RENAME TO t;\nCREATE INDEX ta ON t(a);",
                    "SELECT 1;", after);
    EXPECT_EQ(run_litemig({"upgrade", "--db", db().string(), "--dir", path("m").string(), "--to", "1"}, dir_).exit_code, 0);
    // The index is built once after the rows are in, which is much faster than row by row.
    sqlite::database(db()).execute(
        "DROP INDEX ta; WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 4000000) "
        "INSERT INTO t(a, b) SELECT i % 1000, 'a practice note of some length' FROM c; CREATE INDEX ta ON t(a);");
  }
  fs::path db() const { return path("big.sqlite3"); }
  std::vector<std::string> upgrade_args() const {
    return {LITEMIG_CLI, "upgrade", "--db", db().string(), "--dir", path("m").string(), "--no-backup"};
  }
};

// Everything the program writes to its terminal, with the program's exit code.
std::pair<std::string, int> run_on_a_terminal(const std::vector<std::string>& argv) {
  int terminal = -1;
  const pid_t pid = ::forkpty(&terminal, nullptr, nullptr, nullptr);
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  std::string seen;
  char buffer[4096];
  for (ssize_t n; (n = ::read(terminal, buffer, sizeof buffer)) > 0;) seen.append(buffer, static_cast<std::size_t>(n));
  ::close(terminal);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {seen, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST_F(Progress, ARebuildShowsRowsCopiedPercentElapsedAndWhatIsLeftOnATerminal) {
  const auto [screen, code] = run_on_a_terminal(upgrade_args());
  ASSERT_EQ(code, 0) << screen;
  const std::regex copying(R"(0002_a_real\.sql: copy the rows of "t" into "litemig_new_t": [0-9,]+ of 4,000,000 rows )"
                           R"(\([0-9]+%\), [0-9.]+ s(, about [0-9.]+ s left)?)");
  EXPECT_TRUE(std::regex_search(screen, copying)) << screen;
  EXPECT_NE(screen.find("\r\033[K"), std::string::npos) << "the line is redrawn in place";
  EXPECT_NE(screen.find("upgraded from 1 to 2"), std::string::npos) << screen;
}

TEST_F(Progress, WithoutATerminalEachLongStepIsOneLineWithItsDuration) {
  auto args = upgrade_args();
  args.erase(args.begin());
  const auto result = run_litemig(args, dir_);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::regex copied(R"(0002_a_real\.sql: copy the rows of "t" into "litemig_new_t" \(4,000,000 rows\): [0-9.]+ s\n)");
  EXPECT_TRUE(std::regex_search(result.out, copied)) << result.out;
  EXPECT_EQ(result.out.find('\r'), std::string::npos);
  EXPECT_EQ(result.err, "");
}

}  // namespace

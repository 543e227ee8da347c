// What --db and a migrations directory name: an existing file is that file (never a glob or a
// URI), a path that is not a regular file is refused at once, a migration entry that is not a
// text file is refused, read-only commands cope with a hot journal, stamp keeps upgrade's
// protections, and a message stays one line whatever the names it quotes hold.
#include "reliability_support.hpp"

#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using namespace litemig::reliability;
using litemig::exit_code;
using litemig::sqlite::database;

namespace {

const std::string tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
const std::string tune_index = "CREATE INDEX tune_title ON tune(title);\n";

// Runs ARGV like run(), but a process still running after TIMEOUT is killed and reported as a
// hang (exit -1), so that a blocking open fails the test instead of blocking the suite.
process_result run_with_timeout(std::vector<std::string> argv, const fs::path& scratch,
                                std::chrono::seconds timeout = std::chrono::seconds(10)) {
  static int counter = 0;
  ++counter;
  launch what{std::move(argv), std::nullopt, scratch / fmt::format("timed_{}.out", counter),
              scratch / fmt::format("timed_{}.err", counter)};
  const pid_t pid = start(what);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  process_result result;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.exit_code = status == -1 ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  result.out = read_file(what.out);
  result.err = read_file(what.err);
  fs::remove(what.out);
  fs::remove(what.err);
  return result;
}

process_result run_tool(std::vector<std::string> args, const fs::path& scratch) {
  args.insert(args.begin(), LITEMIG_CLI);
  return run_with_timeout(std::move(args), scratch);
}

void expect_one_line(const process_result& result, exit_code expected, const std::vector<std::string>& fragments) {
  EXPECT_EQ(result.exit_code, static_cast<int>(expected)) << result.out << result.err;
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  for (const auto& fragment : fragments) {
    EXPECT_TRUE(contains(result.err, fragment)) << "missing '" << fragment << "' in " << result.err;
  }
}

// The working directory for the life of the guard: relative names ("file:x.db") are the point.
class working_directory {
 public:
  explicit working_directory(const fs::path& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  working_directory(const working_directory&) = delete;
  working_directory& operator=(const working_directory&) = delete;
  ~working_directory() { fs::current_path(previous_); }

 private:
  fs::path previous_;
};

class Input : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_migration(migrations(), 1, "initial", tune, "DROP TABLE tune;", tune);
    write_migration(migrations(), 2, "title_index", tune_index, "DROP INDEX tune_title;", tune + tune_index);
  }
  fs::path migrations() const { return path("migrations"); }
  std::string dir() const { return migrations().string(); }

  // NAME at VERSION with ROWS tunes (made under a plain name: NAME may hold glob characters).
  fs::path create_database(const std::string& name, int version = 2, int rows = 50) {
    const auto made = path("creating.sqlite3");
    const auto created = run_tool({"upgrade", "--db", made.string(), "--dir", dir(), "--to", std::to_string(version)}, dir_);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    const auto db = path(name);
    fs::rename(made, db);
    database(db).execute(fmt::format(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) "
        "INSERT INTO tune(title) SELECT printf('tune %d with a title long enough to fill pages', i) FROM n",
        rows));
    return db;
  }

  // A copy of DB as a crash mid-transaction leaves it: the file already holds uncommitted pages
  // and COPY-journal the committed ones (copied while a transaction had spilled to the file).
  fs::path hot_copy(const fs::path& db, const std::string& name) {
    const auto copy = path(name);
    database writer(db);
    writer.execute("PRAGMA cache_size = 1");
    writer.execute("BEGIN");
    writer.execute("UPDATE tune SET title = upper(title) || ' changed and not committed'");
    EXPECT_TRUE(fs::exists(db.string() + "-journal"));
    fs::copy_file(db, copy);
    fs::copy_file(db.string() + "-journal", copy.string() + "-journal");
    writer.execute("ROLLBACK");
    return copy;
  }
};

}  // namespace

TEST_F(Input, AnExistingFileWhoseNameHoldsGlobCharactersIsThatFile) {
  for (const std::string name : {"app[1].db", "app*.db", "app?.db"}) {
    SCOPED_TRACE(name);
    const auto named = create_database(name, 1);
    const auto other = create_database("app1.db", 1);
    const auto other_before = file_sha256(other);
    const auto upgraded = run_tool({"upgrade", "--db", named.string(), "--dir", dir(), "--no-backup"}, dir_);
    EXPECT_EQ(upgraded.exit_code, 0) << upgraded.err;
    EXPECT_EQ(query_int(named, "PRAGMA user_version"), 2);
    EXPECT_EQ(file_sha256(other), other_before) << "the pattern's match was migrated instead";
    // Without a file the pattern could match, the existing file is still the one meant.
    fs::remove(other);
    EXPECT_EQ(run_tool({"downgrade", "--db", named.string(), "--dir", dir(), "--to", "1", "--no-backup"}, dir_).exit_code,
              0);
    const auto alone = run_tool({"upgrade", "--db", named.string(), "--dir", dir(), "--no-backup"}, dir_);
    EXPECT_EQ(alone.exit_code, 0) << alone.err;
    EXPECT_EQ(query_int(named, "PRAGMA user_version"), 2);
    fs::remove(named);
  }
  // A name that is no file is still a pattern.
  create_database("shard_a.db", 1);
  create_database("shard_b.db", 1);
  const auto pattern = run_tool({"upgrade", "--db", path("shard_*.db").string(), "--dir", dir(), "--no-backup"}, dir_);
  EXPECT_EQ(pattern.exit_code, 0) << pattern.err;
  EXPECT_EQ(query_int(path("shard_a.db"), "PRAGMA user_version"), 2);
  EXPECT_EQ(query_int(path("shard_b.db"), "PRAGMA user_version"), 2);
}

TEST_F(Input, AFileNamedLikeASqliteUriIsThatFile) {
  const working_directory here(dir_);
  const std::string name = "file:x.db";
  const auto created = run_tool({"upgrade", "--db", name, "--dir", dir(), "--to", "1"}, dir_);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_TRUE(fs::is_regular_file(path(name)));
  EXPECT_FALSE(fs::exists(path("x.db"))) << "the name was read as a URI";
  EXPECT_EQ(query_int(path(name), "PRAGMA user_version"), 1);

  // Every command means the same file, and a URI query string is part of a file name too.
  const auto current = run_tool({"current", "--db", name}, dir_);
  EXPECT_EQ(current.exit_code, 0) << current.err;
  EXPECT_TRUE(contains(current.out, "1 (initial")) << current.out;
  EXPECT_EQ(run_tool({"check", "--db", name, "--dir", dir()}, dir_).exit_code, 0);
  EXPECT_TRUE(contains(run_tool({"history", "--dir", dir(), "--db", name}, dir_).out, "applied"));
  EXPECT_EQ(run_tool({"upgrade", "--db", name, "--dir", dir()}, dir_).exit_code, 0);
  EXPECT_EQ(query_int(path(name), "PRAGMA user_version"), 2);
  EXPECT_EQ(run_tool({"downgrade", "--db", name, "--dir", dir(), "--to", "1"}, dir_).exit_code, 0);
  EXPECT_EQ(run_tool({"stamp", "--db", name, "--dir", dir(), "--auto"}, dir_).exit_code, 0);
  EXPECT_EQ(query_int(path(name), "PRAGMA user_version"), 1);
  // Read as a URI, "?mode=ro" would make the upgrade fail on a read-only connection.
  fs::copy_file(path(name), path("file:y.db?mode=ro"));
  const auto with_query = run_tool({"upgrade", "--db", "file:y.db?mode=ro", "--dir", dir()}, dir_);
  EXPECT_EQ(with_query.exit_code, 0) << with_query.err;
  EXPECT_EQ(query_int(path("file:y.db?mode=ro"), "PRAGMA user_version"), 2);
  EXPECT_FALSE(fs::exists(path("x.db")));
  EXPECT_FALSE(fs::exists(path("y.db")));
#ifdef TUNETREES_APP
  const auto launched = run_with_timeout({TUNETREES_APP, "--db", "file:app.db", "version"}, dir_);
  EXPECT_EQ(launched.exit_code, 0) << launched.err;
  EXPECT_TRUE(fs::is_regular_file(path("file:app.db")));
  EXPECT_FALSE(fs::exists(path("app.db")));
#endif
}

TEST_F(Input, ADatabasePathThatIsAFifoOrADirectoryIsRefusedAtOnceByEveryCommand) {
  const auto fifo = path("fifo.db");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  const auto folder = path("folder.db");
  fs::create_directories(folder / "inside");
  // A database whose journal is a FIFO: SQLite would open that too, and wait as long.
  const auto journaled = create_database("journaled.db", 1);
  ASSERT_EQ(::mkfifo((journaled.string() + "-journal").c_str(), 0644), 0);
  const auto journaled_before = file_sha256(journaled);
  for (const auto& [db, kind] :
       {std::pair{fifo, "a FIFO"}, std::pair{folder, "a directory"}, std::pair{journaled, "a FIFO"}}) {
    const auto name = db.string();
    const std::vector<std::vector<std::string>> commands{
        {"current", "--db", name},
        {"check", "--db", name, "--dir", dir()},
        {"history", "--dir", dir(), "--db", name},
        {"upgrade", "--db", name, "--dir", dir()},
        {"downgrade", "--db", name, "--dir", dir(), "--to", "0"},
        {"stamp", "--db", name, "--dir", dir(), "--to", "1"},
        {"stamp", "--db", name, "--dir", dir(), "--auto"},
    };
    for (const auto& command : commands) {
      SCOPED_TRACE(command.front() + " on " + kind);
      expect_one_line(run_tool(command, dir_), exit_code::failure, {name, "not a regular file", kind});
    }
#ifdef TUNETREES_APP
    for (const auto& args : {std::vector<std::string>{}, {"version"}, {"db", "current"}}) {
      SCOPED_TRACE(fmt::format("tunetrees {} on {}", fmt::join(args, " "), kind));
      std::vector<std::string> argv{TUNETREES_APP, "--db", name};
      argv.insert(argv.end(), args.begin(), args.end());
      expect_one_line(run_with_timeout(argv, dir_), exit_code::failure, {name, "not a regular file", kind});
    }
#endif
  }
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_TRUE(fs::is_directory(folder / "inside"));
  EXPECT_EQ(file_sha256(journaled), journaled_before);
}

TEST_F(Input, AMigrationEntryThatIsADirectoryAFifoOrHoldsANulByteIsRefused) {
  const auto db = create_database("app.sqlite3", 2);
  ASSERT_EQ(run_tool({"hash", "--dir", dir()}, dir_).exit_code, 0);
  const auto third = migrations() / "0003_more.sql";
  const auto third_snapshot = migrations() / "snapshots" / "0003.sql";
  const std::string nul_text =
      std::string("-- litemig:up\nCREATE TABLE more(a);") + '\0' + "DROP TABLE tune;\n-- litemig:down\nDROP TABLE more;\n";
  const auto make_entry = [&](const fs::path& entry, const std::string& kind) {
    if (kind == "directory") {
      fs::create_directories(entry / "inside");
    } else if (kind == "fifo") {
      ASSERT_EQ(::mkfifo(entry.c_str(), 0644), 0);
    } else {
      write_file(entry, nul_text);
    }
  };
  for (const auto& entry : {third, third_snapshot}) {
    for (const std::string kind : {"directory", "fifo", "nul"}) {
      SCOPED_TRACE(entry.filename().string() + " as " + kind);
      if (entry == third_snapshot) write_migration(migrations(), 3, "more", "CREATE TABLE more(a);", "DROP TABLE more;", "");
      fs::remove(entry);
      make_entry(entry, kind);
      const auto db_before = file_sha256(db);
      const auto sum_before = file_sha256(migrations() / "litemig.sum");
      const std::vector<std::vector<std::string>> commands{
          {"upgrade", "--db", db.string(), "--dir", dir()},
          {"hash", "--dir", dir()},
          {"history", "--dir", dir(), "--db", db.string()},
          {"check", "--db", db.string(), "--dir", dir()},
          {"stamp", "--db", db.string(), "--dir", dir(), "--auto"},
      };
      for (const auto& command : commands) {
        SCOPED_TRACE(command.front());
        const auto refused = run_tool(command, dir_);
        expect_one_line(refused, exit_code::usage, {entry.string()});
        EXPECT_TRUE(kind == "nul" ? contains(refused.err, "NUL byte") : contains(refused.err, "not a regular file"))
            << refused.err;
      }
      EXPECT_EQ(file_sha256(db), db_before);
      EXPECT_EQ(file_sha256(migrations() / "litemig.sum"), sum_before);
      fs::remove_all(entry);
      fs::remove(third);
      fs::remove(third_snapshot);
    }
  }
}

TEST_F(Input, ReadOnlyCommandsRollBackAHotJournalWhenTheyMayWriteTheFile) {
  const auto db = create_database("app.sqlite3", 2, 3000);
  const auto committed = content_digest(db);
  const std::vector<std::vector<std::string>> commands{
      {"current", "--db", "{db}"},
      {"check", "--db", "{db}", "--dir", dir()},
      {"history", "--dir", dir(), "--db", "{db}"},
  };
  int copies = 0;
  for (auto command : commands) {
    SCOPED_TRACE(command.front());
    const auto copy = hot_copy(db, fmt::format("copy_{}.sqlite3", ++copies));
    for (auto& arg : command) {
      if (arg == "{db}") arg = copy.string();
    }
    const auto answered = run_tool(command, dir_);
    EXPECT_EQ(answered.exit_code, 0) << answered.err;
    EXPECT_TRUE(answered.err.empty()) << answered.err;
    EXPECT_FALSE(fs::exists(copy.string() + "-journal")) << "the hot journal was not rolled back";
    EXPECT_EQ(content_digest(copy), committed) << "the committed content did not come back";
  }
}

TEST_F(Input, ReadOnlyCommandsExplainAHotJournalTheyMayNotRollBack) {
  const auto db = create_database("app.sqlite3", 2, 3000);
  const auto copy = hot_copy(db, "copy.sqlite3");
  const auto journal = copy.string() + "-journal";
  // Read-only by its owner's choice: not written, even by root.
  fs::permissions(copy, fs::perms::owner_read | fs::perms::group_read, fs::perm_options::replace);
  const auto before = file_sha256(copy);
  const auto journal_before = file_sha256(journal);
  for (const auto& command : std::vector<std::vector<std::string>>{{"current", "--db", copy.string()},
                                                                   {"check", "--db", copy.string(), "--dir", dir()},
                                                                   {"history", "--dir", dir(), "--db", copy.string()}}) {
    SCOPED_TRACE(command.front());
    expect_one_line(run_tool(command, dir_), exit_code::failure, {copy.string(), "needs recovery", journal});
    EXPECT_EQ(file_sha256(copy), before);
    EXPECT_EQ(file_sha256(journal), journal_before);
  }
}

TEST_F(Input, StampRefusesAReadOnlyFile) {
  const auto plain = create_database("app.sqlite3", 1, 3000);
  // Even its hot journal stays: the refusal comes before any connection could roll it back.
  const auto hot = hot_copy(plain, "hot.sqlite3");
  const auto journal = hot.string() + "-journal";
  const auto journal_before = file_sha256(journal);
  for (const auto& db : {plain, hot}) {
    fs::permissions(db, fs::perms::owner_read | fs::perms::group_read, fs::perm_options::replace);
    const auto before = file_sha256(db);
    for (const std::string how : {"--auto", "--to"}) {
      SCOPED_TRACE(db.filename().string() + " " + how);
      std::vector<std::string> args{"stamp", "--db", db.string(), "--dir", dir(), how};
      if (how == "--to") args.push_back("2");
      expect_one_line(run_tool(args, dir_), exit_code::failure, {db.string(), "read-only"});
      EXPECT_EQ(file_sha256(db), before);
    }
  }
  EXPECT_EQ(file_sha256(journal), journal_before);
}

TEST_F(Input, StampRefusesADatabaseNewerThanTheDirectoryAndKeepsItsHistory) {
  // 0003 changes data only: the schema at version 3 equals snapshot 2, which --auto would match.
  write_migration(migrations(), 3, "seed", "INSERT INTO tune(title) VALUES ('seeded');",
                  "DELETE FROM tune WHERE title = 'seeded';", tune + tune_index);
  const auto db = create_database("app.sqlite3", 3);
  fs::remove(migrations() / "0003_seed.sql");
  fs::remove(migrations() / "snapshots" / "0003.sql");
  const auto before = file_sha256(db);
  for (const auto& how : {std::vector<std::string>{"--auto"}, {"--to", "2"}, {"--to", "1"}}) {
    SCOPED_TRACE(how.front());
    std::vector<std::string> args{"stamp", "--db", db.string(), "--dir", dir()};
    args.insert(args.end(), how.begin(), how.end());
    expect_one_line(run_tool(args, dir_), exit_code::future_version, {db.string(), "version 3", "newer"});
    EXPECT_EQ(file_sha256(db), before);
  }
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM litemig_history WHERE version = 3"), 1);
}

TEST_F(Input, StampRefusesAHistoryThatDisagreesWithTheFilesUnlessAllowed) {
  const auto db = create_database("app.sqlite3", 2);
  const auto edited = migrations() / "0001_initial.sql";
  write_file(edited, read_file(edited) + "-- edited after it was applied\n");
  const auto before = file_sha256(db);
  expect_one_line(run_tool({"stamp", "--db", db.string(), "--dir", dir(), "--to", "2"}, dir_), exit_code::checksum_mismatch,
                  {edited.string(), "checksum mismatch"});
  EXPECT_EQ(file_sha256(db), before);
  // A history row whose migration the directory lacks is refused too, not deleted.
  database(db).execute("INSERT INTO litemig_history(version, name, checksum, applied_at) "
                       "VALUES (9, 'other_branch', 'abc', '2026-01-01T00:00:00Z')");
  const auto with_row = file_sha256(db);
  expect_one_line(run_tool({"stamp", "--db", db.string(), "--dir", dir(), "--auto", "--allow-checksum-mismatch"}, dir_),
                  exit_code::checksum_mismatch, {db.string(), "0009"});
  EXPECT_EQ(file_sha256(db), with_row);
  database(db).execute("DELETE FROM litemig_history WHERE version = 9");
  const auto allowed =
      run_tool({"stamp", "--db", db.string(), "--dir", dir(), "--to", "2", "--allow-checksum-mismatch"}, dir_);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
}

TEST_F(Input, ANewlineInATableOrFileNameStillGivesOneLineOnStderr) {
  const auto db = create_database("app.sqlite3", 1);
  database(db).execute("CREATE TABLE \"drifted\nname\r\there\"(a)");
  const auto before = file_sha256(db);
  const auto refused = run_tool({"upgrade", "--db", db.string(), "--dir", dir(), "--no-backup"}, dir_);
  expect_one_line(refused, exit_code::schema_mismatch, {db.string(), "name\\r\\there"});
  EXPECT_EQ(file_sha256(db), before);

  const auto odd = path("line\none\x01.db");
  expect_one_line(run_tool({"current", "--db", odd.string()}, dir_), exit_code::failure,
                  {(dir_ / "line\\none\\x01.db").string()});
#ifdef TUNETREES_APP
  expect_one_line(run_with_timeout({TUNETREES_APP, "--db", path("app\ndir/x.db").string()}, dir_), exit_code::failure,
                  {"app\\ndir"});
#endif
}

TEST(EscapeControlCharacters, WritesEveryControlByteAsAnEscape) {
  EXPECT_EQ(litemig::escape_control_characters("a\nb\rc\td\x01" "e\x7f" "f\x1f"), "a\\nb\\rc\\td\\x01e\\x7ff\\x1f");
  EXPECT_EQ(litemig::escape_control_characters("Größe \"x\""), "Größe \"x\"");
}

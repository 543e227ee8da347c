// One condition, one exit code, from every command that meets it: a committed migration edited
// without `litemig hash` is a checksum mismatch (6), a snapshot that does not load is malformed
// input (2); each is one line on stderr naming the file, and nothing is written.
#include "reliability_support.hpp"

#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

using namespace litemig::reliability;
using litemig::exit_code;

namespace {

class ErrorModel : public reliability_test {
 protected:
  std::string dir() const { return path("migrations").string(); }

  // A database at version 1 with a tune, and a reference database at the schema of migration 2.
  void create_databases() {
    run_ok({"upgrade", "--db", path("app.sqlite3").string(), "--dir", dir(), "--to", "1", "--no-backup"});
    litemig::sqlite::database db(path("app.sqlite3"));
    db.execute("INSERT INTO tune(title) VALUES ('Kesh')");
    litemig::sqlite::database reference(path("reference.sqlite3"), litemig::sqlite::open_mode::create);
    reference.execute(read_file(path("migrations") / "snapshots" / "0002.sql"));
    reference.execute("CREATE TABLE later(id INTEGER PRIMARY KEY)");
  }

  // The tune-and-note migrations recorded by `litemig hash`, the databases, then FILE edited by hand.
  void edit_after_hashing(const std::string& file) {
    write_tune_and_note_migrations(path("migrations"));
    run_ok({"hash", "--dir", dir()});
    create_databases();
    write_file(path("migrations") / file, read_file(path("migrations") / file) + "-- a data fix added by hand\n");
  }

  void run_ok(const std::vector<std::string>& args) {
    const auto result = run_litemig(args, dir_);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // Every command gives CODE and one line naming FILE; the database, the folder and --output stay as they were.
  void expect_everywhere(const std::vector<std::vector<std::string>>& commands, exit_code code, const std::string& file) {
    const auto db_before = file_sha256(path("app.sqlite3"));
    const auto folder_before = folder_sha256(path("migrations"));
    for (const auto& command : commands) {
      SCOPED_TRACE(fmt::format("litemig {}", fmt::join(command, " ")));
      const auto result = run_litemig(command, dir_);
      EXPECT_EQ(result.exit_code, static_cast<int>(code)) << result.err;
      EXPECT_EQ(line_count(result.err), 1u) << result.err;
      EXPECT_TRUE(contains(result.err, file)) << result.err;
      EXPECT_EQ(file_sha256(path("app.sqlite3")), db_before);
      EXPECT_EQ(folder_sha256(path("migrations")), folder_before);
      EXPECT_FALSE(fs::exists(path("embedded.cpp")));
    }
  }
};

TEST_F(ErrorModel, AnEditedCommittedMigrationIsAChecksumMismatchForEveryCommand) {
  edit_after_hashing("0001_initial.sql");
  const auto db = path("app.sqlite3").string();
  expect_everywhere({{"generate", "--schema", path("reference.sqlite3").string(), "--dir", dir()},
                     {"hash", "--dir", dir()},
                     {"embed", "--dir", dir(), "--output", path("embedded.cpp").string()},
                     {"verify", "--dir", dir(), "--version", "2"},
                     {"verify", "--dir", dir(), "--reference", path("reference.sqlite3").string()},
                     {"upgrade", "--db", db, "--dir", dir()},
                     {"upgrade", "--db", db, "--dir", dir(), "--dry-run"},
                     {"downgrade", "--db", db, "--dir", dir(), "--to", "0"},
                     {"deploy", "--source", db, "--dir", dir(), "--backup-dir", path("backups").string()}},
                    exit_code::checksum_mismatch, "0001_initial.sql");
}

TEST_F(ErrorModel, UpgradeAppliesAnEditedDirectoryWhenAllowed) {
  edit_after_hashing("0002_notes.sql");
  run_ok({"upgrade", "--db", path("app.sqlite3").string(), "--dir", dir(), "--no-backup", "--allow-checksum-mismatch"});
  EXPECT_EQ(query_int(path("app.sqlite3"), "PRAGMA user_version"), 2);
}

TEST_F(ErrorModel, ASnapshotThatDoesNotLoadIsMalformedInputForEveryCommand) {
  write_tune_and_note_migrations(path("migrations"));
  create_databases();
  const auto snapshot = path("migrations") / "snapshots" / "0002.sql";
  write_file(snapshot, "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id REFERENCES);\n");
  expect_everywhere({{"generate", "--schema", path("reference.sqlite3").string(), "--dir", dir()},
                     {"verify", "--dir", dir(), "--version", "2"},
                     {"verify", "--dir", dir(), "--reference", path("reference.sqlite3").string()},
                     {"diff", (path("migrations") / "snapshots" / "0001.sql").string(), snapshot.string()},
                     {"diagram", "--dir", dir(), "--version", "2"},
                     {"upgrade", "--db", path("app.sqlite3").string(), "--dir", dir()}},
                    exit_code::usage, snapshot.string());
}

}  // namespace

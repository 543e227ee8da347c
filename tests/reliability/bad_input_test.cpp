// Bad input: every case ends in one line naming the file and the cause, a documented non-zero
// exit code, and the database (or reference and migrations folder) byte-identical afterwards.
#include "reliability_support.hpp"

#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace litemig::reliability;
using litemig::exit_code;
using litemig::sqlite::database;

namespace {

const std::string tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
const std::string note = "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER, body TEXT);\n";

void expect_one_line_refusal(const process_result& result, exit_code expected, const std::vector<std::string>& fragments) {
  EXPECT_EQ(result.exit_code, static_cast<int>(expected)) << result.err;
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  for (const auto& fragment : fragments) EXPECT_TRUE(contains(result.err, fragment)) << "missing '" << fragment << "' in " << result.err;
}

class BadInput : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_migration(migrations(), 1, "initial", tune + note, "DROP TABLE note; DROP TABLE tune;", tune + note);
  }
  fs::path migrations() const { return path("migrations"); }
  // DB at version 1 holding ROWS tunes, each with a note.
  fs::path create_database(const std::string& name, int rows) {
    const auto db = path(name);
    fs::create_directories(db.parent_path());
    auto created = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    database(db).execute(fmt::format(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) "
        "INSERT INTO tune(title) SELECT printf('tune %d with a longer title to fill pages', i) FROM n; "
        "INSERT INTO note(tune_id, body) SELECT id, 'note on ' || title FROM tune;",
        rows));
    return db;
  }
  process_result upgrade(const fs::path& db, std::vector<std::string> extra = {}, std::optional<uid_t> as = {}) {
    std::vector<std::string> args{"upgrade", "--db", db.string(), "--dir", migrations().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_litemig(std::move(args), dir_, as);
  }
  // Nothing but DB itself in its folder: no journal, no backup, no partial file left behind.
  void expect_alone(const fs::path& db) {
    for (const auto& entry : fs::directory_iterator(db.parent_path())) {
      const auto name = entry.path().filename().string();
      EXPECT_FALSE(name != db.filename().string() && name.starts_with(db.stem().string())) << "left behind: " << name;
    }
  }
};

}  // namespace

TEST_F(BadInput, AMigrationRecordedInTheHistoryButMissingFromTheBinaryIsRefused) {
  // The database was migrated by a build of another branch, whose 0002 this build does not have.
  const auto db = create_database("app.sqlite3", 20);
  write_migration(migrations(), 2, "other_branch", "CREATE TABLE other(a);", "DROP TABLE other;",
                  tune + note + "CREATE TABLE other(a);\n");
  ASSERT_EQ(upgrade(db, {"--no-backup"}).exit_code, 0);
  fs::remove(migrations() / "0002_other_branch.sql");
  write_migration(migrations(), 2, "this_branch", "CREATE INDEX note_tune ON note(tune_id);", "DROP INDEX note_tune;",
                  tune + note + "CREATE INDEX note_tune ON note(tune_id);\n");
  write_migration(migrations(), 3, "more", "CREATE TABLE more(a);", "DROP TABLE more;",
                  tune + note + "CREATE INDEX note_tune ON note(tune_id);\nCREATE TABLE more(a);\n");
  const auto before = file_sha256(db);
  const auto refused = upgrade(db, {"--no-backup"});
  expect_one_line_refusal(refused, exit_code::checksum_mismatch, {"0002_this_branch.sql", "checksum mismatch"});
  EXPECT_EQ(file_sha256(db), before);
  expect_alone(db);
}

TEST_F(BadInput, AHistoryRowBeyondEveryKnownMigrationIsRefused) {
  const auto db = create_database("app.sqlite3", 20);
  database(db).execute("INSERT INTO litemig_history(version, name, checksum, applied_at) "
                       "VALUES (7, 'from_a_newer_build', 'abc', '2026-01-01T00:00:00Z')");
  write_migration(migrations(), 2, "tune_index", "CREATE INDEX tune_title ON tune(title);", "DROP INDEX tune_title;",
                  tune + note + "CREATE INDEX tune_title ON tune(title);\n");
  const auto before = file_sha256(db);
  const auto refused = upgrade(db, {"--no-backup"});
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
  EXPECT_TRUE(contains(refused.err, db.string())) << refused.err;
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(BadInput, AnUnversionedDatabaseWithNoSnapshotToMatchIsToldToStampIt) {
  fs::remove_all(migrations() / "snapshots");
  const auto db = path("legacy.sqlite3");
  database(db, litemig::sqlite::open_mode::create).execute(tune);
  const auto before = file_sha256(db);
  for (const auto& command : {std::vector<std::string>{"upgrade"}, {"stamp", "--auto"}}) {
    auto args = command;
    args.insert(args.end(), {"--db", db.string(), "--dir", migrations().string()});
    const auto result = run_litemig(std::move(args), dir_);
    expect_one_line_refusal(result, exit_code::schema_mismatch,
                            {db.string() + ": no litemig bookkeeping and no snapshot in ", " to compare the schema with",
                             "`litemig stamp --to N`"});
    EXPECT_FALSE(contains(result.err, "0000.sql")) << result.err;
  }
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(BadInput, AMalformedMigrationFileIsRefusedBeforeTheDatabaseIsOpened) {
  const auto db = create_database("app.sqlite3", 20);
  write_file(migrations() / "0002_no_markers.sql", "CREATE TABLE x(a);\n");
  write_file(migrations() / "snapshots" / "0002.sql", tune + note + "CREATE TABLE x(a);\n");
  const auto before = file_sha256(db);
  expect_one_line_refusal(upgrade(db), exit_code::usage, {"0002_no_markers.sql"});
  EXPECT_EQ(file_sha256(db), before);
  expect_alone(db);
}

TEST_F(BadInput, AMigrationWithAnSqlErrorIsRolledBack) {
  const auto db = create_database("app.sqlite3", 50);
  write_migration(migrations(), 2, "typo", "CREATE TABLE extra(a);\nINSERT INTO extra SELECT titel FROM tune;",
                  "DROP TABLE extra;", tune + note + "CREATE TABLE extra(a);\n");
  const auto before = file_sha256(db);
  expect_one_line_refusal(upgrade(db, {"--no-backup"}), exit_code::failure, {db.string(), "0002_typo.sql", "titel"});
  EXPECT_EQ(file_sha256(db), before);
  expect_alone(db);
}

TEST_F(BadInput, ANewForeignKeyThatExistingRowsViolateIsRefused) {
  const auto db = create_database("app.sqlite3", 30);
  database(db).execute("INSERT INTO note(tune_id, body) VALUES (9999, 'orphan')");
  const std::string note_with_key =
      "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER REFERENCES tune(id), body TEXT);\n";
  write_migration(migrations(), 2, "note_key",
                  "-- litemig:foreign-key-check \"note\"\n"
                  "CREATE TABLE litemig_new_note(id INTEGER PRIMARY KEY, tune_id INTEGER REFERENCES tune(id), body TEXT);\n"
                  "INSERT INTO litemig_new_note SELECT id, tune_id, body FROM note;\nDROP TABLE note;\n"
                  "ALTER TABLE litemig_new_note RENAME TO note;",
                  "CREATE TABLE litemig_new_note(id INTEGER PRIMARY KEY, tune_id INTEGER, body TEXT);\n"
                  "INSERT INTO litemig_new_note SELECT id, tune_id, body FROM note;\nDROP TABLE note;\n"
                  "ALTER TABLE litemig_new_note RENAME TO note;",
                  tune + note_with_key);
  const auto before = file_sha256(db);
  expect_one_line_refusal(upgrade(db, {"--no-backup"}), exit_code::preflight, {db.string(), "0002_note_key.sql", "note"});
  EXPECT_EQ(file_sha256(db), before);
  expect_alone(db);
}

TEST_F(BadInput, ANewCheckThatExistingRowsViolateIsRefused) {
  const auto db = create_database("app.sqlite3", 30);
  database(db).execute("UPDATE tune SET title = '' WHERE id IN (3, 7)");
  const std::string checked_tune =
      "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL CHECK (length(title) > 0));\n";
  write_migration(migrations(), 2, "title_check",
                  "-- litemig:foreign-key-check\n"
                  "CREATE TABLE litemig_new_tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL CHECK (length(title) > 0));\n"
                  "INSERT INTO litemig_new_tune SELECT id, title FROM tune;\nDROP TABLE tune;\n"
                  "ALTER TABLE litemig_new_tune RENAME TO tune;",
                  "-- litemig:foreign-key-check\n"
                  "CREATE TABLE litemig_new_tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n"
                  "INSERT INTO litemig_new_tune SELECT id, title FROM tune;\nDROP TABLE tune;\n"
                  "ALTER TABLE litemig_new_tune RENAME TO tune;",
                  checked_tune + note);
  const auto before = file_sha256(db);
  const auto refused = upgrade(db);
  expect_one_line_refusal(refused, exit_code::preflight, {db.string(), "0002_title_check.sql", "2 rows", "id=3"});
  EXPECT_EQ(file_sha256(db), before);
  // The backup is written before the first change and stays as a copy of the untouched file.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().filename().string().starts_with("app.") && entry.path() != db) {
      EXPECT_EQ(content_digest(entry.path()), content_digest(db)) << entry.path();
    }
  }
}

TEST_F(BadInput, ADiskFullDuringAMigrationRollsItBack) {
  // The migration limits the database to a few pages more than it has, then rebuilds its
  // largest table: SQLite reports the disk full halfway, exactly as on a full device.
  const auto db = create_database("app.sqlite3", 3000);
  const auto pages = query_int(db, "PRAGMA page_count");
  const std::string wide_tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, copy TEXT);\n";
  write_migration(migrations(), 2, "tune_copy",
                  fmt::format("PRAGMA max_page_count = {};\n"
                              "CREATE TABLE litemig_new_tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, copy TEXT);\n"
                              "INSERT INTO litemig_new_tune SELECT id, title, title || title FROM tune;\nDROP TABLE tune;\n"
                              "ALTER TABLE litemig_new_tune RENAME TO tune;",
                              pages + 4),
                  "ALTER TABLE tune DROP COLUMN copy;", wide_tune + note);
  const auto before = file_sha256(db);
  expect_one_line_refusal(upgrade(db, {"--no-backup"}), exit_code::failure, {db.string(), "0002_tune_copy.sql", "full"});
  EXPECT_EQ(file_sha256(db), before);
  expect_alone(db);
}

TEST_F(BadInput, ADiskFullOnASmallFileSystemRollsTheMigrationBack) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  const auto volume = path("small-volume");
  fs::create_directories(volume);
  if (::mount("tmpfs", volume.c_str(), "tmpfs", 0, "size=512k") != 0) GTEST_SKIP() << "tmpfs cannot be mounted here";
  struct unmount_at_end {
    fs::path at;
    ~unmount_at_end() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{volume};

  const auto db = volume / "app.sqlite3";
  fs::copy_file(create_database("seed.sqlite3", 1500), db);
  const std::string wide_tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, copy TEXT);\n";
  write_migration(migrations(), 2, "tune_copy",
                  "CREATE TABLE litemig_new_tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, copy TEXT);\n"
                  "INSERT INTO litemig_new_tune SELECT id, title, printf('%.2000c', 'x') FROM tune;\nDROP TABLE tune;\n"
                  "ALTER TABLE litemig_new_tune RENAME TO tune;",
                  "ALTER TABLE tune DROP COLUMN copy;", wide_tune + note);
  const auto before = file_sha256(db);
  const auto refused = upgrade(db, {"--no-backup"});
  expect_one_line_refusal(refused, exit_code::failure, {db.string(), "0002_tune_copy.sql"});
  EXPECT_EQ(file_sha256(db), before);
  expect_alone(db);
  // Whatever the command left, the next connection finds the database whole at version 1.
  database reopened(db);
  EXPECT_EQ(reopened.query_text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(reopened.user_version(), 1);
}

TEST_F(BadInput, AReadOnlyDirectoryWhereNoJournalCanBeWrittenIsRefused) {
  const auto user = unprivileged_user();
  if (!user) GTEST_SKIP() << "no unprivileged user to run as";
  const auto db = create_database("sealed/app.sqlite3", 20);
  write_migration(migrations(), 2, "tune_index", "CREATE INDEX tune_title ON tune(title);", "DROP INDEX tune_title;",
                  tune + note + "CREATE INDEX tune_title ON tune(title);\n");
  ASSERT_EQ(::chown(db.c_str(), *user, static_cast<gid_t>(-1)), 0);
  ASSERT_EQ(::chown(db.parent_path().c_str(), *user, static_cast<gid_t>(-1)), 0);
  fs::permissions(db.parent_path(), fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                        fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  const auto before = file_sha256(db);

  for (const bool backup : {false, true}) {
    SCOPED_TRACE(backup ? "with the backup" : "without a backup");
    const auto refused = upgrade(db, backup ? std::vector<std::string>{} : std::vector<std::string>{"--no-backup"}, user);
    expect_one_line_refusal(refused, exit_code::failure, {db.parent_path().string()});
    EXPECT_EQ(file_sha256(db), before);
    expect_alone(db);
  }
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
}

// Generate: bad input leaves the reference database and the migrations folder untouched.
class BadGenerateInput : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    set_reference(tune);
    const auto first = generate();
    ASSERT_EQ(first.exit_code, 0) << first.err;
  }
  fs::path migrations() const { return path("migrations"); }
  fs::path reference() const { return path("reference.sqlite3"); }
  void set_reference(const std::string& sql) {
    fs::remove(reference());
    database(reference(), litemig::sqlite::open_mode::create).execute(sql);
  }
  process_result generate(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"generate", "--schema", reference().string(), "--dir", migrations().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_litemig(std::move(args), dir_);
  }
  // Runs generate with EXTRA, expecting a clean refusal that writes nothing anywhere.
  void expect_refused(std::vector<std::string> extra, exit_code code, const std::vector<std::string>& fragments) {
    const auto folder = folder_sha256(migrations());
    const auto reference_bytes = fs::exists(reference()) ? file_sha256(reference()) : "";
    expect_one_line_refusal(generate(std::move(extra)), code, fragments);
    EXPECT_EQ(folder_sha256(migrations()), folder) << "the migrations folder changed";
    EXPECT_EQ(fs::exists(reference()) ? file_sha256(reference()) : "", reference_bytes) << "the reference changed";
  }
};

TEST_F(BadGenerateInput, AMissingReferenceDatabase) {
  fs::remove(reference());
  expect_refused({}, exit_code::failure, {reference().string(), "not found"});
  EXPECT_FALSE(fs::exists(reference())) << "generate created the reference it was to read";
}

TEST_F(BadGenerateInput, ATruncatedReferenceDatabase) {
  set_reference(tune + "CREATE TABLE filler(x);" +
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                "INSERT INTO filler SELECT printf('%.200c', 'x') FROM n;");
  fs::resize_file(reference(), fs::file_size(reference()) / 3);
  expect_refused({}, exit_code::failure, {reference().string()});
}

TEST_F(BadGenerateInput, AReferenceThatIsNotADatabase) {
  fs::remove(reference());
  write_file(reference(), "SQLite format 3 is what this file claims, but it is text.\n" + std::string(4000, '-'));
  expect_refused({}, exit_code::failure, {reference().string()});
}

TEST_F(BadGenerateInput, AViewInTheReferenceThatDoesNotCompile) {
  set_reference(tune + "CREATE VIEW titles AS SELECT title FROM tune;");
  database(reference()).execute(
      "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE VIEW titles AS SELECT name FROM tune' "
      "WHERE name = 'titles';");
  expect_refused({}, exit_code::failure, {reference().string(), "titles"});
}

TEST_F(BadGenerateInput, MalformedHints) {
  set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, name TEXT NOT NULL);");
  for (const std::string line : {"rename column tune.title", "rename table to x", "drop column \"tune.title", "fill tune.x with",
                                 "make tune faster", "rename column tune.title to \"a\" extra"}) {
    SCOPED_TRACE(line);
    write_file(path("hints.txt"), "# decisions\n\n" + line + "\n");
    expect_refused({"--hints", path("hints.txt").string()}, exit_code::usage, {"hints.txt:3"});
  }
}

TEST_F(BadGenerateInput, AMissingHintsFile) {
  set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, name TEXT NOT NULL);");
  expect_refused({"--hints", path("no-hints.txt").string()}, exit_code::failure, {"no-hints.txt"});
}

TEST_F(BadGenerateInput, AHintsFileThatIsAFifoIsRefusedAtOnce) {
  set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, name TEXT NOT NULL);");
  ASSERT_EQ(::mkfifo(path("hints.fifo").c_str(), 0600), 0);
  expect_refused({"--hints", path("hints.fifo").string()}, exit_code::usage, {"hints.fifo", "not a regular file"});
}

TEST_F(BadGenerateInput, AMalformedMigrationInTheFolder) {
  set_reference(tune + "CREATE TABLE note(a);");
  write_file(migrations() / "0002_hand_written.sql", "-- litemig:down\nDROP TABLE x;\n-- litemig:up\nCREATE TABLE x(a);\n");
  expect_refused({}, exit_code::usage, {"0002_hand_written.sql"});
}

// The product app refuses unusable databases the same way on launch.
#ifdef TUNETREES_APP
TEST_F(BadInput, TheAppRefusesUnusableDatabasesOnLaunchUntouched) {
  const auto text = path("notes.sqlite3");
  write_file(text, "These are my notes, not a database.\n" + std::string(4096, '.'));
  const auto truncated = path("truncated.sqlite3");
  fs::copy_file(fs::path(LITEMIG_SOURCE_DIR) / "tests" / "fixtures" / "tunetrees_v1.sqlite3", truncated);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  for (const auto& db : {text, truncated}) {
    SCOPED_TRACE(db.filename().string());
    const auto before = file_sha256(db);
    const auto refused = run({TUNETREES_APP, "--db", db.string()}, dir_);
    EXPECT_EQ(refused.exit_code, static_cast<int>(exit_code::failure)) << refused.out << refused.err;
    EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
    EXPECT_TRUE(contains(refused.err, db.string())) << refused.err;
    EXPECT_EQ(file_sha256(db), before);
    expect_alone(db);
  }
}
#endif

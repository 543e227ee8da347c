// The applier's C++ API on real database files.
#include "runtime_test_support.hpp"

#include "litemig/applier.hpp"
#include "litemig/errors.hpp"
#include "litemig/files.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace litemig;
using namespace litemig::testing;

namespace {

class Applier : public runtime_test {
 protected:
  void SetUp() override {
    runtime_test::SetUp();
    write_library_migrations(migrations_dir());
  }
  fs::path migrations_dir() const { return path("migrations"); }
  migration_set migrations() const { return migration_set::from_directory(migrations_dir()); }
  apply_options quiet(bool backup = false) const {
    apply_options options;
    options.backup = backup;
    options.log = [this](const std::string& line) { log_.push_back(line); };
    return options;
  }
  bool logged(const std::string& fragment) const {
    return std::any_of(log_.begin(), log_.end(), [&](const std::string& line) { return line.find(fragment) != std::string::npos; });
  }

  // The failure ACTION throws; fails the test when it does not.
  static failure failure_of(const std::function<void()>& action) {
    try {
      action();
    } catch (const failure& e) {
      return e;
    }
    ADD_FAILURE() << "expected a litemig::failure";
    return failure(exit_code::ok, "");
  }

  mutable std::vector<std::string> log_;
};

}  // namespace

TEST_F(Applier, UpgradesAndDowngradesKeepingData) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations_dir(), 20);

  const auto up = upgrade(db, migrations(), quiet());
  EXPECT_EQ(up.from_version, 1);
  EXPECT_EQ(up.to_version, 3);
  EXPECT_EQ(up.applied, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune WHERE mode = 'major'"), 20);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM note"), 20);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM litemig_history"), 3);
  EXPECT_TRUE(check(db, migrations()).empty());

  const auto down = downgrade(db, migrations(), 1, quiet());
  EXPECT_EQ(down.applied, (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune"), 20);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM litemig_history"), 1);
  EXPECT_TRUE(logged("table \"note\" is dropped with its 20 rows"));
  EXPECT_TRUE(check(db, migrations()).empty());
}

TEST_F(Applier, AHandWrittenRebuildKeepsStatisticsAndItsDropsAreDerivedFromTheSnapshots) {
  // No directives and no litemig_new_ prefix: what the part did is measured and derived, not scraped.
  const std::string table = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, gone TEXT);\nCREATE INDEX ta ON t(a);\n";
  const std::string rebuilt = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER);\nCREATE INDEX ta ON t(a);\n";
  write_migration(path("m"), 1, "t", table, "DROP TABLE t;", table);
  write_migration(path("m"), 2, "rebuild",
                  "CREATE TABLE scratch(id INTEGER PRIMARY KEY, a INTEGER);\nINSERT INTO scratch SELECT id, a FROM t;\n"
                  "DROP TABLE t;\nALTER TABLE scratch RENAME TO t;\nCREATE INDEX ta ON t(a);",
                  "SELECT 1;", rebuilt);
  const auto set = migration_set::from_directory(path("m"));
  auto options = quiet();
  options.target = 1;
  upgrade(path("db"), set, options);
  {
    sqlite::database db(path("db"));
    db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
               "INSERT INTO t(a, gone) SELECT i % 7, 'x' FROM n; ANALYZE;");
  }
  options.target = 2;
  upgrade(path("db"), set, options);
  EXPECT_GT(query_int(path("db"), "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 't'"), 0);
  EXPECT_TRUE(logged("column \"gone\" is dropped with 500 non-NULL values"));
}

TEST_F(Applier, FreePagesThatWereFreeBeforeAreNotReportedAsTheMigrations) {
  create_library_database(path("db"), migrations_dir(), 3000);
  {
    sqlite::database db(path("db"));
    db.execute("CREATE TABLE scratch(x); INSERT INTO scratch SELECT title FROM tune; DROP TABLE scratch;");
  }
  ASSERT_GT(query_int(path("db"), "PRAGMA freelist_count"), 0);
  auto options = quiet();
  options.target = 3;  // a new table and a plain ADD COLUMN: nothing is freed
  upgrade(path("db"), migrations(), options);
  EXPECT_FALSE(logged("free pages")) << "the pages were free before the migration";
}

TEST_F(Applier, CreatesAMissingDatabaseAndDoesNothingWhenCurrent) {
  const auto db = path("new.sqlite3");
  EXPECT_FALSE(is_current(db, library_latest));
  const auto first = upgrade(db, migrations(), quiet(true));
  EXPECT_EQ(first.applied.size(), 3u);
  EXPECT_FALSE(first.backup) << "a database this call created needs no backup";
  EXPECT_TRUE(is_current(db, library_latest));
  EXPECT_FALSE(is_current(db, library_latest + 1));

  const auto before = file_sha256(db);
  const auto again = upgrade(db, migrations(), quiet(true));
  EXPECT_TRUE(again.applied.empty());
  EXPECT_FALSE(again.backup);
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(Applier, LaunchCheckNeverLoadsMigrationsWhenCurrent) {
  const auto db = path("app.sqlite3");
  bool loaded = false;
  const auto load = [&] {
    loaded = true;
    return migrations();
  };
  EXPECT_TRUE(upgrade_if_needed(db, library_latest, load, quiet()).has_value());
  EXPECT_TRUE(loaded);
  loaded = false;
  EXPECT_FALSE(upgrade_if_needed(db, library_latest, load, quiet()).has_value());
  EXPECT_FALSE(loaded);
}

TEST_F(Applier, IsCurrentIsFalseForFilesThatAreNotDatabases) {
  write_file(path("notes.txt"), std::string(200, 'x'));
  EXPECT_FALSE(is_current(path("notes.txt"), 0));
  EXPECT_FALSE(is_current(path("missing.sqlite3"), 0));
}

TEST_F(Applier, WritesABackupWithBothVersionsAndTheSourcePermissions) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations_dir(), 5);
  fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const auto before = litemig::read_text_file(db);
  auto options = quiet(true);
  options.backup_dir = path("backups");
  const auto result = upgrade(db, migrations(), options);
  ASSERT_TRUE(result.backup);
  EXPECT_EQ(litemig::read_text_file(*result.backup), before) << "the file as it was before the upgrade, byte for byte";
  EXPECT_EQ(result.backup->parent_path(), path("backups"));
  const auto name = result.backup->filename().string();
  EXPECT_TRUE(name.starts_with("app.")) << name;
  EXPECT_NE(name.find(".v1-v3"), std::string::npos) << name;
  EXPECT_EQ(fs::status(*result.backup).permissions(), fs::status(db).permissions());
  EXPECT_EQ(query_int(*result.backup, "PRAGMA user_version"), 1);
  EXPECT_EQ(query_int(*result.backup, "SELECT count(*) FROM tune"), 5);
}

TEST_F(Applier, RefusesAnEditedMigrationUnlessAllowed) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations_dir(), 3);
  write_file(migrations_dir() / "0001_initial.sql", read_file(migrations_dir() / "0001_initial.sql") + "-- reworded\n");
  const auto before = file_sha256(db);
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::checksum_mismatch);
  EXPECT_NE(std::string(refused.what()).find("0001_initial.sql"), std::string::npos) << refused.what();
  EXPECT_EQ(file_sha256(db), before);

  auto options = quiet();
  options.allow_checksum_mismatch = true;
  EXPECT_EQ(upgrade(db, migrations(), options).to_version, 3);
  EXPECT_TRUE(logged("checksum mismatch"));
}

TEST_F(Applier, RefusesADatabaseNewerThanEveryMigration) {
  const auto db = path("app.sqlite3");
  upgrade(db, migrations(), quiet());
  { sqlite::database(db).set_user_version(9); }
  const auto before = file_sha256(db);
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet(true)); });
  EXPECT_EQ(refused.code(), exit_code::future_version);
  EXPECT_EQ(file_sha256(db), before);
  EXPECT_EQ(failure_of([&] { check(db, migrations()); }).code(), exit_code::future_version);
}

TEST_F(Applier, RefusesTablesChangedOutsideMigrations) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations_dir(), 3);
  { sqlite::database(db).execute("ALTER TABLE tune ADD COLUMN composer TEXT"); }
  const auto before = file_sha256(db);
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::schema_mismatch);
  EXPECT_NE(std::string(refused.what()).find("composer"), std::string::npos) << refused.what();
  EXPECT_EQ(file_sha256(db), before);
  EXPECT_FALSE(check(db, migrations()).empty());
}

TEST_F(Applier, RemembersTheVerifiedSchemaAndStillRefusesLaterDrift) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations_dir(), 2);
  EXPECT_EQ(query_int(db, "SELECT version FROM litemig_verified_schema"), 1);
  stamp(db, migrations(), 1);
  EXPECT_EQ(query_int(db, "SELECT version FROM litemig_verified_schema"), 1) << "a stamp that matches its snapshot";
  sqlite::database(db).execute("CREATE INDEX tune_title ON tune(title)");
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::schema_mismatch) << refused.what();
  sqlite::database(db).execute("DROP INDEX tune_title");
  upgrade(db, migrations(), quiet());
  EXPECT_EQ(query_int(db, "SELECT version FROM litemig_verified_schema"), library_latest);
  EXPECT_TRUE(check(db, migrations()).empty());
}

TEST_F(Applier, RecreatesDriftedViewsFromTheSnapshot) {
  write_migration(migrations_dir(), 4, "titles_view", "CREATE VIEW titles AS SELECT title FROM tune;",
                  "DROP VIEW titles;", read_file(migrations_dir() / "snapshots/0003.sql") +
                                           "CREATE VIEW titles AS SELECT title FROM tune;\n");
  write_migration(migrations_dir(), 5, "tune_key", "ALTER TABLE tune ADD COLUMN key TEXT;",
                  "ALTER TABLE tune DROP COLUMN key;",
                  "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'major', "
                  "key TEXT);\n"
                  "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n"
                  "CREATE VIEW titles AS SELECT title FROM tune;\n");
  const auto db = path("app.sqlite3");
  auto to_four = quiet();
  to_four.target = 4;
  upgrade(db, migrations(), to_four);
  { sqlite::database(db).execute("DROP VIEW titles; CREATE VIEW titles AS SELECT id, title FROM tune;"); }
  EXPECT_EQ(upgrade(db, migrations(), quiet()).to_version, 5);
  EXPECT_TRUE(logged("recreated drifted views"));
  EXPECT_TRUE(check(db, migrations()).empty());
}

TEST_F(Applier, PreflightCountsNullsThatANewNotNullRejects) {
  const std::string before = "CREATE TABLE person(id INTEGER PRIMARY KEY, email TEXT);\n";
  const std::string after = "CREATE TABLE person(id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n";
  fs::remove_all(migrations_dir());
  write_migration(migrations_dir(), 1, "person", before, "DROP TABLE person;", before);
  write_migration(migrations_dir(), 2, "email_required",
                  "CREATE TABLE new_person(id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"
                  "INSERT INTO new_person(id, email) SELECT id, email FROM person;\n"
                  "DROP TABLE person;\nALTER TABLE new_person RENAME TO person;",
                  "SELECT 1;", after);
  const auto db = path("app.sqlite3");
  auto to_one = quiet();
  to_one.target = 1;
  upgrade(db, migrations(), to_one);
  { sqlite::database(db).execute("INSERT INTO person(id, email) VALUES (1, 'a@x'), (4, NULL), (9, NULL), (12, NULL), (15, NULL)"); }
  const auto before_hash = file_sha256(db);
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::preflight);
  const std::string message = refused.what();
  EXPECT_NE(message.find("table \"person\" column \"email\": 4 rows hold NULL"), std::string::npos) << message;
  EXPECT_NE(message.find("id=4, id=9, id=12"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
  EXPECT_EQ(file_sha256(db), before_hash);
}

TEST_F(Applier, PreflightCountsDuplicatesUnderANewUniqueIndex) {
  fs::remove_all(migrations_dir());
  const std::string table = "CREATE TABLE tag(id INTEGER PRIMARY KEY, label TEXT);\n";
  write_migration(migrations_dir(), 1, "tag", table, "DROP TABLE tag;", table);
  write_migration(migrations_dir(), 2, "unique_label", "CREATE UNIQUE INDEX tag_label ON tag(label);",
                  "DROP INDEX tag_label;", table + "CREATE UNIQUE INDEX tag_label ON tag(label);\n");
  const auto db = path("app.sqlite3");
  auto to_one = quiet();
  to_one.target = 1;
  upgrade(db, migrations(), to_one);
  { sqlite::database(db).execute("INSERT INTO tag(label) VALUES ('reel'), ('jig'), ('reel'), ('reel'), (NULL), (NULL)"); }
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::preflight);
  EXPECT_NE(std::string(refused.what()).find("unique index \"tag_label\": 1 value occurs more than once, in 3 rows"),
            std::string::npos)
      << refused.what();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
}

TEST_F(Applier, RefusesRowsThatBreakANewForeignKey) {
  fs::remove_all(migrations_dir());
  const std::string parent = "CREATE TABLE tune(id INTEGER PRIMARY KEY);\n";
  const std::string loose = "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER);\n";
  const std::string bound = "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER REFERENCES tune(id));\n";
  write_migration(migrations_dir(), 1, "tables", parent + loose, "DROP TABLE note; DROP TABLE tune;", parent + loose);
  write_migration(migrations_dir(), 2, "note_fk",
                  "CREATE TABLE new_note(id INTEGER PRIMARY KEY, tune_id INTEGER REFERENCES tune(id));\n"
                  "INSERT INTO new_note SELECT * FROM note;\nDROP TABLE note;\nALTER TABLE new_note RENAME TO note;",
                  "SELECT 1;", parent + bound);
  const auto db = path("app.sqlite3");
  auto to_one = quiet();
  to_one.target = 1;
  upgrade(db, migrations(), to_one);
  { sqlite::database(db).execute("INSERT INTO tune VALUES (1); INSERT INTO note VALUES (1, 1), (2, 7), (3, 8);"); }
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::preflight);
  EXPECT_NE(std::string(refused.what()).find("2 rows reference no row of \"tune\""), std::string::npos) << refused.what();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM note"), 3);
}

TEST_F(Applier, RollsBackAMigrationWhoseResultDiffersFromItsSnapshot) {
  const auto db = path("app.sqlite3");
  upgrade(db, migrations(), quiet());
  write_migration(migrations_dir(), 4, "wrong", "CREATE TABLE extra(a);", "DROP TABLE extra;",
                  read_file(migrations_dir() / "snapshots/0003.sql") + "CREATE TABLE extra(a, b);\n");
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::schema_mismatch);
  EXPECT_NE(std::string(refused.what()).find("0004_wrong.sql"), std::string::npos) << refused.what();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3) << "the database stays as it was";
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'extra'"), 0);
}

TEST_F(Applier, ReportsASqliteErrorNamingTheMigration) {
  const auto db = path("app.sqlite3");
  upgrade(db, migrations(), quiet());
  write_migration(migrations_dir(), 4, "broken", "CREATE TABLE nope(", "SELECT 1;", "");
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::failure);
  EXPECT_NE(std::string(refused.what()).find("0004_broken.sql"), std::string::npos) << refused.what();
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3);
}

TEST_F(Applier, AdoptsAnUnversionedDatabaseThatMatchesASnapshot) {
  const auto db = path("legacy.sqlite3");
  {
    sqlite::database legacy(db, sqlite::open_mode::create);
    legacy.execute(read_file(migrations_dir() / "snapshots/0002.sql"));
    legacy.execute("INSERT INTO tune(title) VALUES ('a'), ('b');");
  }
  const auto result = upgrade(db, migrations(), quiet());
  ASSERT_TRUE(result.adopted_as);
  EXPECT_EQ(*result.adopted_as, 2);
  EXPECT_EQ(result.applied, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune WHERE mode = 'major'"), 2);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM litemig_history"), 3);
}

TEST_F(Applier, RefusesAnUnversionedDatabaseThatMatchesNothing) {
  const auto db = path("legacy.sqlite3");
  { sqlite::database(db, sqlite::open_mode::create).execute("CREATE TABLE tune(id INTEGER PRIMARY KEY, name TEXT);"); }
  const auto before = file_sha256(db);
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::schema_mismatch);
  EXPECT_NE(std::string(refused.what()).find("closest is"), std::string::npos) << refused.what();
  EXPECT_NE(std::string(refused.what()).find("to adopt it, bring table \"tune\" to the form"), std::string::npos)
      << refused.what();
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(Applier, AnUnversionedDatabaseDifferingOnlyInAViewIsAdoptedTheWayTheRefusalAdvises) {
  const auto db = path("legacy.sqlite3");
  {
    sqlite::database legacy(db, sqlite::open_mode::create);
    legacy.execute(read_file(migrations_dir() / "snapshots/0002.sql"));
    legacy.execute("CREATE VIEW titles AS SELECT title FROM tune; INSERT INTO tune(title) VALUES ('a');");
  }
  const auto before = file_sha256(db);
  for (const auto& refused : {failure_of([&] { upgrade(db, migrations(), quiet()); }),
                              failure_of([&] { stamp(db, migrations(), std::nullopt); })}) {
    EXPECT_EQ(refused.code(), exit_code::schema_mismatch);
    EXPECT_NE(std::string(refused.what()).find("only view \"titles\" differs, which holds no data: to adopt it, run "
                                               "`litemig stamp --to 2 --db " + db.string() + "`"),
              std::string::npos)
        << refused.what();
  }
  EXPECT_EQ(file_sha256(db), before);

  EXPECT_EQ(stamp(db, migrations(), 2), 2);
  const auto result = upgrade(db, migrations(), quiet());
  EXPECT_EQ(result.applied, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'titles'"), 0);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune"), 1);
  EXPECT_TRUE(check(db, migrations()).empty());
}

TEST_F(Applier, StampsExplicitlyAndAutomatically) {
  const auto db = path("legacy.sqlite3");
  { sqlite::database(db, sqlite::open_mode::create).execute(read_file(migrations_dir() / "snapshots/0003.sql")); }
  EXPECT_EQ(stamp(db, migrations(), std::nullopt), 3);
  EXPECT_EQ(current(db).version, 3);
  EXPECT_TRUE(current(db).has_bookkeeping);
  EXPECT_EQ(stamp(db, migrations(), 1), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM litemig_history"), 1);
  const auto entries = history(migrations(), db);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].status, history_entry::state::applied);
  EXPECT_EQ(entries[1].status, history_entry::state::pending);
}

TEST_F(Applier, HistoryReportsEditedMigrations) {
  const auto db = path("app.sqlite3");
  upgrade(db, migrations(), quiet());
  write_file(migrations_dir() / "0002_notes.sql", read_file(migrations_dir() / "0002_notes.sql") + "-- x\n");
  const auto entries = history(migrations(), db);
  EXPECT_EQ(entries[1].status, history_entry::state::checksum_mismatch);
  EXPECT_TRUE(entries[1].applied_at.has_value());
}

TEST_F(Applier, ReportsALockedDatabaseAsBusy) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations_dir(), 2);
  sqlite::database holder(db);
  holder.execute("BEGIN EXCLUSIVE");
  auto options = quiet();
  options.busy_timeout = std::chrono::milliseconds(200);
  EXPECT_EQ(failure_of([&] { upgrade(db, migrations(), options); }).code(), exit_code::busy);
  holder.execute("ROLLBACK");
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
}

TEST_F(Applier, RemovesADatabaseItCreatedWhenTheFirstMigrationFails) {
  fs::remove_all(migrations_dir());
  write_migration(migrations_dir(), 1, "broken", "CREATE TABLE t(", "SELECT 1;", "CREATE TABLE t(a);");
  const auto db = path("new.sqlite3");
  EXPECT_EQ(failure_of([&] { upgrade(db, migrations(), quiet()); }).code(), exit_code::failure);
  EXPECT_FALSE(fs::exists(db));
}

TEST_F(Applier, ReportsFreePagesAndVacuumsThemWhenAsked) {
  fs::remove_all(migrations_dir());
  const std::string wide = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, abc TEXT);\n";
  const std::string narrow = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
  write_migration(migrations_dir(), 1, "tune", wide, "DROP TABLE tune;", wide);
  write_migration(migrations_dir(), 2, "rebuild",
                  "CREATE TABLE new_tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n"
                  "INSERT INTO new_tune SELECT id, title FROM tune;\nDROP TABLE tune;\nALTER TABLE new_tune RENAME TO tune;",
                  "SELECT 1;", narrow);
  for (const bool vacuum : {false, true}) {
    const auto db = path(vacuum ? "vacuumed.sqlite3" : "kept.sqlite3");
    auto to_one = quiet();
    to_one.target = 1;
    upgrade(db, migrations(), to_one);
    sqlite::database(db).execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
        "INSERT INTO tune(title, abc) SELECT 'tune ' || i, printf('%.500c', 'x') FROM n");
    std::vector<std::string> lines;
    auto options = quiet();
    options.vacuum = vacuum;
    options.log = [&](const std::string& line) { lines.push_back(line); };
    upgrade(db, migrations(), options);
    const auto free_pages = query_int(db, "PRAGMA freelist_count");
    const auto said = [&](const std::string& text) {
      return std::any_of(lines.begin(), lines.end(), [&](const auto& l) { return l.find(text) != std::string::npos; });
    };
    if (vacuum) {
      EXPECT_EQ(free_pages, 0);
      EXPECT_TRUE(said("VACUUM reclaimed"));
    } else {
      EXPECT_GT(free_pages, 200);
      EXPECT_TRUE(said("MiB of free pages left by the migration"));
    }
    EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune"), 2000);
  }
}

TEST_F(Applier, WorksOnWriteAheadLogDatabases) {
  const auto db = path("wal.sqlite3");
  create_library_database(db, migrations_dir(), 4);
  sqlite::database reader(db);
  EXPECT_EQ(reader.query_text("PRAGMA journal_mode = WAL"), "wal");
  reader.execute("INSERT INTO tune(title) VALUES ('only in the log')");
  EXPECT_FALSE(is_current(db, library_latest));
  auto options = quiet(true);
  options.backup_dir = path("backups");
  const auto result = upgrade(db, migrations(), options);
  EXPECT_TRUE(is_current(db, library_latest)) << "the version is read from the log, not the stale header";
  EXPECT_EQ(reader.query_int("SELECT count(*) FROM note"), 5) << "four tunes and the one added in the log";
  ASSERT_TRUE(result.backup);
  EXPECT_EQ(query_int(*result.backup, "SELECT count(*) FROM tune WHERE title = 'only in the log'"), 1)
      << "the backup holds what was committed to the log";
}

TEST_F(Applier, PreflightCountsRowsFailingANewCheckAndUniqueColumn) {
  fs::remove_all(migrations_dir());
  const std::string before = "CREATE TABLE tune(id INTEGER PRIMARY KEY, code TEXT, bpm INTEGER);\n";
  const std::string after =
      "CREATE TABLE tune(id INTEGER PRIMARY KEY, code TEXT UNIQUE, bpm INTEGER CHECK (bpm BETWEEN 40 AND 240));\n";
  write_migration(migrations_dir(), 1, "tune", before, "DROP TABLE tune;", before);
  write_migration(migrations_dir(), 2, "constraints",
                  "CREATE TABLE new_tune(id INTEGER PRIMARY KEY, code TEXT UNIQUE, bpm INTEGER CHECK (bpm BETWEEN 40 AND 240));\n"
                  "INSERT INTO new_tune SELECT * FROM tune;\nDROP TABLE tune;\nALTER TABLE new_tune RENAME TO tune;",
                  "SELECT 1;", after);
  const auto db = path("app.sqlite3");
  auto to_one = quiet();
  to_one.target = 1;
  upgrade(db, migrations(), to_one);
  {
    sqlite::database(db).execute(
        "INSERT INTO tune VALUES (1, 'a', 120), (2, 'a', 300), (3, 'b', 10), (4, 'c', NULL), (5, NULL, 90), (6, NULL, 95)");
  }
  const auto refused = failure_of([&] { upgrade(db, migrations(), quiet()); });
  EXPECT_EQ(refused.code(), exit_code::preflight);
  const std::string message = refused.what();
  EXPECT_NE(message.find("CHECK (bpm between 40 and 240): 2 rows violate it (e.g. id=2, id=3)"), std::string::npos)
      << message;
  EXPECT_NE(message.find("UNIQUE (code): 1 value occurs more than once, in 2 rows (e.g. ('a') x2)"), std::string::npos)
      << message;
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune"), 6);
}

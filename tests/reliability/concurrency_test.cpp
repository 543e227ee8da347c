// Concurrency: many launches of the product at once on one old database, and an upgrade that
// meets a reader holding a long read transaction.
#include "reliability_support.hpp"

#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

using namespace litemig::reliability;
using litemig::sqlite::database;

namespace {

constexpr int launches = 8;

class Concurrency : public reliability_test {
 protected:
  fs::path product_migrations() const { return fs::path(LITEMIG_SOURCE_DIR) / "schema" / "migrations"; }
  fs::path fixture_copy(const std::string& name) const {
    const auto copy = path(name);
    fs::copy_file(fs::path(LITEMIG_SOURCE_DIR) / "tests" / "fixtures" / "tunetrees_v1.sqlite3", copy);
    return copy;
  }
  // How the product starts on DB: the tunetrees app when it is built, else `litemig upgrade`.
  std::vector<std::string> product_launch(const fs::path& db) const {
#ifdef TUNETREES_APP
    return {TUNETREES_APP, "--db", db.string()};
#else
    return {LITEMIG_CLI, "upgrade", "--db", db.string(), "--dir", product_migrations().string()};
#endif
  }
};

// Three small migrations: tunes, notes copied from tunes, a mode column.
void write_small_migrations(const fs::path& dir) {
  const std::string tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
  const std::string note = "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n";
  const std::string tune_with_mode =
      "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'major');\n";
  write_migration(dir, 1, "initial", tune, "DROP TABLE tune;", tune);
  write_migration(dir, 2, "notes", note + "INSERT INTO note(tune_id, body) SELECT id, 'imported' FROM tune;",
                  "DROP TABLE note;", tune + note);
  write_migration(dir, 3, "tune_mode", "ALTER TABLE tune ADD COLUMN mode TEXT NOT NULL DEFAULT 'major';",
                  "ALTER TABLE tune DROP COLUMN mode;", tune_with_mode + note);
}

class LongReader : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_small_migrations(migrations());
    auto created = run_litemig({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--to", "1"}, dir_);
    ASSERT_EQ(created.exit_code, 0) << created.err;
    database(db()).execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
        "INSERT INTO tune(title) SELECT 'tune ' || i FROM n");
  }
  fs::path migrations() const { return path("migrations"); }
  fs::path db() const { return path("app.sqlite3"); }
  std::vector<std::string> upgrade_args(const std::string& busy_timeout) const {
    return {LITEMIG_CLI, "upgrade", "--db", db().string(), "--dir", migrations().string(), "--no-backup",
            "--busy-timeout", busy_timeout};
  }
};

}  // namespace

TEST_F(Concurrency, EightProductLaunchesOnOneOldDatabaseMigrateItOnce) {
  const auto db = fixture_copy("tunetrees.sqlite3");
  const auto before = content_digest(db);
  const auto rows_before = row_counts(db);
  const auto latest = litemig::migration_set::from_directory(product_migrations()).latest_version();
  ASSERT_GT(latest, 1);

  std::vector<pid_t> running;
  for (int i = 0; i < launches; ++i) {
    running.push_back(start({product_launch(db), {}, path(fmt::format("launch{}.out", i)), path(fmt::format("launch{}.err", i))}));
  }
  int migrating_launches = 0;
  for (int i = 0; i < launches; ++i) {
    EXPECT_EQ(wait_for(running[static_cast<std::size_t>(i)]), 0) << read_file(path(fmt::format("launch{}.err", i)));
    const auto said = read_file(path(fmt::format("launch{}.out", i)));
    if (contains(said, "from schema version 1 to") || contains(said, "upgraded from 1 to")) ++migrating_launches;
  }
  EXPECT_EQ(migrating_launches, 1) << "exactly one launch migrates; the others find the database current";

  EXPECT_EQ(query_text(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), latest);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM litemig_history"), latest);
  EXPECT_EQ(query_int(db, "SELECT count(DISTINCT version) FROM litemig_history"), latest) << "a migration recorded twice";
  EXPECT_EQ(query_int(db, "SELECT min(version) FROM litemig_history"), 1);
  EXPECT_EQ(query_int(db, "SELECT max(version) FROM litemig_history"), latest);
  EXPECT_EQ(row_counts(db), rows_before) << "a launch lost or duplicated rows";

  // Only the process that migrated wrote a backup, and it holds the database as it was.
  std::vector<fs::path> backups;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with("tunetrees.") && name != "tunetrees.sqlite3" && entry.path().extension() == ".sqlite3") {
      backups.push_back(entry.path());
    }
  }
#ifdef TUNETREES_APP
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(content_digest(backups.front()), before);
#else
  EXPECT_EQ(backups.size(), 1u);
#endif
}

TEST_F(LongReader, AnUpgradeBlockedBeyondTheBusyTimeoutExitsSevenAndChangesNothing) {
  const auto before = file_sha256(db());
  database reader(db(), litemig::sqlite::open_mode::read_only);
  reader.execute("BEGIN");
  const auto seen = reader.query_int("SELECT count(*) FROM tune");

  const auto refused = run(upgrade_args("0.5"), dir_);
  EXPECT_EQ(refused.exit_code, 7) << refused.err;
  EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
  EXPECT_TRUE(contains(refused.err, db().string())) << refused.err;
  EXPECT_EQ(reader.query_int("SELECT count(*) FROM tune"), seen) << "the reader's view changed";
  reader.execute("COMMIT");

  EXPECT_EQ(file_sha256(db()), before);
  auto journal = db();
  journal += "-journal";
  EXPECT_FALSE(fs::exists(journal));
  EXPECT_EQ(query_text(db(), "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_int(db(), "PRAGMA user_version"), 1);
}

TEST_F(LongReader, AnUpgradeWaitsForAReaderThatFinishesWithinTheBusyTimeout) {
  database reader(db(), litemig::sqlite::open_mode::read_only);
  reader.execute("BEGIN");
  EXPECT_EQ(reader.query_int("SELECT count(*) FROM tune"), 500);

  const pid_t upgrading = start({upgrade_args("60"), {}, path("upgrade.out"), path("upgrade.err")});
  // The upgrade cannot commit while the read transaction lasts; ending it lets the upgrade finish.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(reader.user_version(), 1) << "the upgrade committed past a reader's shared lock";
  reader.execute("COMMIT");
  EXPECT_EQ(wait_for(upgrading), 0) << read_file(path("upgrade.err"));

  EXPECT_EQ(query_text(db(), "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_int(db(), "PRAGMA user_version"), 3);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM note"), 500);
}

TEST_F(LongReader, InWalModeTheReaderKeepsItsSnapshotWhileTheUpgradeCommits) {
  database(db()).execute("PRAGMA journal_mode = WAL");
  database reader(db(), litemig::sqlite::open_mode::read_only);
  reader.execute("BEGIN");
  EXPECT_EQ(reader.query_int("SELECT count(*) FROM tune"), 500);

  const auto upgraded = run(upgrade_args("5"), dir_);
  EXPECT_EQ(upgraded.exit_code, 0) << upgraded.err;
  EXPECT_EQ(reader.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'note'"), 0) << "the reader saw a change";
  EXPECT_EQ(reader.query_int("SELECT count(*) FROM tune"), 500);
  reader.execute("COMMIT");

  EXPECT_EQ(query_text(db(), "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_int(db(), "PRAGMA user_version"), 3);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM note"), 500);
}

TEST_F(Concurrency, TheFilesOfALaunchKilledWhileCreatingTheDatabaseAreRemovedByTheNextOne) {
  const auto migrations = path("migrations");
  write_tune_and_note_migrations(migrations);
  const auto db = path("app.sqlite3");
  const auto an_hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  const auto leftover = [&](const std::string& letters) {
    const auto file = path("app.sqlite3.litemig-new-" + letters);
    write_file(file, "half a database");
    fs::last_write_time(file, an_hour_ago);
    return file;
  };
  const auto abandoned = leftover("abandoned0");
  write_file(abandoned.string() + "-journal", "its journal");
  const auto held = leftover("held000000");
  const auto fresh = path("app.sqlite3.litemig-new-fresh00000");
  write_file(fresh, "a launch that has only just created it");
  const auto not_ours = leftover("not-random");
  // A live process holds its file (new_file keeps it locked until it publishes or removes it).
  const int held_fd = ::open(held.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held_fd, 0);
  ASSERT_EQ(::flock(held_fd, LOCK_EX | LOCK_NB), 0);

  const auto result = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations.string()}, dir_);
  ::close(held_fd);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
  EXPECT_FALSE(fs::exists(abandoned));
  EXPECT_FALSE(fs::exists(abandoned.string() + "-journal"));
  EXPECT_TRUE(fs::exists(held));
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_TRUE(fs::exists(not_ours));
}

// A backup is as large as its database: one that a killed process left half written is removed by
// the next backup of that database, and nothing else is.
TEST_F(Concurrency, ThePartialBackupOfAKilledProcessIsRemovedByTheNextBackup) {
  const auto migrations = path("migrations");
  write_tune_and_note_migrations(migrations);
  const auto db = path("app.sqlite3");
  ASSERT_EQ(run_litemig({"upgrade", "--db", db.string(), "--dir", migrations.string(), "--to", "1"}, dir_).exit_code, 0);
  const auto backups = path("backups");
  fs::create_directories(backups);
  const auto an_hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  const auto leftover = [&](const std::string& name) {
    const auto file = backups / name;
    write_file(file, "half a backup");
    fs::last_write_time(file, an_hour_ago);
    return file;
  };
  const auto abandoned = leftover("app.20261130T101500Z.v1-v2.partial-abandoned0");
  const auto held = leftover("app.20261130T101500Z.v1-v2.partial-held000000");
  const auto other_database = leftover("other.20261130T101500Z.v1-v2.partial-abandoned0");
  const auto not_a_backup_name = leftover("app.yesterday.v1-v2.partial-abandoned0");
  const auto fresh = backups / "app.20261130T101500Z.v1-v2.partial-fresh00000";
  write_file(fresh, "a backup being written right now");
  const auto link = backups / "app.20261130T101500Z.v1-v2.partial-alink00000";
  fs::create_symlink(db, link);
  const int held_fd = ::open(held.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held_fd, 0);
  ASSERT_EQ(::flock(held_fd, LOCK_EX | LOCK_NB), 0);

  const auto result =
      run_litemig({"upgrade", "--db", db.string(), "--dir", migrations.string(), "--backup-dir", backups.string()}, dir_);
  ::close(held_fd);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(fs::exists(abandoned));
  for (const auto& kept : {held, other_database, not_a_backup_name, fresh}) EXPECT_TRUE(fs::exists(kept)) << kept;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
}

// Every file litemig writes under a temporary name is swept the same way: here the sum file that
// `hash` rewrites, left half written by a killed `hash`.
TEST_F(Concurrency, ATemporaryFileOfAKilledCommandIsRemovedByTheNextWriteOfItsKind) {
  const auto migrations = path("migrations");
  write_tune_and_note_migrations(migrations);
  const auto abandoned = migrations / "litemig.sum.tmp-abandoned0";
  write_file(abandoned, "half a sum");
  fs::last_write_time(abandoned, fs::file_time_type::clock::now() - std::chrono::hours(1));
  const auto other_kind = migrations / "notes.txt.tmp-abandoned0";
  write_file(other_kind, "someone else's");
  fs::last_write_time(other_kind, fs::file_time_type::clock::now() - std::chrono::hours(1));

  const auto result = run_litemig({"hash", "--dir", migrations.string()}, dir_);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(fs::exists(abandoned));
  EXPECT_TRUE(fs::exists(other_kind));
}

// Crash safety: kill -9 the applier at 20 seeded moments while it rebuilds a large table. Every
// time the database must open, pass integrity_check, and hold exactly the old or the new data at
// the matching version; a rerun must then finish the migration.
#include "reliability_support.hpp"

#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <iostream>
#include <random>
#include <thread>

using namespace litemig::reliability;

namespace {

constexpr int tune_rows = 200000;
constexpr int kill_moments = 20;
constexpr std::uint32_t kill_seed = 20261125;

const std::string old_tune =
    "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, plays INTEGER);\n"
    "CREATE INDEX tune_title ON tune(title);\n";
const std::string new_tune =
    "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'major', "
    "plays REAL CHECK (plays >= 0));\n"
    "CREATE INDEX tune_title ON tune(title);\n";

// The documented rebuild: new table, copy, drop, rename, indexes.
const std::string rebuild_up =
    "CREATE TABLE \"litemig_new_tune\"(id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'major', "
    "plays REAL CHECK (plays >= 0));\n"
    "INSERT INTO \"litemig_new_tune\"(id, title, plays) SELECT id, title, plays FROM tune;\n"
    "DROP TABLE tune;\n"
    "ALTER TABLE \"litemig_new_tune\" RENAME TO tune;\n"
    "CREATE INDEX tune_title ON tune(title);";
const std::string rebuild_down =
    "CREATE TABLE \"litemig_new_tune\"(id INTEGER PRIMARY KEY, title TEXT NOT NULL, plays INTEGER);\n"
    "INSERT INTO \"litemig_new_tune\"(id, title, plays) SELECT id, title, CAST(plays AS INTEGER) FROM tune;\n"
    "DROP TABLE tune;\n"
    "ALTER TABLE \"litemig_new_tune\" RENAME TO tune;\n"
    "CREATE INDEX tune_title ON tune(title);";

class CrashSafety : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_migration(migrations(), 1, "initial", old_tune, "DROP TABLE tune;", old_tune);
    write_migration(migrations(), 2, "rebuild_tune", "-- litemig:foreign-key-check\n" + rebuild_up,
                    "-- litemig:foreign-key-check\n" + rebuild_down, new_tune);
  }
  fs::path migrations() const { return path("migrations"); }
  std::vector<std::string> upgrade_args(const fs::path& db) const {
    return {LITEMIG_CLI, "upgrade", "--db", db.string(), "--dir", migrations().string(), "--backup-dir",
            path("backups").string()};
  }
};

}  // namespace

TEST_F(CrashSafety, AKillAtAnyOfTwentyMomentsOfATableRebuildLosesNothing) {
  const auto original = path("original.sqlite3");
  auto created = run_litemig({"upgrade", "--db", original.string(), "--dir", migrations().string(), "--to", "1"}, dir_);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  {
    litemig::sqlite::database db(original);
    db.execute(fmt::format(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) "
        "INSERT INTO tune(title, plays) SELECT printf('tune %06d', (i * 7919) % {}), (i * 31) % 1000 FROM n",
        tune_rows, tune_rows));
  }
  const auto old_data = table_digest(original, "tune");

  // A full, uninterrupted run gives the new data and the duration the kill moments spread over.
  const auto reference = path("reference.sqlite3");
  fs::copy_file(original, reference);
  const auto started = std::chrono::steady_clock::now();
  const auto completed = run(upgrade_args(reference), dir_);
  const auto duration = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(completed.exit_code, 0) << completed.err;
  const auto new_data = table_digest(reference, "tune");
  ASSERT_NE(old_data, new_data);
  fs::remove_all(path("backups"));

  std::mt19937 random(kill_seed);
  std::uniform_real_distribution<double> fraction(0.02, 1.0);
  int at_old = 0;
  int at_new = 0;
  int with_journal = 0;
  for (int moment = 0; moment < kill_moments; ++moment) {
    const auto delay = std::chrono::duration_cast<std::chrono::microseconds>(duration * fraction(random));
    SCOPED_TRACE(fmt::format("kill {} after {} us", moment, delay.count()));
    const auto db = path(fmt::format("killed{}.sqlite3", moment));
    fs::copy_file(original, db);
    const pid_t running = start({upgrade_args(db), {}, path("killed.out"), path("killed.err")});
    std::this_thread::sleep_for(delay);
    ::kill(running, SIGKILL);
    const int status = wait_for(running);
    ASSERT_TRUE(status == 128 + SIGKILL || status == 0) << read_file(path("killed.err"));
    auto journal = db;
    journal += "-journal";
    if (fs::exists(journal)) ++with_journal;

    std::int64_t version = 0;
    {
      // Opening for writing rolls a hot journal back, as the next launch of an application does.
      litemig::sqlite::database reopened(db);
      EXPECT_EQ(reopened.query_text("PRAGMA integrity_check"), "ok");
      version = reopened.user_version();
      EXPECT_EQ(reopened.query_int("SELECT max(version) FROM litemig_history"), version);
      EXPECT_EQ(reopened.query_int("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'litemig_new_%'"), 0);
    }
    ASSERT_TRUE(version == 1 || version == 2) << version;
    EXPECT_EQ(table_digest(db, "tune"), version == 1 ? old_data : new_data) << "version " << version;
    ++(version == 1 ? at_old : at_new);

    // Whatever a killed run left in the backup folder is complete or marked partial (their
    // permissions are Backups.AKillDuringTheBackupLeavesNothingOthersCanRead's concern).
    std::error_code no_backups;
    for (const auto& entry : fs::directory_iterator(path("backups"), no_backups)) {
      if (contains(entry.path().filename().string(), ".partial")) continue;
      EXPECT_EQ(query_text(entry.path(), "PRAGMA integrity_check"), "ok") << entry.path();
      EXPECT_EQ(table_digest(entry.path(), "tune"), old_data) << entry.path();
    }
    fs::remove_all(path("backups"));

    const auto rerun = run(upgrade_args(db), dir_);
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
    EXPECT_EQ(table_digest(db, "tune"), new_data);
    fs::remove_all(path("backups"));
    fs::remove(db);
  }
  std::cout << fmt::format("{} kills: {} left the old version ({} with a hot journal), {} the new one\n", kill_moments,
                           at_old, with_journal, at_new);
}

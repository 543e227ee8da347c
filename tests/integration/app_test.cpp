// The tunetrees app as users run it: a real process on real database files.
#include "litemig/sqlite.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>


#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using litemig::sqlite::database;

namespace {

using litemig::testing::process_result;
using litemig::testing::row_counts;

process_result run_app(const std::string& arguments) { return litemig::testing::run_shell("\"" + std::string(TUNETREES_APP) + "\" " + arguments); }


std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class TunetreesApp : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device entropy;
    dir_ = fs::temp_directory_path() / ("tunetrees-test-" + std::to_string(entropy()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A copy of the version-1 fixture with real data.
  fs::path fixture_copy() {
    const auto fixture = fs::path(LITEMIG_SOURCE_DIR) / "tests" / "fixtures" / "tunetrees_v1.sqlite3";
    const auto copy = dir_ / "tunetrees.sqlite3";
    fs::copy_file(fixture, copy);
    return copy;
  }

  std::string db_argument(const fs::path& db) { return "--db \"" + db.string() + "\""; }

  fs::path dir_;
};

}  // namespace

TEST_F(TunetreesApp, MigratesAnOldDatabaseOnLaunchAndKeepsEveryRow) {
  const auto db = fixture_copy();
  const auto before = row_counts(db);
  ASSERT_EQ(database(db).user_version(), 1);

  const auto launch = run_app(db_argument(db));
  ASSERT_EQ(launch.exit_code, 0) << launch.out;
  EXPECT_NE(launch.out.find("from schema version 1 to"), std::string::npos) << launch.out;
  EXPECT_NE(launch.out.find("backup:"), std::string::npos) << launch.out;
  EXPECT_NE(launch.out.find("The Silver Spear"), std::string::npos) << launch.out;
  EXPECT_NE(launch.out.find("Due now:"), std::string::npos) << launch.out;

  EXPECT_EQ(row_counts(db), before);
  database migrated(db);
  EXPECT_GT(migrated.user_version(), 1);
  // The renamed column kept its values.
  EXPECT_EQ(migrated.query_text("SELECT scheduled FROM playlist_tune WHERE playlist_ref = 1 AND tune_ref = 1"),
            "2025-01-10 00:00:00");
  EXPECT_EQ(migrated.query_text("PRAGMA integrity_check"), "ok");

  const auto second = run_app(db_argument(db));
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(second.out.find("migrated"), std::string::npos) << second.out;
}

TEST_F(TunetreesApp, SaysOnceThatALongMigrationCanTakeAWhileThenWhatItDid) {
  const auto db = fixture_copy();
  // Two million practice records: migration 0005 rebuilds their table for well over a second.
  database(db).execute(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) "
      "INSERT INTO practice_record(playlist_ref, tune_ref, practiced, quality) "
      "SELECT 1, 1, printf('2020-01-01 %07d', i), 3 FROM n;");
  const auto launch = run_app(db_argument(db) + " --no-backup");
  ASSERT_EQ(launch.exit_code, 0) << launch.out;
  const std::string line = "tunetrees: migrating the database (this can take a while)\n";
  const auto notice = launch.out.find(line);
  ASSERT_NE(notice, std::string::npos) << launch.out;
  EXPECT_EQ(launch.out.find("this can take a while", notice + line.size()), std::string::npos) << "said once";
  EXPECT_GT(launch.out.find("from schema version 1 to"), notice) << launch.out;
}

TEST_F(TunetreesApp, RecordsAPracticeAndTakesTheTuneOffTheDueList) {
  const auto db = fixture_copy();
  const auto due_before = run_app(db_argument(db) + " --no-backup due --playlist 1");
  ASSERT_EQ(due_before.exit_code, 0) << due_before.out;
  ASSERT_NE(due_before.out.find("The Butterfly"), std::string::npos) << due_before.out;

  const auto practice = run_app(db_argument(db) + " practice --playlist 1 --tune 3 --quality 4");
  ASSERT_EQ(practice.exit_code, 0) << practice.out;
  EXPECT_NE(practice.out.find("Recorded a practice of tune 3"), std::string::npos) << practice.out;

  const auto due_after = run_app(db_argument(db) + " due --playlist 1");
  ASSERT_EQ(due_after.exit_code, 0) << due_after.out;
  EXPECT_EQ(due_after.out.find("The Butterfly"), std::string::npos) << due_after.out;

  const auto refused = run_app(db_argument(db) + " practice --playlist 1 --tune 3 --quality 9");
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
}

TEST_F(TunetreesApp, DbCommandsExposeTheRuntime) {
  const auto db = fixture_copy();
  const auto current = run_app(db_argument(db) + " db current --json");
  ASSERT_EQ(current.exit_code, 0) << current.out;
  EXPECT_NE(current.out.find("\"version\": 1"), std::string::npos) << current.out;

  const auto history = run_app(db_argument(db) + " db history");
  ASSERT_EQ(history.exit_code, 0) << history.out;
  EXPECT_NE(history.out.find("pending"), std::string::npos) << history.out;

  const auto upgrade = run_app(db_argument(db) + " --no-backup db upgrade --to 2");
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.out;
  EXPECT_EQ(database(db).user_version(), 2);

  const auto check = run_app(db_argument(db) + " db check --json");
  ASSERT_EQ(check.exit_code, 0) << check.out;
  EXPECT_NE(check.out.find("\"matches\": true"), std::string::npos) << check.out;

  const auto downgrade = run_app(db_argument(db) + " --no-backup db downgrade --to 1");
  ASSERT_EQ(downgrade.exit_code, 0) << downgrade.out;
  EXPECT_EQ(database(db).user_version(), 1);
}

TEST_F(TunetreesApp, DemoCreatesAnEarlyDatabaseAndMigratesIt) {
  const auto db = dir_ / "demo.sqlite3";
  const auto demo = run_app(db_argument(db) + " --demo");
  ASSERT_EQ(demo.exit_code, 0) << demo.out;
  EXPECT_NE(demo.out.find("created demo database"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("from schema version 1 to"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("Recorded a practice"), std::string::npos) << demo.out;
  const auto version = run_app(db_argument(db) + " version");
  ASSERT_EQ(version.exit_code, 0) << version.out;
  const auto schema_version = litemig::sqlite::database(db, litemig::sqlite::open_mode::read_only).user_version();
  EXPECT_NE(version.out.find("at schema version " + std::to_string(schema_version)), std::string::npos)
      << version.out;
}

TEST_F(TunetreesApp, RefusesADatabaseNewerThanItsMigrationsAndLeavesItAlone) {
  const auto db = fixture_copy();
  database(db).set_user_version(999);
  const auto bytes = file_bytes(db);
  const auto launch = run_app(db_argument(db));
  EXPECT_EQ(launch.exit_code, 5) << launch.out;
  EXPECT_EQ(launch.out.find('\n'), launch.out.size() - 1) << "one line expected: " << launch.out;
  EXPECT_EQ(file_bytes(db), bytes);
}

// End to end: the real litemig binary on real files, as a user or a deployment script runs it.
#include "runtime_test_support.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using namespace litemig;
using namespace litemig::testing;

namespace {

class Cli : public runtime_test {
 protected:
  void SetUp() override {
    runtime_test::SetUp();
    write_library_migrations(migrations());
  }
  fs::path migrations() const { return path("migrations"); }
  process_result litemig(std::vector<std::string> args) { return run_litemig(std::move(args), dir_); }
  std::vector<std::string> upgrade_args(const fs::path& db) const {
    return {"upgrade", "--db", db.string(), "--dir", migrations().string(), "--no-backup"};
  }
};

}  // namespace

TEST_F(Cli, UpgradesAndDowngradesAcrossSeveralMigrationsWithData) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations(), 25);

  auto up = litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--backup-dir", path("backups").string()});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_TRUE(contains(up.out, "upgraded from 1 to 3")) << up.out;
  EXPECT_TRUE(contains(up.out, "0002_notes.sql")) << up.out;
  EXPECT_EQ(std::distance(fs::directory_iterator(path("backups")), fs::directory_iterator()), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM note"), 25);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune WHERE mode = 'major'"), 25);

  auto now = litemig({"current", "--db", db.string(), "--json"});
  ASSERT_EQ(now.exit_code, 0) << now.err;
  EXPECT_TRUE(contains(now.out, "\"version\": 3")) << now.out;
  EXPECT_TRUE(contains(now.out, "\"name\": \"tune_mode\"")) << now.out;

  auto listed = litemig({"history", "--dir", migrations().string(), "--db", db.string()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(contains(listed.out, "0003  tune_mode")) << listed.out;
  EXPECT_EQ(listed.out.find("pending"), std::string::npos) << listed.out;

  EXPECT_EQ(litemig({"check", "--db", db.string(), "--dir", migrations().string()}).exit_code, 0);

  auto down = litemig({"downgrade", "--db", db.string(), "--dir", migrations().string(), "--to", "1", "--no-backup"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_TRUE(contains(down.out, "downgraded from 3 to 1")) << down.out;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune"), 25);

  auto again = litemig(upgrade_args(db));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM note"), 25);
}

TEST_F(Cli, CheckExitsFourWithTheDifferences) {
  const auto db = path("app.sqlite3");
  ASSERT_EQ(litemig(upgrade_args(db)).exit_code, 0);
  { sqlite::database(db).execute("ALTER TABLE note ADD COLUMN rating INTEGER"); }
  auto checked = litemig({"check", "--db", db.string(), "--dir", migrations().string()});
  EXPECT_EQ(checked.exit_code, 4);
  EXPECT_TRUE(contains(checked.out, "rating")) << checked.out;
  auto as_json = litemig({"check", "--db", db.string(), "--dir", migrations().string(), "--json"});
  EXPECT_EQ(as_json.exit_code, 4);
  EXPECT_TRUE(contains(as_json.out, "\"matches\": false")) << as_json.out;
}

TEST_F(Cli, EightConcurrentLaunchesMigrateOnceAndAllSucceed) {
  const auto db = path("shared.sqlite3");
  create_library_database(db, migrations(), 200);
  std::vector<pid_t> launches;
  for (int i = 0; i < 8; ++i) {
    launches.push_back(
        start({litemig_argv(upgrade_args(db)), std::nullopt, path("out" + std::to_string(i)), path("err" + std::to_string(i))}));
  }
  for (std::size_t i = 0; i < launches.size(); ++i) {
    EXPECT_EQ(wait_for(launches[i]), 0) << read_file(path("err" + std::to_string(i)));
  }
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM litemig_history"), 3);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM note"), 200) << "the data migration ran exactly once";
  int applied_lines = 0;
  for (int i = 0; i < 8; ++i) {
    const auto out = read_file(path("out" + std::to_string(i)));
    for (std::size_t at = out.find("applying "); at != std::string::npos; at = out.find("applying ", at + 1)) ++applied_lines;
  }
  EXPECT_EQ(applied_lines, 2) << "each pending migration applied by exactly one process";
}

TEST_F(Cli, AKillDuringALongMigrationLeavesTheOldVersion) {
  write_migration(migrations(), 4, "slow",
                  "CREATE TABLE slow(n INTEGER);\n"
                  "INSERT INTO slow SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                  "WHERE x < 4000000000) SELECT x FROM c);",
                  "DROP TABLE slow;", read_file(migrations() / "snapshots/0003.sql") + "CREATE TABLE slow(n INTEGER);\n");
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations(), 50);
  auto to_three = upgrade_args(db);
  to_three.insert(to_three.end(), {"--to", "3"});
  ASSERT_EQ(litemig(to_three).exit_code, 0);

  const pid_t running = start({litemig_argv(upgrade_args(db)), std::nullopt, path("slow.out"), path("slow.err")});
  auto journal = db;
  journal += "-journal";
  // The rollback journal appears with the migration's first write: the kill lands mid-transaction.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(journal) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(fs::exists(journal)) << read_file(path("slow.err"));
  ::kill(running, SIGKILL);
  EXPECT_EQ(wait_for(running), 128 + SIGKILL);

  sqlite::database reopened(db);
  EXPECT_EQ(reopened.query_text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(reopened.user_version(), 3);
  EXPECT_EQ(reopened.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'slow'"), 0);
  EXPECT_EQ(reopened.query_int("SELECT max(version) FROM litemig_history"), 3);
  EXPECT_EQ(reopened.query_int("SELECT count(*) FROM note"), 50);
}

TEST_F(Cli, AnEditedMigrationIsRefusedWithExitSix) {
  const auto db = path("app.sqlite3");
  ASSERT_EQ(litemig(upgrade_args(db)).exit_code, 0);
  write_file(migrations() / "0002_notes.sql", read_file(migrations() / "0002_notes.sql") + "-- tidied up\n");
  write_migration(migrations(), 4, "more", "CREATE TABLE more(a);", "DROP TABLE more;",
                  read_file(migrations() / "snapshots/0003.sql") + "CREATE TABLE more(a);\n");
  const auto before = file_sha256(db);
  auto refused = litemig(upgrade_args(db));
  EXPECT_EQ(refused.exit_code, 6);
  EXPECT_TRUE(contains(refused.err, "0002_notes.sql")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "checksum mismatch")) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  EXPECT_EQ(file_sha256(db), before);

  auto allowed = upgrade_args(db);
  allowed.push_back("--allow-checksum-mismatch");
  EXPECT_EQ(litemig(allowed).exit_code, 0);
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 4);
}

TEST_F(Cli, AFutureVersionDatabaseIsRefusedUntouched) {
  const auto db = path("app.sqlite3");
  ASSERT_EQ(litemig(upgrade_args(db)).exit_code, 0);
  { sqlite::database(db).set_user_version(42); }
  const auto before = file_sha256(db);
  auto refused = litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()});
  EXPECT_EQ(refused.exit_code, 5);
  EXPECT_TRUE(contains(refused.err, "version 42")) << refused.err;
  EXPECT_EQ(file_sha256(db), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2) << "no backup, no journal left";
}

TEST_F(Cli, ALockedDatabaseExitsSevenAfterTheBusyTimeout) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations(), 3);
  const auto before = file_sha256(db);
  sqlite::database holder(db);
  holder.execute("BEGIN EXCLUSIVE");
  auto args = upgrade_args(db);
  args.insert(args.end(), {"--busy-timeout", "0.3"});
  auto refused = litemig(args);
  holder.execute("ROLLBACK");
  EXPECT_EQ(refused.exit_code, 7);
  EXPECT_TRUE(contains(refused.err, db.string())) << refused.err;
  EXPECT_TRUE(contains(refused.err, "locked")) << refused.err;
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(Cli, AReadOnlyFileIsRefusedWhenItNeedsChanges) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations(), 3);
  ::chmod(db.c_str(), 0444);
  const auto before = file_sha256(db);
  auto refused = litemig(upgrade_args(db));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, "read-only")) << refused.err;
  EXPECT_EQ(file_sha256(db), before);

  ::chmod(db.c_str(), 0644);
  ASSERT_EQ(litemig(upgrade_args(db)).exit_code, 0);
  ::chmod(db.c_str(), 0444);
  EXPECT_EQ(litemig(upgrade_args(db)).exit_code, 0) << "a current read-only database needs nothing";
  EXPECT_EQ(litemig({"current", "--db", db.string()}).exit_code, 0);
}

TEST_F(Cli, ATruncatedFileIsRefusedUnchanged) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations(), 3000);
  fs::resize_file(db, fs::file_size(db) / 2);
  const auto before = file_sha256(db);
  auto refused = litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, db.string())) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(Cli, AFileThatIsNotADatabaseIsRefusedUnchanged) {
  const auto db = path("notes.sqlite3");
  write_file(db, "These are my notes, not a database.\n" + std::string(4096, '.'));
  const auto before = file_sha256(db);
  auto refused = litemig(upgrade_args(db));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, "not a usable SQLite database")) << refused.err;
  EXPECT_EQ(file_sha256(db), before);
  EXPECT_EQ(litemig({"current", "--db", db.string()}).exit_code, 1);
}

TEST_F(Cli, UpgradesManyDatabasesConcurrentlyAndReportsEachOne) {
  for (int i = 0; i < 4; ++i) create_library_database(path("fleet/db" + std::to_string(i) + ".sqlite3"), migrations(), 10);
  write_file(path("fleet/db9.sqlite3"), std::string(5000, 'x'));
  auto report = litemig({"upgrade", "--db", path("fleet").string() + "/db*.sqlite3", "--dir", migrations().string(),
                         "--jobs", "3", "--json", "--no-backup"});
  EXPECT_EQ(report.exit_code, 1);
  EXPECT_EQ(std::count(report.out.begin(), report.out.end(), '\n'), 7) << report.out;
  EXPECT_TRUE(contains(report.out, "\"ok\": false")) << report.out;
  EXPECT_TRUE(contains(report.err, "db9.sqlite3")) << report.err;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(query_int(path("fleet/db" + std::to_string(i) + ".sqlite3"), "PRAGMA user_version"), 3);

  auto plain = litemig({"upgrade", "--db", path("fleet/db0.sqlite3").string(), "--db", path("fleet/db1.sqlite3").string(),
                        "--dir", migrations().string()});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_TRUE(contains(plain.out, "db0.sqlite3: at version 3, nothing to apply")) << plain.out;
  EXPECT_TRUE(contains(plain.out, "db1.sqlite3: at version 3, nothing to apply")) << plain.out;
}

// The fleet's report puts each database's name before its lines: the applier's own lines never
// name it again (they used to, on the free-pages note of a migration that frees pages).
TEST_F(Cli, EachLineOfAFleetNamesItsDatabaseOnce) {
  const auto snapshot = read_file(migrations() / "snapshots/0003.sql");
  write_migration(migrations(), 4, "forget_tunes", "DELETE FROM note;\nDELETE FROM tune;\n", "SELECT 1;\n", snapshot);
  ASSERT_EQ(litemig({"hash", "--dir", migrations().string()}).exit_code, 0);
  std::vector<fs::path> fleet;
  for (int i = 0; i < 2; ++i) {
    fleet.push_back(path("fleet/db" + std::to_string(i) + ".sqlite3"));
    create_library_database(fleet.back(), migrations(), 2000);
  }
  auto report = litemig({"upgrade", "--db", fleet[0].string(), "--db", fleet[1].string(), "--dir",
                         migrations().string(), "--no-backup"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::istringstream lines(report.out);
  int named = 0;
  for (std::string line; std::getline(lines, line);) {
    for (const auto& db : fleet) {
      const auto first = line.find(db.string());
      if (first == std::string::npos) continue;
      ++named;
      EXPECT_EQ(line.find(db.string(), first + 1), std::string::npos) << line;
    }
  }
  EXPECT_GE(named, 4) << report.out;
  EXPECT_TRUE(contains(report.out, "of free pages left by the migration")) << report.out;
}

TEST_F(Cli, StampAutoRecognisesTheSchema) {
  const auto db = path("legacy.sqlite3");
  { sqlite::database(db, sqlite::open_mode::create).execute(read_file(migrations() / "snapshots/0002.sql")); }
  auto stamped = litemig({"stamp", "--db", db.string(), "--dir", migrations().string(), "--auto"});
  ASSERT_EQ(stamped.exit_code, 0) << stamped.err;
  EXPECT_TRUE(contains(stamped.out, "stamped as version 2")) << stamped.out;
  EXPECT_EQ(litemig({"stamp", "--db", db.string(), "--dir", migrations().string()}).exit_code, 2);
}

TEST_F(Cli, AdoptsAnUnversionedCopyOfTheTuneTreesFixture) {
  const fs::path corpus = LITEMIG_CORPUS_DIR;
  const auto fixture = corpus / "fixtures/tunetrees_test_clean-2025-01-28.sqlite3";
  const auto schema_070 = corpus / "tunetrees-history/070.sql";
  if (!fs::exists(fixture) || !fs::exists(schema_070)) GTEST_SKIP() << "the TuneTrees corpus is not available";

  const auto baseline = read_file(schema_070);
  const std::string goal = "CREATE TABLE practice_goal(id INTEGER PRIMARY KEY, tune_ref INTEGER REFERENCES tune(id), goal TEXT);\n";
  const auto dir = path("tunetrees-migrations");
  write_migration(dir, 1, "baseline", baseline, "SELECT 1;", baseline);
  write_migration(dir, 2, "practice_goal", goal, "DROP TABLE practice_goal;", baseline + goal);

  for (const bool with_alembic : {false, true}) {
    const auto db = path(with_alembic ? "alembic.sqlite3" : "copy.sqlite3");
    fs::copy_file(fixture, db);
    fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write);
    if (with_alembic) {
      sqlite::database(db).execute("CREATE TABLE alembic_version(version_num VARCHAR(32) NOT NULL PRIMARY KEY);"
                                   "INSERT INTO alembic_version VALUES ('a1b2c3');");
    }
    const auto tunes = query_int(db, "SELECT count(*) FROM tune");
    const auto records = query_int(db, "SELECT count(*) FROM practice_record");

    auto adopted = run_litemig({"upgrade", "--db", db.string(), "--dir", dir.string()}, dir_);
    ASSERT_EQ(adopted.exit_code, 0) << adopted.err;
    EXPECT_TRUE(contains(adopted.out, "adopted as 1")) << adopted.out;
    EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
    EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune"), tunes);
    EXPECT_EQ(query_int(db, "SELECT count(*) FROM practice_record"), records);
    EXPECT_EQ(run_litemig({"check", "--db", db.string(), "--dir", dir.string()}, dir_).exit_code, 0);
  }

  const auto altered = path("altered.sqlite3");
  fs::copy_file(fixture, altered);
  fs::permissions(altered, fs::perms::owner_read | fs::perms::owner_write);
  { sqlite::database(altered).execute("ALTER TABLE tune ADD COLUMN extra TEXT"); }
  const auto before = file_sha256(altered);
  auto refused = run_litemig({"upgrade", "--db", altered.string(), "--dir", dir.string()}, dir_);
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_TRUE(contains(refused.err, "extra")) << refused.err;
  EXPECT_EQ(file_sha256(altered), before);
}

// Backups: every backup file litemig writes reopens, passes integrity_check, equals the
// database before the migration row for row, and is no more readable than the database.
#include "reliability_support.hpp"

#include "litemig/applier.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace litemig::reliability;
using litemig::sqlite::database;

namespace {

class Backups : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_tune_and_note_migrations(migrations());
  }
  fs::path migrations() const { return path("migrations"); }
  // DB at version 1 with rows, with exactly the permission bits MODE.
  fs::path create_database(const std::string& name, fs::perms mode) {
    const auto db = path(name);
    auto created = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--to", "1"}, dir_);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    database(db).execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
        "INSERT INTO tune(title) SELECT 'tune ' || i FROM n");
    fs::permissions(db, mode, fs::perm_options::replace);
    return db;
  }
  // The backup files in FOLDER: named after DB's stem, not DB itself.
  static std::vector<fs::path> backups_of(const fs::path& db, const fs::path& folder) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(folder)) {
      const auto name = entry.path().filename().string();
      if (entry.path() != db && name.starts_with(db.stem().string()) && entry.path().extension() == db.extension()) {
        found.push_back(entry.path());
      }
    }
    return found;
  }
  // The promises every backup keeps.
  void expect_faithful_backup(const fs::path& backup, const std::string& digest_before, fs::perms source_mode) {
    SCOPED_TRACE(backup.filename().string());
    EXPECT_EQ(query_text(backup, "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(content_digest(backup), digest_before) << "the backup differs from the database before the migration";
    EXPECT_EQ(fs::status(backup).permissions() & fs::perms::all, source_mode);
    const auto user = unprivileged_user();
    if (user && *user != ::geteuid() && (source_mode & fs::perms::others_read) == fs::perms::none) {
      EXPECT_FALSE(can_read_as(*user, backup)) << "readable by a user who cannot read the database";
    }
  }
};

constexpr fs::perms owner_only = fs::perms::owner_read | fs::perms::owner_write;
constexpr fs::perms owner_and_group = owner_only | fs::perms::group_read;

// The oldest applier backups go, the newest KEEP stay, and nothing else in the folder is touched.
TEST_F(Backups, RetentionRemovesOnlyTheOlderBackupsOfTheDatabase) {
  const auto db = create_database("app.sqlite3", owner_only);
  auto upgraded = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
  const auto made = backups_of(db, dir_);
  ASSERT_EQ(made.size(), 1u);
  std::vector<fs::path> old;
  for (const auto* name : {"app.20200101T000000Z.v0-v1.sqlite3", "app.20210101T000000Z.v1-v2-3.sqlite3",
                           "app.20210101T000000Z.replaced.sqlite3"}) {
    old.push_back(path(name));
    fs::copy_file(db, old.back());
  }
  std::vector<fs::path> foreign;
  for (const auto* name : {"app.20200101T000000Z.v1-v2.sqlite3.partial-x", "app.20200101T000000Z.v1.sqlite3",
                           "apple.20200101T000000Z.v1-v2.sqlite3", "app.20200101T000000Z.v1-v2.db", "app.backup.sqlite3"}) {
    foreign.push_back(path(name));
    fs::copy_file(db, foreign.back());
  }
  fs::create_symlink(db, path("app.20190101T000000Z.v1-v2.sqlite3"));

  const auto removed = litemig::remove_old_backups(db, std::nullopt, 2);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_FALSE(fs::exists(old[0]));
  EXPECT_FALSE(fs::exists(old[2]));
  EXPECT_TRUE(fs::exists(old[1])) << "the newest older backup is the second kept";
  EXPECT_TRUE(fs::exists(made.front())) << "the newest backup stays";
  for (const auto& file : foreign) EXPECT_TRUE(fs::exists(file)) << file;
  EXPECT_TRUE(fs::is_symlink(path("app.20190101T000000Z.v1-v2.sqlite3"))) << "a link is not a backup litemig made";
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
  EXPECT_TRUE(litemig::remove_old_backups(db, std::nullopt, 2).empty());
  EXPECT_TRUE(litemig::remove_old_backups(db, path("no-such-folder"), 1).empty());
}

}  // namespace

TEST_F(Backups, UpgradeWritesAFaithfulPrivateBackupNextToTheDatabase) {
  for (const auto mode : {owner_only, owner_and_group}) {
    const auto db = create_database(fmt::format("app{}.sqlite3", static_cast<int>(mode)), mode);
    const auto before = content_digest(db);
    auto upgraded = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
    ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
    const auto backups = backups_of(db, dir_);
    ASSERT_EQ(backups.size(), 1u);
    EXPECT_TRUE(contains(backups.front().filename().string(), ".v1-v2")) << backups.front();
    expect_faithful_backup(backups.front(), before, mode);
    EXPECT_EQ(fs::status(db).permissions() & fs::perms::all, mode) << "the migration changed the database's permissions";
  }
}

TEST_F(Backups, BackupDirAndDowngradeBackupsAreFaithfulToo) {
  const auto db = create_database("app.sqlite3", owner_only);
  const auto at_one = content_digest(db);
  auto upgraded = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--backup-dir",
                           path("kept/backups").string()},
                          dir_);
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
  const auto up_backups = backups_of(db, path("kept/backups"));
  ASSERT_EQ(up_backups.size(), 1u);
  expect_faithful_backup(up_backups.front(), at_one, owner_only);

  const auto at_two = content_digest(db);
  auto down = run_litemig({"downgrade", "--db", db.string(), "--dir", migrations().string(), "--to", "0", "--backup-dir",
                       path("down").string()},
                      dir_);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  const auto down_backups = backups_of(db, path("down"));
  ASSERT_EQ(down_backups.size(), 1u);
  EXPECT_TRUE(contains(down_backups.front().filename().string(), ".v2-v0")) << down_backups.front();
  expect_faithful_backup(down_backups.front(), at_two, owner_only);
}

TEST_F(Backups, ABackupOfAWalDatabaseHoldsTheRowsStillInTheLog) {
  const auto db = create_database("wal.sqlite3", owner_only);
  database writer(db);
  writer.execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
  writer.execute("INSERT INTO tune(title) VALUES ('only in the log')");
  const auto before = content_digest(db);
  auto upgraded = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
  const auto backups = backups_of(db, dir_);
  ASSERT_EQ(backups.size(), 1u);
  expect_faithful_backup(backups.front(), before, owner_only);
  EXPECT_EQ(query_int(backups.front(), "SELECT count(*) FROM tune WHERE title = 'only in the log'"), 1);
}

#ifdef TUNETREES_APP
TEST_F(Backups, TheAppsDbUpgradeVacuumReclaimsTheFreePagesTheMigrationsLeft) {
  for (const bool vacuum : {false, true}) {
    const auto db = path(vacuum ? "vacuumed.sqlite3" : "kept.sqlite3");
    fs::copy_file(fs::path(LITEMIG_SOURCE_DIR) / "tests" / "fixtures" / "tunetrees_v1.sqlite3", db);
    std::vector<std::string> command{TUNETREES_APP, "--db", db.string(), "--no-backup", "db", "upgrade"};
    if (vacuum) command.push_back("--vacuum");
    auto upgraded = run(command, dir_);
    ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
    SCOPED_TRACE(upgraded.out);
    EXPECT_EQ(query_int(db, "PRAGMA freelist_count") == 0, vacuum);
    EXPECT_EQ(contains(upgraded.out, "VACUUM reclaimed"), vacuum);
    EXPECT_EQ(contains(upgraded.out, "--vacuum (or VACUUM) reclaims them"), !vacuum);
    EXPECT_EQ(query_text(db, "PRAGMA integrity_check"), "ok");
  }
}

TEST_F(Backups, TheAppBacksUpBeforeMigratingOnLaunch) {
  const auto db = path("tunetrees.sqlite3");
  fs::copy_file(fs::path(LITEMIG_SOURCE_DIR) / "tests" / "fixtures" / "tunetrees_v1.sqlite3", db);
  fs::permissions(db, owner_only, fs::perm_options::replace);
  const auto before = content_digest(db);
  auto launched = run({TUNETREES_APP, "--db", db.string()}, dir_);
  ASSERT_EQ(launched.exit_code, 0) << launched.out << launched.err;
  const auto backups = backups_of(db, dir_);
  ASSERT_EQ(backups.size(), 1u);
  expect_faithful_backup(backups.front(), before, owner_only);
}
#endif

TEST_F(Backups, DeployBackupsAndTheMigratedCopyAreFaithfulAndPrivate) {
  const auto db = create_database("prod.sqlite3", owner_only);
  const auto before = content_digest(db);
  auto deployed = run_litemig({"deploy", "--source", db.string(), "--dir", migrations().string(), "--backup-dir",
                           path("deploy-backups").string()},
                          dir_);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  int faithful = 0;
  for (const auto& entry : fs::directory_iterator(path("deploy-backups"))) {
    SCOPED_TRACE(entry.path().filename().string());
    EXPECT_EQ(fs::status(entry.path()).permissions() & fs::perms::all, owner_only);
    if (contains(entry.path().filename().string(), ".migrated-v")) {
      EXPECT_EQ(query_text(entry.path(), "PRAGMA integrity_check"), "ok");
      EXPECT_EQ(query_int(entry.path(), "PRAGMA user_version"), 2);
      continue;
    }
    expect_faithful_backup(entry.path(), before, owner_only);
    ++faithful;
  }
  EXPECT_EQ(faithful, 1);
}

TEST_F(Backups, AKillDuringTheBackupLeavesNothingOthersCanRead) {
  const auto db = create_database("big.sqlite3", owner_only);
  database(db).execute(
      "CREATE TABLE filler(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
      "INSERT INTO filler SELECT printf('%.100c', 'x') FROM n;");
  const auto folder = path("backups");
  const pid_t running = start({{LITEMIG_CLI, "upgrade", "--db", db.string(), "--dir", migrations().string(), "--backup-dir",
                                folder.string()},
                               {},
                               path("upgrade.out"),
                               path("upgrade.err")});
  // The kill lands as soon as the backup file exists, while SQLite is still copying pages.
  const bool started = wait_for_a_file_in(folder);
  ::kill(running, SIGKILL);
  wait_for(running);
  ASSERT_TRUE(started) << read_file(path("upgrade.err"));

  const auto user = unprivileged_user();
  for (const auto& entry : fs::directory_iterator(folder)) {
    SCOPED_TRACE(entry.path().filename().string());
    EXPECT_EQ(fs::status(entry.path()).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
    if (user && *user != ::geteuid()) {
      EXPECT_FALSE(can_read_as(*user, entry.path()));
    }
  }
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
}

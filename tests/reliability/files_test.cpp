// Files litemig creates next to a database or in a folder it does not own: a link planted at a
// name litemig could predict is never followed, a symlinked database is updated through its link,
// a replaced database keeps its owner and mode, a kill never leaves a half file under a final
// name, and restore carries a backup's -wal, asks first and changes nothing it should not.
#include "reliability_support.hpp"

#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

using namespace litemig::reliability;
using litemig::sqlite::database;

namespace {

// The names a strftime PATTERN gives to the next SECONDS seconds (and the last one).
std::vector<std::string> coming_times(const char* pattern, int seconds) {
  std::vector<std::string> times;
  for (int s = -1; s <= seconds; ++s) {
    const std::time_t at = std::time(nullptr) + s;
    std::tm parts{};
    ::gmtime_r(&at, &parts);
    char text[32];
    std::strftime(text, sizeof text, pattern, &parts);
    times.emplace_back(text);
  }
  return times;
}

struct file_identity {
  ino_t inode = 0;
  uid_t owner = 0;
  gid_t group = 0;
  mode_t mode = 0;
  timespec modified{};
};

file_identity identity_of(const fs::path& file) {
  struct stat info {};
  EXPECT_EQ(::lstat(file.c_str(), &info), 0) << file;
  return {info.st_ino, info.st_uid, info.st_gid, info.st_mode, info.st_mtim};
}

class Files : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_tune_and_note_migrations(migrations());
    fs::create_directories(path("outside"));
    write_file(victim(), "a file outside the database's folder");
    victim_sha_ = file_sha256(victim());
  }

  fs::path migrations() const { return path("migrations"); }
  fs::path victim() const { return path("outside/victim"); }

  // DB at VERSION with 300 tunes.
  fs::path create_database(const fs::path& db, int version = 1) {
    fs::create_directories(db.parent_path());
    auto created = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--to", "1"}, dir_);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    database(db).execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
        "INSERT INTO tune(title) SELECT 'tune ' || i FROM n");
    if (version == 2) {
      auto upgraded = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--no-backup"}, dir_);
      EXPECT_EQ(upgraded.exit_code, 0) << upgraded.err;
    }
    return db;
  }

  // A link at NAME: every other one to the victim, the others to a file that does not exist yet.
  void plant(const fs::path& name) {
    const auto target = planted_.size() % 2 == 0 ? victim() : path("outside") / fmt::format("new_{}", planted_.size());
    fs::create_symlink(target, name);
    planted_.emplace_back(name, target);
  }

  // Links at the names litemig would have predicted for DB over the coming seconds.
  void plant_around(const fs::path& db, const fs::path& backup_dir) {
    const auto folder = db.parent_path();
    const auto stem = db.stem().string();
    for (const auto& t : coming_times("%Y%m%dT%H%M%SZ", 8)) {
      for (const auto& version : {".v1-v2", ".v2-v1"}) {
        plant(folder / fmt::format("{}.{}{}.sqlite3", stem, t, version));
        plant(folder / fmt::format("{}.{}{}.sqlite3.partial", stem, t, version));
      }
    }
    for (const auto& t : coming_times("%Y%m%dT%H%M%SZ", 8)) {
      plant(folder / fmt::format("{}.{}.replaced.sqlite3", stem, t));
      plant(backup_dir / fmt::format("{}.{}.v1-v2.sqlite3", stem, t));
      plant(backup_dir / fmt::format("{}.{}.migrated-v2.sqlite3", stem, t));
    }
    // The process ids the next commands are likely to get.
    std::ifstream last_pid_file("/proc/sys/kernel/ns_last_pid");
    long last_pid = 0;
    if (last_pid_file >> last_pid) {
      for (long pid = last_pid + 1; pid <= last_pid + 400; ++pid) {
        plant(folder / fmt::format("{}.litemig-upload-{}", db.filename().string(), pid));
      }
    }
  }

  // Nothing outside was written or created, and every planted link is still the same link.
  void expect_outside_untouched() {
    EXPECT_EQ(file_sha256(victim()), victim_sha_) << "a planted link was followed";
    std::set<std::string> outside;
    for (const auto& entry : fs::directory_iterator(path("outside"))) outside.insert(entry.path().filename().string());
    EXPECT_EQ(outside, std::set<std::string>{"victim"}) << "a file was created through a planted link";
    for (const auto& [name, target] : planted_) {
      ASSERT_TRUE(fs::is_symlink(name)) << name << " was replaced";
      EXPECT_EQ(fs::read_symlink(name), target) << name;
    }
  }

  std::vector<std::pair<fs::path, fs::path>> planted_;
  std::string victim_sha_;
};

}  // namespace

TEST_F(Files, APlantedLinkAtEveryPredictableNameIsNeverFollowed) {
  const auto db = create_database(path("prod/app.sqlite3"));
  const auto backups = path("backups");
  fs::create_directories(backups);
  plant_around(db, backups);

  auto upgraded = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
  EXPECT_EQ(upgraded.exit_code, 0) << upgraded.err;
  expect_outside_untouched();
  auto down = run_litemig({"downgrade", "--db", db.string(), "--dir", migrations().string(), "--to", "1"}, dir_);
  EXPECT_EQ(down.exit_code, 0) << down.err;
  expect_outside_untouched();

  const auto at_one = content_digest(db);
  auto deployed = run_litemig({"deploy", "--source", db.string(), "--dir", migrations().string(), "--backup-dir",
                               backups.string(), "--upload", "--yes"},
                              dir_);
  EXPECT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
  expect_outside_untouched();
  auto kept = run_litemig({"deploy", "--source", db.string(), "--dir", migrations().string(), "--backup-dir",
                           backups.string(), "--to", "2"},
                          dir_);
  EXPECT_EQ(kept.exit_code, 0) << kept.out << kept.err;
  expect_outside_untouched();

  fs::path backup;
  for (const auto& entry : fs::directory_iterator(backups)) {
    if (!fs::is_symlink(entry.path()) && !contains(entry.path().string(), ".migrated-v") && content_digest(entry.path()) == at_one) {
      backup = entry.path();
    }
  }
  ASSERT_FALSE(backup.empty()) << "the deploy's backup of version 1";
  auto restored = run_litemig({"restore", "--backup", backup.string(), "--db", db.string(), "--yes"}, dir_);
  EXPECT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_EQ(content_digest(db), at_one);
  expect_outside_untouched();
  EXPECT_FALSE(fs::is_symlink(db));
}

TEST_F(Files, GenerateNeverFollowsALinkAtItsTemporaryNames) {
  const auto reference = path("reference.sqlite3");
  // The reference adds a table to the schema of the migrations' version 2.
  database(reference, litemig::sqlite::open_mode::create).execute(read_file(migrations() / "snapshots/0002.sql") + "CREATE TABLE extra(x);");
  for (const auto* name : {"0003_extra.sql.tmp", "snapshots/0003.sql.tmp", "litemig.sum.tmp"}) {
    plant(migrations() / name);
  }
  auto generated = run_litemig({"generate", "--schema", reference.string(), "--dir", migrations().string(), "--name", "extra"}, dir_);
  EXPECT_EQ(generated.exit_code, 0) << generated.out << generated.err;
  EXPECT_TRUE(fs::is_regular_file(migrations() / "0003_extra.sql"));
  expect_outside_untouched();
}

TEST_F(Files, ASymlinkedDatabaseIsUpdatedThroughTheLinkAndTheLinkStays) {
  const auto real = create_database(path("real/app.sqlite3"));
  const auto before = content_digest(real);
  fs::create_directories(path("links"));
  const auto link = path("links/app.sqlite3");
  fs::create_symlink(real, link);

  auto deployed = run_litemig({"deploy", "--source", link.string(), "--dir", migrations().string(), "--backup-dir",
                               path("backups").string(), "--upload", "--yes"},
                              dir_);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  ASSERT_TRUE(fs::is_symlink(link)) << "the link was replaced by a file";
  EXPECT_EQ(fs::read_symlink(link), real);
  EXPECT_EQ(query_int(real, "PRAGMA user_version"), 2) << "the file the link names was not updated";

  fs::path backup;
  for (const auto& entry : fs::directory_iterator(path("backups"))) backup = entry.path();
  auto restored = run_litemig({"restore", "--backup", backup.string(), "--db", link.string(), "--yes"}, dir_);
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  ASSERT_TRUE(fs::is_symlink(link)) << "the link was replaced by a file";
  EXPECT_EQ(content_digest(real), before);
  std::size_t in_links = 0;
  for (const auto& entry : fs::directory_iterator(path("links"))) in_links += entry.path() != link;
  EXPECT_EQ(in_links, 0u) << "the kept copy belongs next to the file, not the link";
}

TEST_F(Files, DeployRestoreAndBackupsKeepTheOwnerGroupAndMode) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file to another user needs root";
  const auto user = unprivileged_user();
  if (!user) GTEST_SKIP() << "no other user";
  const auto db = create_database(path("prod/app.sqlite3"));
  const gid_t group = 65534;
  ASSERT_EQ(::chown(db.c_str(), *user, group), 0);
  ASSERT_EQ(::chmod(db.c_str(), 0640), 0);
  const auto expect_kept = [&](const fs::path& file) {
    const auto now = identity_of(file);
    EXPECT_EQ(now.owner, *user) << file;
    EXPECT_EQ(now.group, group) << file;
    EXPECT_EQ(now.mode & 07777, 0640u) << file;
  };

  auto deployed = run_litemig({"deploy", "--source", db.string(), "--dir", migrations().string(), "--backup-dir",
                               path("backups").string(), "--upload", "--yes"},
                              dir_);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
  expect_kept(db);
  for (const auto& entry : fs::directory_iterator(path("backups"))) expect_kept(entry.path());

  auto down = run_litemig({"downgrade", "--db", db.string(), "--dir", migrations().string(), "--to", "1"}, dir_);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  for (const auto& entry : fs::directory_iterator(db.parent_path())) expect_kept(entry.path());

  fs::path backup;
  for (const auto& entry : fs::directory_iterator(path("backups"))) backup = entry.path();
  auto restored = run_litemig({"restore", "--backup", backup.string(), "--db", db.string(), "--yes"}, dir_);
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  for (const auto& entry : fs::directory_iterator(db.parent_path())) expect_kept(entry.path());
  EXPECT_TRUE(can_read_as(*user, db)) << "the app's user can no longer open its database";
}

TEST_F(Files, ARestoreThatCannotKeepTheOwnerRefusesAndLeavesTheFolderAsItWas) {
  const auto user = unprivileged_user();
  if (::geteuid() != 0 || !user) GTEST_SKIP() << "needs root to make a file another user cannot take over";
  const auto db = create_database(path("prod/app.sqlite3"));
  const auto backup = create_database(path("kept/app.sqlite3"), 2);
  ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(backup.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(db.parent_path().c_str(), 0777), 0);
  const auto folder_before = folder_sha256(db.parent_path());
  // The folder lets the other user write, but the database is root's: a new file of theirs
  // would lock root's programs out, so litemig refuses before it keeps or replaces anything.
  auto refused = run_litemig({"restore", "--backup", backup.string(), "--db", db.string(), "--yes"}, dir_, user);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
  EXPECT_TRUE(contains(refused.err, db.string() + ": cannot give the new file the owner")) << refused.err;
  EXPECT_EQ(folder_sha256(db.parent_path()), folder_before);
  EXPECT_EQ(std::distance(fs::directory_iterator(db.parent_path()), fs::directory_iterator()), 1);
  EXPECT_EQ(identity_of(db).owner, 0u);
}

TEST_F(Files, ARestoreOverADatabaseInUseRefusesAndLeavesTheFolderAsItWas) {
  const auto db = create_database(path("prod/app.sqlite3"));
  const auto backup = create_database(path("kept/app.sqlite3"), 2);
  database app(db);
  app.execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; INSERT INTO tune(title) VALUES ('in use');");
  const auto folder_before = folder_sha256(db.parent_path());
  auto refused = run_litemig({"restore", "--backup", backup.string(), "--db", db.string(), "--yes"}, dir_);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
  EXPECT_TRUE(contains(refused.err, "-wal")) << refused.err;
  EXPECT_EQ(folder_sha256(db.parent_path()), folder_before) << "a kept copy or a temporary file was left";
}

TEST_F(Files, RestoreOfAWalBackupKeepsTheCommitsStillInItsLog) {
  const auto source = create_database(path("live/app.sqlite3"));
  const auto backup = path("kept/app.sqlite3");
  fs::create_directories(backup.parent_path());
  {
    database writer(source);
    writer.execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
    writer.execute("INSERT INTO tune(title) VALUES ('only in the log')");
    // Copied while the writer is open: the newest commit is only in the -wal file.
    fs::copy_file(source, backup);
    fs::copy_file(source.string() + "-wal", backup.string() + "-wal");
  }
  const auto target = create_database(path("prod/app.sqlite3"));
  const auto target_sha = file_sha256(target);
  auto restored = run_litemig({"restore", "--backup", backup.string(), "--db", target.string(), "--yes"}, dir_);
  if (restored.exit_code == 0) {
    EXPECT_EQ(query_int(target, "SELECT count(*) FROM tune WHERE title = 'only in the log'"), 1)
        << "restored without the commits still in the backup's -wal";
    EXPECT_EQ(query_int(target, "SELECT count(*) FROM tune"), 301);
  } else {
    // Refusing is the other honest answer, for that reason and with the target unchanged.
    EXPECT_EQ(line_count(restored.err), 1u) << restored.err;
    EXPECT_TRUE(contains(restored.err, "-wal")) << restored.err;
    EXPECT_EQ(file_sha256(target), target_sha);
  }
  EXPECT_TRUE(fs::exists(backup.string() + "-wal")) << "the backup itself is left as it was";
}

TEST_F(Files, RestoreOffATerminalWithoutYesRefusesAndChangesNothing) {
  const auto db = create_database(path("prod/app.sqlite3"));
  const auto backup = create_database(path("kept/app.sqlite3"), 2);
  const auto folder_before = folder_sha256(path("prod"));
  auto refused = run_litemig({"restore", "--backup", backup.string(), "--db", db.string()}, dir_);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
  EXPECT_TRUE(contains(refused.err, "--yes")) << refused.err;
  EXPECT_EQ(folder_sha256(path("prod")), folder_before);
  EXPECT_EQ(std::distance(fs::directory_iterator(path("prod")), fs::directory_iterator()), 1);
}

TEST_F(Files, RestoreIntoAMissingFolderIsOneLine) {
  const auto backup = create_database(path("kept/app.sqlite3"));
  const auto target = path("no/such/folder/app.sqlite3");
  auto refused = run_litemig({"restore", "--backup", backup.string(), "--db", target.string(), "--yes"}, dir_);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
  EXPECT_TRUE(contains(refused.err, target.string())) << refused.err;
  EXPECT_TRUE(contains(refused.err, "folder")) << refused.err;
  EXPECT_FALSE(fs::exists(path("no")));
}

TEST_F(Files, ADeployWithNothingPendingLeavesProductionUntouched) {
  const auto db = create_database(path("prod/app.sqlite3"), 2);
  const auto before = identity_of(db);
  const auto sha = file_sha256(db);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto deployed = run_litemig({"deploy", "--source", db.string(), "--dir", migrations().string(), "--backup-dir",
                               path("backups").string(), "--upload", "--yes"},
                              dir_);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  EXPECT_TRUE(contains(deployed.out, "nothing to upload")) << deployed.out;
  const auto after = identity_of(db);
  EXPECT_EQ(after.inode, before.inode) << "production was replaced";
  EXPECT_EQ(after.modified.tv_sec, before.modified.tv_sec);
  EXPECT_EQ(after.modified.tv_nsec, before.modified.tv_nsec);
  EXPECT_EQ(file_sha256(db), sha);
}

TEST_F(Files, AKillDuringABackupCopyLeavesNoFileUnderAFinalName) {
  const auto big = create_database(path("big.sqlite3"));
  database(big).execute(
      "CREATE TABLE filler(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
      "INSERT INTO filler SELECT printf('%.100c', 'x') FROM n;");
  const auto before = content_digest(big);
  int run_number = 0;
  for (const std::string command : {"upgrade", "deploy"}) {
    for (const int delay_ms : {0, 3, 10, 30, 80}) {
      ++run_number;
      const auto db = path(fmt::format("run{}/app.sqlite3", run_number));
      fs::create_directories(db.parent_path());
      fs::copy_file(big, db);
      const auto folder = path(fmt::format("backups_{}", run_number));
      const pid_t running = start({{LITEMIG_CLI, command, command == "upgrade" ? "--db" : "--source", db.string(), "--dir",
                                    migrations().string(), "--backup-dir", folder.string()},
                                   {},
                                   path("run.out"),
                                   path("run.err")});
      // The kill lands after the first file appears in the folder, while copies are being written.
      const bool started = wait_for_a_file_in(folder);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      ::kill(running, SIGKILL);
      wait_for(running);
      ASSERT_TRUE(started) << read_file(path("run.err"));
      for (const auto& entry : fs::directory_iterator(folder)) {
        const auto name = entry.path().filename().string();
        SCOPED_TRACE(fmt::format("{} killed {} ms in: {}", command, delay_ms, name));
        if (entry.path().extension() != ".sqlite3") continue;  // a temporary name, never taken for a backup
        if (contains(name, ".migrated-v")) {
          EXPECT_EQ(query_int(entry.path(), "PRAGMA user_version"), 2) << "a migrated copy that was never migrated";
        } else {
          EXPECT_EQ(content_digest(entry.path()), before) << "a half backup under a final name";
        }
      }
    }
  }
}

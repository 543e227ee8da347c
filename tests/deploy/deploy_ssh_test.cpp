// deploy and restore against a real OpenSSH server on loopback: the production database lives
// in a "remote" folder reached only through ssh:// and the system's ssh and scp.
#include "deploy_support.hpp"
#include "ssh_server.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <string>

using namespace deploy_test;

namespace {

class DeploySsh : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!ssh_server::available()) return;
    server_folder = new fs::path(fresh_dir("sshd"));
    try {
      server = new ssh_server(*server_folder);
    } catch (const std::exception& e) {
      server_problem = e.what();
    }
  }

  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
    if (server_folder != nullptr) fs::remove_all(server_folder->parent_path());
    delete server_folder;
    server_folder = nullptr;
  }

  void SetUp() override {
    if (!ssh_server::available()) GTEST_SKIP() << "sshd is not installed";
    ASSERT_NE(server, nullptr) << "sshd is installed but did not start: " << server_problem;
    root = fresh_dir("work");
    migrations = root / "migrations";
    write_migrations(migrations);
    remote_dir = root / "remote";
    fs::create_directories(remote_dir);
    remote_db = remote_dir / "tunetrees.sqlite3";
    make_production_database(remote_db, migrations, 1);
    backups = root / "backups";
    original_sha = file_sha256(remote_db);
    original_notes = rows(remote_db, "note");
  }

  command_result litemig_ssh(std::vector<std::string> args) {
    const auto client = server->client_arguments();
    args.insert(args.end(), client.begin(), client.end());
    return run_tool(args);
  }

  command_result deploy(const fs::path& dir, std::vector<std::string> extra) {
    std::vector<std::string> args{"deploy", "--source", server->url(remote_db), "--dir", dir.string(),
                                  "--backup-dir", backups.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return litemig_ssh(args);
  }

  void expect_remote_untouched() {
    EXPECT_EQ(file_sha256(remote_db), original_sha) << "the remote database must be byte-identical";
    EXPECT_TRUE(files_containing(remote_dir, ".litemig-upload-").empty()) << "no temporary upload left behind";
  }

  static inline fs::path* server_folder = nullptr;
  static inline ssh_server* server = nullptr;
  static inline std::string server_problem;
  fs::path root, migrations, remote_dir, remote_db, backups;
  std::string original_sha;
  std::vector<std::string> original_notes;
};

TEST_F(DeploySsh, MigratesVerifiesAndUploadsWithBothBackups) {
  ::chmod(remote_db.c_str(), 0640);
  const auto result = deploy(migrations, {"--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;

  EXPECT_EQ(user_version(remote_db), 3);
  EXPECT_EQ(rows(remote_db, "note"), original_notes);
  EXPECT_EQ(rows(remote_db, "tune").size(), 5U);
  EXPECT_EQ(fs::status(remote_db).permissions(), fs::perms(0640)) << "the uploaded file keeps the old permissions";
  EXPECT_TRUE(files_containing(remote_dir, ".litemig-upload-").empty());

  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(local_backups.size(), 1U);
  EXPECT_EQ(file_sha256(local_backups[0]), original_sha);
  const auto remote_backups = files_containing(remote_dir, "tunetrees.20");
  ASSERT_EQ(remote_backups.size(), 1U);
  EXPECT_EQ(file_sha256(remote_backups[0]), original_sha);
  EXPECT_NE(result.out.find("remote backup"), std::string::npos) << result.out;
}

TEST_F(DeploySsh, AFailingMigrationUploadsNothingAndKeepsBothBackups) {
  const fs::path failing = root / "failing";
  write_failing_migrations(failing);
  const auto result = deploy(failing, {"--upload", "--yes"});
  EXPECT_NE(result.exit_code, 0);
  expect_remote_untouched();
  EXPECT_NE(result.err.find("step 4 (migrate) failed"), std::string::npos) << result.err;
  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(local_backups.size(), 1U);
  EXPECT_EQ(file_sha256(local_backups[0]), original_sha);
  const auto remote_backups = files_containing(remote_dir, "tunetrees.20");
  ASSERT_EQ(remote_backups.size(), 1U);
  EXPECT_EQ(file_sha256(remote_backups[0]), original_sha);
  EXPECT_NE(result.err.find(local_backups[0].string()), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(remote_backups[0].string()), std::string::npos) << result.err;
}

TEST_F(DeploySsh, DryRunChangesNothingAnywhere) {
  const auto result = deploy(migrations, {"--dry-run", "--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  expect_remote_untouched();
  EXPECT_EQ(files_containing(remote_dir, "").size(), 1U) << "no remote backup";
  EXPECT_FALSE(fs::exists(backups));
  EXPECT_NE(result.out.find("0003_note_text.sql"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("ALTER TABLE tune ADD COLUMN mode TEXT"), std::string::npos) << result.out;
}

TEST_F(DeploySsh, AnInterruptedUploadLeavesTheRemoteFileIntact) {
  // An scp that sends part of an upload and dies, as a dropped connection does; downloads pass.
  const fs::path cut_scp = root / "cut-scp";
  write_file(cut_scp,
             "#!/bin/bash\n"
             "args=(\"$@\")\n"
             "from=${args[$# - 2]}\n"
             "if [[ -f $from ]]; then\n"
             "  head -c 1500 \"$from\" > \"$from.part\"\n"
             "  args[$# - 2]=$from.part\n"
             "  scp \"${args[@]}\"\n"
             "  kill -9 $$\n"
             "fi\n"
             "exec scp \"$@\"\n");
  fs::permissions(cut_scp, fs::perms::owner_all);
  const auto result = deploy(migrations, {"--upload", "--yes", "--scp", cut_scp.string()});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("step 6 (upload) failed"), std::string::npos) << result.err;
  expect_remote_untouched();
  EXPECT_EQ(files_containing(remote_dir, "tunetrees.20").size(), 1U);
}

TEST_F(DeploySsh, ADatabaseChangedDuringTheDeployIsNotOverwritten) {
  // The production app writes a row while the deploy runs: just before the upload.
  const fs::path busy_scp = root / "busy-scp";
  write_file(busy_scp,
             "#!/bin/bash\n"
             "args=(\"$@\")\n"
             "if [[ -f ${args[$# - 2]} ]]; then\n"
             "  sqlite3 " + remote_db.string() + " \"INSERT INTO tune (id, title) VALUES (99, 'added meanwhile')\"\n"
             "fi\n"
             "exec scp \"$@\"\n");
  fs::permissions(busy_scp, fs::perms::owner_all);
  const auto result = deploy(migrations, {"--upload", "--yes", "--scp", busy_scp.string()});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("step 6 (upload) failed"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("changed since it was fetched"), std::string::npos) << result.err;
  EXPECT_EQ(user_version(remote_db), 1);
  EXPECT_EQ(rows(remote_db, "tune").size(), 6U) << "the row written meanwhile is kept";
  EXPECT_TRUE(files_containing(remote_dir, ".litemig-upload-").empty());
}

// The product's case: a TuneTrees production copy at an old version, served over ssh, is migrated
// with the product's own migrations, verified and uploaded by one command.
TEST_F(DeploySsh, ATuneTreesProductionCopyIsDeployedWithTheProductMigrations) {
  const fs::path fixture = fs::path(LITEMIG_SOURCE_DIR) / "tests" / "fixtures" / "tunetrees_v1.sqlite3";
  ASSERT_TRUE(fs::exists(fixture)) << fixture;
  const fs::path product_migrations = fs::path(LITEMIG_SOURCE_DIR) / "schema" / "migrations";
  fs::remove(remote_db);
  fs::copy_file(fixture, remote_db);
  fs::permissions(remote_db, fs::perms::owner_read | fs::perms::owner_write);
  const std::string fixture_sha = file_sha256(remote_db);
  const auto tunes = rows(remote_db, "tune");

  const auto result = deploy(product_migrations, {"--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_GT(user_version(remote_db), 1);
  EXPECT_EQ(rows(remote_db, "tune").size(), tunes.size());
  const auto remote_backups = files_containing(remote_dir, "tunetrees.20");
  ASSERT_EQ(remote_backups.size(), 1U);
  EXPECT_EQ(file_sha256(remote_backups[0]), fixture_sha);
  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(local_backups.size(), 1U);
  EXPECT_EQ(file_sha256(local_backups[0]), fixture_sha);
}

TEST_F(DeploySsh, AnUnreachableHostFailsAtFetch) {
  const auto result = run_tool({"deploy", "--source", "ssh://127.0.0.1:1/srv/x.sqlite3", "--dir", migrations.string(),
                               "--backup-dir", backups.string(), "--ssh-option", "BatchMode=yes"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("step 1 (fetch) failed"), std::string::npos) << result.err;
}

TEST_F(DeploySsh, RestoreFromEachKindOfBackupBringsBackTheExactRows) {
  ASSERT_EQ(deploy(migrations, {"--upload", "--yes"}).exit_code, 0);
  ASSERT_EQ(user_version(remote_db), 3);
  const auto remote_backups = files_containing(remote_dir, "tunetrees.20");
  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(remote_backups.size(), 1U);
  ASSERT_EQ(local_backups.size(), 1U);

  const auto from_remote =
      litemig_ssh({"restore", "--backup", server->url(remote_backups[0]), "--db", server->url(remote_db), "--yes"});
  ASSERT_EQ(from_remote.exit_code, 0) << from_remote.err;
  EXPECT_EQ(rows(remote_db, "note"), original_notes);
  EXPECT_EQ(file_sha256(remote_db), original_sha);
  EXPECT_NE(from_remote.out.find("version 1"), std::string::npos) << from_remote.out;

  const auto again = deploy(migrations, {"--upload", "--yes"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_EQ(user_version(remote_db), 3);
  const auto from_local = litemig_ssh({"restore", "--backup", local_backups[0].string(), "--db", server->url(remote_db), "--yes"});
  ASSERT_EQ(from_local.exit_code, 0) << from_local.err;
  EXPECT_EQ(rows(remote_db, "note"), original_notes);
  EXPECT_EQ(file_sha256(remote_db), original_sha);
  EXPECT_TRUE(files_containing(remote_dir, ".litemig-upload-").empty());
}

TEST_F(DeploySsh, ALinkedRemoteDatabaseIsUpdatedThroughItsLinkKeepingOwnerAndModeAndNoPlantedLinkIsFollowed) {
  const fs::path real = remote_dir / "real" / "tunetrees.sqlite3";
  fs::create_directories(real.parent_path());
  fs::rename(remote_db, real);
  fs::create_symlink(real, remote_db);
  const bool as_root = ::geteuid() == 0;
  if (as_root) {
    ASSERT_EQ(::chown(real.c_str(), 65534, 65534), 0);
  }
  ASSERT_EQ(::chmod(real.c_str(), 0640), 0);
  const fs::path victim = root / "victim";
  write_file(victim, "outside the database's folder");
  const std::string victim_sha = file_sha256(victim);
  // Links at the names of the remote backups of the coming seconds, to the victim and to nothing.
  std::vector<fs::path> planted;
  for (int s = -1; s <= 30; ++s) {
    const std::time_t at = std::time(nullptr) + s;
    std::tm parts{};
    ::gmtime_r(&at, &parts);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &parts);
    planted.push_back(real.parent_path() / ("tunetrees." + std::string(stamp) + ".v1-v3.sqlite3"));
    fs::create_symlink(s % 2 == 0 ? victim : root / ("new_" + std::to_string(s)), planted.back());
  }
  const auto expect_kept = [&] {
    ASSERT_TRUE(fs::is_symlink(remote_db)) << "the link was replaced by a file";
    struct stat info {};
    ASSERT_EQ(::stat(real.c_str(), &info), 0);
    if (as_root) {
      EXPECT_EQ(info.st_uid, 65534u);
      EXPECT_EQ(info.st_gid, 65534u);
    }
    EXPECT_EQ(info.st_mode & 07777, 0640u);
    EXPECT_EQ(file_sha256(victim), victim_sha) << "a planted link was followed";
    EXPECT_TRUE(files_containing(root, "new_").empty()) << "a file was created through a planted link";
    for (const auto& link : planted) EXPECT_TRUE(fs::is_symlink(link)) << link;
    EXPECT_TRUE(files_containing(real.parent_path(), ".litemig-upload-").empty());
  };

  const auto deployed = deploy(migrations, {"--upload", "--yes"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err << deployed.out;
  EXPECT_EQ(user_version(real), 3);
  expect_kept();

  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(local_backups.size(), 1U);
  const auto restored = litemig_ssh({"restore", "--backup", local_backups[0].string(), "--db", server->url(remote_db), "--yes"});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(file_sha256(real), original_sha);
  expect_kept();
}

TEST_F(DeploySsh, RestoreFromARemoteWalBackupCarriesTheCommitsStillInItsLog) {
  const fs::path live = root / "live.sqlite3";
  make_production_database(live, migrations, 1);
  const fs::path backup = remote_dir / "kept.sqlite3";
  copy_with_a_commit_only_in_the_log(live, backup);
  const auto expected = rows(live, "note");
  const auto restored = litemig_ssh({"restore", "--backup", server->url(backup), "--db", server->url(remote_db), "--yes"});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(rows(remote_db, "note"), expected) << "the commit still in the backup's -wal is missing";
  EXPECT_TRUE(fs::exists(backup.string() + "-wal")) << "the backup itself is left as it was";
}

}  // namespace

namespace {

TEST_F(DeploySsh, KeepBackupsPrunesOnlyTheOlderBackupsOfItsSchemeOnBothSides) {
  const auto plant = [&](const fs::path& folder, const std::string& name) {
    fs::create_directories(folder);
    fs::copy_file(remote_db, folder / name);
    return folder / name;
  };
  const fs::path remote_old = plant(remote_dir, "tunetrees.20200101T000000Z.v1-v3.sqlite3");
  const fs::path remote_replaced = plant(remote_dir, "tunetrees.20200101T000000Z.replaced.sqlite3");
  const fs::path remote_foreign = plant(remote_dir, "tunetrees.20200101T000000Z.mine.sqlite3");
  const fs::path remote_other = plant(remote_dir, "other.20200101T000000Z.v1-v3.sqlite3");
  // A name with a newline whose second line is a future backup's: it must not count as one.
  const fs::path remote_split = plant(remote_dir, "x\ntunetrees.29991231T000000Z.v1-v3.sqlite3");
  const fs::path victim = plant(root, "victim.sqlite3");
  fs::create_symlink(victim, remote_dir / "tunetrees.20190101T000000Z.v1-v2.sqlite3");
  const fs::path local_old = plant(backups, "tunetrees.20200101T000000Z.v1-v3.sqlite3");

  const auto result = deploy(migrations, {"--keep-backups", "1", "--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_FALSE(fs::exists(remote_old));
  EXPECT_FALSE(fs::exists(remote_replaced));
  EXPECT_FALSE(fs::exists(local_old));
  EXPECT_TRUE(fs::exists(remote_foreign));
  EXPECT_TRUE(fs::exists(remote_other));
  EXPECT_TRUE(fs::exists(remote_split));
  EXPECT_TRUE(fs::is_symlink(remote_dir / "tunetrees.20190101T000000Z.v1-v2.sqlite3"));
  EXPECT_TRUE(fs::exists(victim));
  const auto remote_backups = files_containing(remote_dir, ".v1-v3.sqlite3");
  EXPECT_EQ(std::count_if(remote_backups.begin(), remote_backups.end(),
                          [](const fs::path& p) { return p.filename().string().starts_with("tunetrees."); }),
            1)
      << "the backup this deploy made stays";
  EXPECT_EQ(files_containing(backups, ".v1-v3.sqlite3").size(), 1U);
  EXPECT_NE(result.out.find(":" + remote_old.string() + "\n"), std::string::npos) << result.out;
  EXPECT_EQ(user_version(remote_db), 3);
}

TEST_F(DeploySsh, TheFetchAndTheUploadReportTheirBytesAndRate) {
  const auto result = deploy(migrations, {"--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_NE(result.out.find("  fetched "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("  uploaded "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("step 6/6 upload: done in "), std::string::npos) << result.out;

  // On a terminal (script(1) gives it one) the same deploy shows a progress line per transfer.
  if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "script(1) is not installed";
  fs::remove(remote_db);
  make_production_database(remote_db, migrations, 1);
  std::string command = std::string(LITEMIG_CLI) + " deploy --source '" + server->url(remote_db) + "' --dir '" +
                        migrations.string() + "' --backup-dir '" + backups.string() + "' --upload --yes";
  for (const auto& argument : server->client_arguments()) command += " '" + argument + "'";
  const auto shown = run("/usr/bin/script", {"-qec", command, "/dev/null"});
  ASSERT_EQ(shown.exit_code, 0) << shown.out << shown.err;
  EXPECT_NE(shown.out.find("\r\x1b[K  fetch: 0 B of "), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("\r\x1b[K  upload: "), std::string::npos) << shown.out;
  EXPECT_EQ(user_version(remote_db), 3);
}

}  // namespace

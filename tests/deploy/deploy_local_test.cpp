// deploy and restore with a local path as the source: the steps, the dry run, fixups and
// every failure leaving the database byte-identical.
#include "deploy_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace deploy_test;

namespace {

class DeployLocal : public local_deploy_test {};

TEST_F(DeployLocal, UploadMigratesInPlaceAndKeepsAVerifiedBackup) {
  const auto result = deploy({"--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_EQ(user_version(db), 3);
  EXPECT_EQ(rows(db, "note"), original_notes);
  EXPECT_EQ(rows(db, "tune").size(), 5U);

  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(local_backups.size(), 1U);
  EXPECT_EQ(file_sha256(local_backups[0]), original_sha);
  EXPECT_TRUE(files_containing(backups, ".migrated-v").empty()) << "the uploaded copy is not left behind";
  EXPECT_TRUE(files_containing(db.parent_path(), ".litemig-upload-").empty());
  for (const char* step : {"step 1/6 fetch", "step 2/6 backup", "step 3/6 fixups", "step 4/6 migrate",
                           "step 5/6 verify", "step 6/6 upload"}) {
    EXPECT_NE(result.out.find(step), std::string::npos) << step;
  }
}

TEST_F(DeployLocal, WithoutUploadTheSourceStaysAndTheMigratedCopyIsNamed) {
  const auto result = deploy({"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(file_sha256(db), original_sha);
  const auto copies = files_containing(backups, ".migrated-v");
  ASSERT_EQ(copies.size(), 1U);
  EXPECT_EQ(user_version(copies[0]), 3);
  EXPECT_EQ(rows(copies[0], "note"), original_notes);
  EXPECT_NE(result.out.find("\"ok\":true"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"migrated_copy\":\"" + copies[0].string() + "\""), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"applied\":[2,3]"), std::string::npos) << result.out;
}

TEST_F(DeployLocal, DryRunPrintsThePlanAndChangesNothing) {
  const auto result = deploy({"--dry-run", "--upload"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(file_sha256(db), original_sha);
  EXPECT_FALSE(fs::exists(backups));
  EXPECT_NE(result.out.find("at version 1"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("0002_tune_mode.sql"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("ALTER TABLE note RENAME COLUMN body TO text"), std::string::npos) << result.out;
  EXPECT_EQ(files_containing(db.parent_path(), "").size(), 1U) << "nothing written beside the database";
}

TEST_F(DeployLocal, ADatabaseWithoutBookkeepingIsAdoptedByFingerprint) {
  fs::remove(db);
  make_database_without_bookkeeping(db, migrations, 2);
  const auto result = deploy({"--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("schema matches version 2 (adopted by fingerprint)"), std::string::npos) << result.out;
  EXPECT_EQ(user_version(db), 3);
  EXPECT_EQ(rows(db, "note"), original_notes);
}

TEST_F(DeployLocal, FixupRepairsABrokenViewThatStopsTheAdoption) {
  fs::remove(db);
  make_database_without_bookkeeping(db, migrations, 2);
  break_view(db);
  const std::string broken_sha = file_sha256(db);

  const auto without_fixup = deploy({"--upload", "--yes"});
  EXPECT_EQ(without_fixup.exit_code, 4) << "no snapshot matches: schema mismatch";
  EXPECT_NE(without_fixup.err.find("step 1 (fetch) failed"), std::string::npos) << without_fixup.err;
  EXPECT_EQ(file_sha256(db), broken_sha);

  const fs::path fixups = root / "fixups";
  write_file(fixups / "001_repair_tune_list.sql",
             "DROP VIEW tune_list;\nCREATE VIEW tune_list AS SELECT id, title, mode FROM tune;\n");
  write_file(fixups / "000_readme.txt", "not SQL: ignored");
  const auto with_fixup = deploy({"--fixups", fixups.string(), "--upload", "--yes"});
  ASSERT_EQ(with_fixup.exit_code, 0) << with_fixup.err;
  EXPECT_NE(with_fixup.out.find("applied 001_repair_tune_list.sql"), std::string::npos) << with_fixup.out;
  EXPECT_NE(with_fixup.out.find("adopted as version 2"), std::string::npos) << with_fixup.out;
  EXPECT_EQ(user_version(db), 3);
  EXPECT_EQ(rows(db, "tune_list").size(), 5U) << "the repaired view reads";
  EXPECT_EQ(rows(db, "note"), original_notes);
}

TEST_F(DeployLocal, AFailingFixupStopsTheDeployAtStepThree) {
  const fs::path fixups = root / "fixups";
  write_file(fixups / "001_broken.sql", "UPDATE no_such_table SET x = 1;");
  const auto result = deploy({"--fixups", fixups.string(), "--upload", "--yes"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("step 3 (fixups) failed: fixup " + (fixups / "001_broken.sql").string()),
            std::string::npos)
      << result.err;
  EXPECT_EQ(file_sha256(db), original_sha);
}

TEST_F(DeployLocal, AFailingMigrationLeavesTheSourceByteIdenticalAndNamesTheBackup) {
  const fs::path failing = root / "failing";
  write_failing_migrations(failing);
  const auto result = run_tool({"deploy", "--source", db.string(), "--dir", failing.string(), "--backup-dir",
                               backups.string(), "--upload", "--yes"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(file_sha256(db), original_sha);
  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(local_backups.size(), 1U);
  EXPECT_EQ(file_sha256(local_backups[0]), original_sha);
  EXPECT_NE(result.err.find("step 4 (migrate) failed"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(local_backups[0].string()), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line: " << result.err;
}

TEST_F(DeployLocal, UploadWithoutATerminalNeedsYes) {
  const auto result = deploy({"--upload"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--yes"), std::string::npos) << result.err;
  EXPECT_EQ(file_sha256(db), original_sha);
  EXPECT_FALSE(fs::exists(backups));
}

TEST_F(DeployLocal, ACorruptSourceStopsAtFetch) {
  write_file(db, std::string(4096, 'x'));
  const std::string garbage_sha = file_sha256(db);
  const auto result = deploy({"--upload", "--yes"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("step 1 (fetch) failed"), std::string::npos) << result.err;
  EXPECT_EQ(file_sha256(db), garbage_sha);
}

TEST_F(DeployLocal, ADatabaseWithAWriteAheadLogIsNotCopied) {
  write_file(db.string() + "-wal", "");
  const auto result = deploy({"--upload", "--yes"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("step 1 (fetch) failed"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("-wal"), std::string::npos) << result.err;
  EXPECT_EQ(file_sha256(db), original_sha);
}

TEST_F(DeployLocal, RestoreBringsBackTheExactRowsAndKeepsTheReplacedFile) {
  ASSERT_EQ(deploy({"--upload", "--yes"}).exit_code, 0);
  const std::string migrated_sha = file_sha256(db);
  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(local_backups.size(), 1U);

  const auto result = run_tool({"restore", "--backup", local_backups[0].string(), "--db", db.string(), "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(file_sha256(db), original_sha);
  EXPECT_EQ(rows(db, "note"), original_notes);
  EXPECT_NE(result.out.find("version 1"), std::string::npos) << result.out;
  const auto kept = files_containing(db.parent_path(), ".replaced.");
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(file_sha256(kept[0]), migrated_sha);
}

TEST_F(DeployLocal, RestoreRefusesABackupThatFailsItsChecks) {
  const fs::path bad = root / "bad.sqlite3";
  write_file(bad, "SQLite format 3" + std::string(2000, '\0'));
  const auto result = run_tool({"restore", "--backup", bad.string(), "--db", db.string(), "--yes"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(db.string() + " is unchanged"), std::string::npos) << result.err;
  EXPECT_EQ(file_sha256(db), original_sha);
  EXPECT_TRUE(files_containing(db.parent_path(), ".replaced.").empty());
}

TEST(DeployApp, TunetreesDbDeployUsesTheMigrationsBuiltIntoTheApp) {
#ifndef LITEMIG_TUNETREES
  GTEST_SKIP() << "built without the tunetrees app";
#else
  const fs::path fixture = fs::path(LITEMIG_SOURCE_DIR) / "tests" / "fixtures" / "tunetrees_v1.sqlite3";
  ASSERT_TRUE(fs::exists(fixture)) << fixture;
  const fs::path root = fresh_dir("work");
  const fs::path db = root / "prod" / "production.sqlite3";
  fs::create_directories(db.parent_path());
  fs::copy_file(fixture, db);
  const std::string fixture_sha = file_sha256(db);
  const fs::path backups = root / "backups";

  const auto plan = run(LITEMIG_TUNETREES, {"db", "deploy", "--source", db.string(), "--backup-dir",
                                            backups.string(), "--dry-run"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("-- migration 0002_"), std::string::npos) << plan.out;
  EXPECT_EQ(file_sha256(db), fixture_sha);

  const auto deployed = run(LITEMIG_TUNETREES, {"db", "deploy", "--source", db.string(), "--backup-dir",
                                                backups.string(), "--upload", "--yes"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err;
  const auto local_backups = files_containing(backups, ".v1-v");
  ASSERT_EQ(local_backups.size(), 1U) << "the app names its backups tunetrees.<time>.v1-vN.sqlite3";
  EXPECT_EQ(file_sha256(local_backups[0]), fixture_sha);
  EXPECT_GT(user_version(db), 1);
#endif
}

}  // namespace

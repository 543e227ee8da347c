// A team's daily deploys: fixups that run only when needed, a dry run that lists every repair,
// what would adopt an unknown database, --vacuum, backup retention and one naming scheme for
// every backup, and the time and bytes of each step.
#include "deploy_support.hpp"

#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

using namespace deploy_test;

namespace {

// Every backup litemig writes: STEM.TIME.LABEL.sqlite3, with -N when the second was taken.
const std::regex backup_scheme(R"(tunetrees\.\d{8}T\d{6}Z\.(v\d+-v\d+|replaced)(-\d+)?\.sqlite3)");

class DeployDaily : public local_deploy_test {
 protected:
  void SetUp() override {
    local_deploy_test::SetUp();
    fixups = root / "fixups";
    fs::create_directories(fixups);
  }

  static bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

  static long query(const fs::path& file, const std::string& sql) {
    litemig::sqlite::database handle(file, litemig::sqlite::open_mode::read_only);
    return static_cast<long>(handle.query_int(sql).value_or(-1));
  }

  // A copy of the database at NAME, as an old backup would be.
  fs::path plant_copy(const fs::path& folder, const std::string& name) {
    fs::create_directories(folder);
    fs::copy_file(db, folder / name);
    return folder / name;
  }

  // A deploy with EXTRA refused in one line with exit 4 (the schema matches no snapshot); the
  // production file stays as it was.
  command_result refused_unmatched(std::vector<std::string> extra) {
    const std::string before = file_sha256(db);
    auto result = deploy(std::move(extra));
    EXPECT_EQ(result.exit_code, 4) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(file_sha256(db), before);
    return result;
  }

  fs::path fixups;
};

// The version-1 form of a view, for a production copy whose view names columns it lacks.
constexpr const char* repair_view_v1 =
    "-- litemig:fixup versions 0-1\n"
    "-- litemig:fixup when-view-broken tune_list\n"
    "DROP VIEW tune_list;\n"
    "CREATE VIEW tune_list AS SELECT id, title FROM tune;\n";

TEST_F(DeployDaily, AFixupRunsOnlyWhenItsHeaderSaysSoAndTheNextDeploySkipsIt) {
  fs::remove(db);
  make_database_without_bookkeeping(db, migrations, 1);
  litemig::sqlite::database(db).execute("DROP VIEW tune_list; CREATE VIEW tune_list AS SELECT id, title, key FROM tune;");
  write_file(fixups / "001_repair_tune_list.sql", repair_view_v1);
  write_file(fixups / "002_only_on_old_versions.sql", "-- litemig:fixup versions 7-9\nDELETE FROM note;\n");
  write_file(fixups / "003_only_when_asked.sql",
             "-- litemig:fixup when SELECT count(*) FROM tune WHERE title = 'no such tune'\nDELETE FROM tune;\n");

  const auto first = deploy({"--fixups", fixups.string(), "--upload", "--yes"});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  EXPECT_TRUE(has(first.out, "applied 001_repair_tune_list.sql: version 0 is in 0-1; view \"tune_list\" does not compile"))
      << first.out;
  EXPECT_TRUE(has(first.out, "skipped 002_only_on_old_versions.sql: version 0 is not in 7-9")) << first.out;
  EXPECT_TRUE(has(first.out, "skipped 003_only_when_asked.sql: 'SELECT count(*) FROM tune WHERE title = 'no such tune'' is false"))
      << first.out;
  EXPECT_EQ(user_version(db), 3);
  EXPECT_EQ(rows(db, "tune").size(), 5U);

  // The database is newer now: rerunning the repair would put back the version-1 view and fail verify.
  const std::string deployed_sha = file_sha256(db);
  const auto second = deploy({"--fixups", fixups.string(), "--upload", "--yes"});
  ASSERT_EQ(second.exit_code, 0) << second.err << second.out;
  EXPECT_TRUE(has(second.out, "skipped 001_repair_tune_list.sql: version 3 is not in 0-1")) << second.out;
  EXPECT_TRUE(has(second.out, "nothing to upload")) << second.out;
  EXPECT_EQ(file_sha256(db), deployed_sha);
}

TEST_F(DeployDaily, AViewBrokenConditionAloneSkipsAViewThatCompiles) {
  write_file(fixups / "001_repair.sql",
             "-- litemig:fixup when-view-broken \"tune_list\"\nDROP VIEW tune_list;\nCREATE VIEW tune_list AS SELECT id FROM tune;\n");
  write_file(fixups / "002_missing_view.sql", "-- litemig:fixup when-view-broken no_such_view\nDELETE FROM note;\n");
  const auto result = deploy({"--fixups", fixups.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_TRUE(has(result.out, "skipped 001_repair.sql: view \"tune_list\" compiles")) << result.out;
  EXPECT_TRUE(has(result.out, "skipped 002_missing_view.sql: view \"no_such_view\" does not exist")) << result.out;
}

TEST_F(DeployDaily, AFixupHeaderThatCannotBeReadIsOneLineAndChangesNothing) {
  const std::string before = file_sha256(db);
  for (const auto& [header, cause] : std::vector<std::pair<std::string, std::string>>{
           {"-- litemig:fixup versions two", "is not a list of versions"},
           {"-- litemig:fixup versions 3-1", "is not a list of versions"},
           {"-- litemig:fixup when-view-broken", "needs the name of a view"},
           {"-- litemig:fixup sometimes", "unknown fixup directive 'sometimes'"},
       }) {
    SCOPED_TRACE(header);
    write_file(fixups / "001_fixup.sql", "-- repairs\n" + header + "\nDELETE FROM note;\n");
    const auto result = deploy({"--fixups", fixups.string(), "--upload", "--yes"});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_TRUE(has(result.err, (fixups / "001_fixup.sql").string() + ":2: ")) << result.err;
    EXPECT_TRUE(has(result.err, cause)) << result.err;
    EXPECT_EQ(file_sha256(db), before);
  }
  for (const auto& condition : {"SELECT count(*) FROM no_such_table", "DELETE FROM note",
                                "SELECT 1; DELETE FROM note"}) {
    SCOPED_TRACE(condition);
    write_file(fixups / "001_fixup.sql", std::string("-- litemig:fixup when ") + condition + "\nSELECT 1;\n");
    const auto result = deploy({"--fixups", fixups.string(), "--upload", "--yes"});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_TRUE(has(result.err, (fixups / "001_fixup.sql").string() + ": the when condition")) << result.err;
    EXPECT_EQ(file_sha256(db), before);
  }
}

TEST_F(DeployDaily, DryRunListsTheFixupsThatWouldRunWithWhyAndTheViewsTheMigrateStepWouldRecreate) {
  // Drift: the view was edited by hand in production; the migrate step puts back the snapshot's.
  litemig::sqlite::database(db).execute("DROP VIEW tune_list; CREATE VIEW tune_list AS SELECT id FROM tune;");
  write_file(fixups / "001_repair_tune_list.sql", repair_view_v1);
  write_file(fixups / "002_notes.sql", "-- litemig:fixup versions 1\nUPDATE note SET body = trim(body);\n");
  const std::string before = file_sha256(db);
  const auto result = deploy({"--fixups", fixups.string(), "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_TRUE(has(result.out, "-- fixup 001_repair_tune_list.sql skipped: view \"tune_list\" compiles")) << result.out;
  EXPECT_TRUE(has(result.out, "-- fixup 002_notes.sql would run: version 1 is in 1\n-- litemig:fixup versions 1\nUPDATE note")) << result.out;
  EXPECT_TRUE(has(result.out, "-- the migrate step would recreate view \"tune_list\"")) << result.out;
  EXPECT_TRUE(has(result.out, "-- migration 0002_tune_mode.sql")) << result.out;
  EXPECT_EQ(file_sha256(db), before);
  EXPECT_FALSE(fs::exists(backups));

  const auto json = deploy({"--fixups", fixups.string(), "--dry-run", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(has(json.out, "\"planned_repairs\":[\"view \\\"tune_list\\\"")) << json.out;
  EXPECT_TRUE(has(json.out, "\"why\":\"version 1 is in 1\"")) << json.out;
}

TEST_F(DeployDaily, AnUnversionedDatabaseThatMatchesNoSnapshotIsToldWhatWouldAdoptIt) {
  fs::remove(db);
  make_database_without_bookkeeping(db, migrations, 2);
  break_view(db);
  const std::string before = file_sha256(db);
  const auto result = refused_unmatched({"--upload", "--yes"});
  EXPECT_TRUE(has(result.err, db.string() + ": no litemig bookkeeping and the schema matches no snapshot: it matches "
                                            "snapshot 2 except view \"tune_list\""))
      << result.err;
  EXPECT_TRUE(has(result.err, "add a fixup (--fixups) that recreates view \"tune_list\" as snapshot 2 has it")) << result.err;
  EXPECT_TRUE(has(result.err, "`litemig stamp --to 2`")) << result.err;

  // A fixup that does not help: the same advice, after the fixups.
  write_file(fixups / "001_noop.sql", "SELECT 1;\n");
  const auto after_fixups = deploy({"--fixups", fixups.string(), "--upload", "--yes"});
  EXPECT_EQ(after_fixups.exit_code, 4) << after_fixups.err;
  EXPECT_TRUE(has(after_fixups.err, "`litemig stamp --to 2` on it after checking (after the fixups)")) << after_fixups.err;
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(DeployDaily, AnUnversionedDatabaseWithAnExtraIndexIsToldToChangeItNotToRecreateIt) {
  fs::remove(db);
  make_database_without_bookkeeping(db, migrations, 2);
  litemig::sqlite::database(db).execute("CREATE INDEX tune_by_title ON tune(title);");
  const auto result = refused_unmatched({"--upload", "--yes"});
  // An index is no view or trigger: no upgrade recreates it from a snapshot (docs/deploy.md).
  EXPECT_TRUE(has(result.err, db.string() + ": no litemig bookkeeping and the schema matches no snapshot: the closest is "
                                            "snapshot 2 except index \"tune_by_title\""))
      << result.err;
  EXPECT_TRUE(has(result.err, "add a fixup (--fixups) that changes index \"tune_by_title\" to match snapshot 2")) << result.err;
}

TEST_F(DeployDaily, AnUnversionedDatabaseNewerThanEveryMigrationIsNamedByItsSource) {
  fs::remove(db);
  make_database_without_bookkeeping(db, migrations, 2);
  litemig::sqlite::database(db).execute("PRAGMA user_version = 99;");
  const std::string before = file_sha256(db);
  const auto result = deploy({"--upload", "--yes"});
  EXPECT_EQ(result.exit_code, 5) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_TRUE(has(result.err, db.string() + ": the database is at version 99, newer than every known migration"))
      << result.err;
  EXPECT_FALSE(has(result.err, "adopt.sqlite3")) << result.err;
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(DeployDaily, VacuumShrinksTheMigratedCopyBeforeTheUpload) {
  // Free pages in production: a large table created and dropped.
  litemig::sqlite::database(db).execute(
      "CREATE TABLE scratch(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
      "INSERT INTO scratch SELECT randomblob(500) FROM n; DROP TABLE scratch;");
  ASSERT_GT(query(db, "PRAGMA freelist_count"), 100);
  const auto size_before = fs::file_size(db);
  const auto notes = rows(db, "note");

  const auto plain = deploy({});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto copies = files_containing(backups, ".migrated-v3");
  ASSERT_EQ(copies.size(), 1U);
  EXPECT_GT(query(copies[0], "PRAGMA freelist_count"), 100) << "without --vacuum the free pages stay";

  const auto vacuumed = deploy({"--vacuum", "--upload", "--yes", "--json"});
  ASSERT_EQ(vacuumed.exit_code, 0) << vacuumed.err;
  EXPECT_TRUE(has(vacuumed.err, "VACUUM reclaimed")) << vacuumed.err;
  EXPECT_TRUE(has(vacuumed.out, "\"vacuumed\":true")) << vacuumed.out;
  EXPECT_EQ(query(db, "PRAGMA freelist_count"), 0);
  EXPECT_LT(fs::file_size(db), size_before / 4);
  EXPECT_EQ(user_version(db), 3);
  EXPECT_EQ(rows(db, "note"), notes);
}

TEST_F(DeployDaily, KeepBackupsRemovesOnlyTheOlderBackupsOfItsOwnScheme) {
  const fs::path old1 = plant_copy(backups, "tunetrees.20200101T000000Z.v1-v3.sqlite3");
  const fs::path old2 = plant_copy(backups, "tunetrees.20210101T000000Z.v1-v3-2.sqlite3");
  const fs::path newer = plant_copy(backups, "tunetrees.20250101T000000Z.v1-v3.sqlite3");
  // Beside a local source: the upgrades' backups and a restore's kept copy.
  const fs::path beside_old = plant_copy(db.parent_path(), "tunetrees.20200101T000000Z.v0-v1.sqlite3");
  const fs::path beside_newer = plant_copy(db.parent_path(), "tunetrees.20240101T000000Z.replaced.sqlite3");
  const fs::path beside_newest = plant_copy(db.parent_path(), "tunetrees.20250101T000000Z.v1-v2.sqlite3");
  // Not ours: other names, another database, a partial file, a folder, a link to a file that must stay.
  const std::vector<fs::path> foreign{
      plant_copy(backups, "tunetrees.sqlite3.bak"),
      plant_copy(backups, "tunetrees.20190101T000000Z.notes.sqlite3"),
      plant_copy(backups, "tunetrees.20190101T000000Z.v1-v3.sqlite3.partial-abc"),
      plant_copy(backups, "tunetrees.2019.v1-v3.sqlite3"),
      plant_copy(backups, "other.20190101T000000Z.v1-v3.sqlite3"),
      plant_copy(backups, "tunetrees.20190101T000000Z.v1-v3.db"),
      // Dated in the future: counted, it would push out the backup just made.
      plant_copy(backups, "tunetrees.29991231T235959Z.v1-v3.sqlite3"),
  };
  fs::create_directory(backups / "tunetrees.20180101T000000Z.v1-v2.sqlite3");
  const fs::path victim = plant_copy(root, "victim.sqlite3");
  fs::create_symlink(victim, backups / "tunetrees.20170101T000000Z.v1-v2.sqlite3");
  const std::string victim_sha = file_sha256(victim);

  const auto result = deploy({"--keep-backups", "2", "--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_FALSE(fs::exists(old1));
  EXPECT_FALSE(fs::exists(old2));
  EXPECT_TRUE(fs::exists(newer)) << "the newest older backup is the second kept";
  EXPECT_FALSE(fs::exists(beside_old));
  EXPECT_TRUE(fs::exists(beside_newer));
  EXPECT_TRUE(fs::exists(beside_newest));
  EXPECT_TRUE(has(result.out, "--keep-backups 2: removed the old backup " + old1.string())) << result.out;
  for (const auto& file : foreign) EXPECT_TRUE(fs::exists(file)) << file;
  EXPECT_TRUE(fs::is_directory(backups / "tunetrees.20180101T000000Z.v1-v2.sqlite3"));
  EXPECT_TRUE(fs::is_symlink(backups / "tunetrees.20170101T000000Z.v1-v2.sqlite3"));
  EXPECT_EQ(file_sha256(victim), victim_sha);
  std::vector<std::string> kept;
  for (const auto& entry : fs::directory_iterator(backups)) {
    const auto name = entry.path().filename().string();
    const bool dated_now = !name.starts_with("tunetrees.2999");
    if (entry.is_regular_file() && !entry.is_symlink() && dated_now && std::regex_match(name, backup_scheme)) {
      kept.push_back(name);
    }
  }
  EXPECT_EQ(kept.size(), 2U);
  EXPECT_TRUE(result.out.find("removed the old backup " + newer.string()) == std::string::npos);

  const auto refused = deploy({"--keep-backups", "0"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
}

TEST_F(DeployDaily, EveryBackupFollowsOneNamingScheme) {
  const fs::path local = root / "local" / "tunetrees.sqlite3";
  fs::create_directories(local.parent_path());
  make_production_database(local, migrations, 1);
  const auto upgraded = deploy_test::run_tool({"upgrade", "--db", local.string(), "--dir", migrations.string(), "--to", "2"});
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
  const auto deployed = deploy({"--upload", "--yes"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err;
  const auto restored = deploy_test::run_tool({"restore", "--backup", files_containing(backups, ".v1-v3")[0].string(), "--db",
                                 db.string(), "--yes"});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  std::vector<std::string> names;
  for (const auto& folder : {local.parent_path(), backups, db.parent_path()}) {
    for (const auto& entry : fs::directory_iterator(folder)) {
      const auto name = entry.path().filename().string();
      if (name != "tunetrees.sqlite3" && !has(name, ".migrated-v")) names.push_back(name);
    }
  }
  ASSERT_EQ(names.size(), 3U) << "the upgrade's, the deploy's and the one restore kept";
  for (const auto& name : names) EXPECT_TRUE(std::regex_match(name, backup_scheme)) << name;
  EXPECT_TRUE(std::any_of(names.begin(), names.end(), [](const auto& n) { return has(n, ".v1-v2.sqlite3"); }));
  EXPECT_TRUE(std::any_of(names.begin(), names.end(), [](const auto& n) { return has(n, ".replaced.sqlite3"); }));
}

TEST_F(DeployDaily, EachStepLogsItsDurationAndEachTransferItsBytesAndRate) {
  const auto result = deploy({"--upload", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* step : {"step 1/6 fetch: done in ", "step 2/6 backup: done in ", "step 3/6 fixups: done in ",
                           "step 4/6 migrate: done in ", "step 5/6 verify: done in ", "step 6/6 upload: done in "}) {
    EXPECT_TRUE(has(result.out, step)) << step << "\n" << result.out;
  }
  const std::regex fetched(R"(fetched \d+\.\d KiB in \d+\.\d\d s \(\d+(\.\d)? [KMG]?i?B/s\))");
  const std::regex uploaded(R"(uploaded \d+\.\d KiB in \d+\.\d\d s \()");
  EXPECT_TRUE(std::regex_search(result.out, fetched)) << result.out;
  EXPECT_TRUE(std::regex_search(result.out, uploaded)) << result.out;
  EXPECT_FALSE(has(result.err, "\r")) << "no progress line without a terminal";
}

TEST_F(DeployDaily, OnATerminalTheTransfersShowTheirProgress) {
  if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "script(1) is not installed";
  // script(1) runs the deploy on a pseudo-terminal and records what it shows.
  const std::string command = std::string(LITEMIG_CLI) + " deploy --source " + db.string() + " --dir " +
                              migrations.string() + " --backup-dir " + backups.string() + " --upload --yes";
  const auto result = run("/usr/bin/script", {"-qec", command, "/dev/null"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const std::regex progress(R"(\r\x1b\[K  (fetch|upload): \d+(\.\d)? [KMG]?i?B of \d+\.\d KiB \()");
  EXPECT_TRUE(std::regex_search(result.out, progress)) << result.out;
  EXPECT_TRUE(has(result.out, "  fetch: ")) << result.out;
  EXPECT_TRUE(has(result.out, "  upload: ")) << result.out;
  EXPECT_EQ(user_version(db), 3);
}

}  // namespace

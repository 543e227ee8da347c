// `litemig verify` and `litemig embed` as the build and ctest run them: real processes on real
// migration directories.
#include "litemig/sqlite.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>


#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

namespace fs = std::filesystem;

namespace {

using namespace litemig::testing;

process_result run_cli(const std::string& arguments) { return run_shell("\"" + std::string(LITEMIG_CLI) + "\" " + arguments); }


constexpr const char* tune_table = "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT);\n";

class MigrationDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device entropy;
    root_ = fs::temp_directory_path() / ("litemig-verify-test-" + std::to_string(entropy()));
    dir_ = root_ / "migrations";
    add(1, "initial", tune_table, "DROP TABLE tune;\n", tune_table);
  }
  void TearDown() override { fs::remove_all(root_); }

  void add(int version, const std::string& slug, const std::string& up, const std::string& down,
           const std::string& snapshot) {
    char number[8];
    std::snprintf(number, sizeof number, "%04d", version);
    write_file(dir_ / (std::string(number) + "_" + slug + ".sql"), "-- litemig:up\n" + up + "-- litemig:down\n" + down);
    write_file(dir_ / "snapshots" / (std::string(number) + ".sql"), snapshot);
  }

  std::string dir() const { return "--dir \"" + dir_.string() + "\""; }

  fs::path root_;
  fs::path dir_;
};

}  // namespace

TEST_F(MigrationDirectory, VerifyPassesAMigrationThatKeepsEveryValue) {
  add(2, "rename_mode", "ALTER TABLE tune RENAME COLUMN mode TO key_signature;\n",
      "ALTER TABLE tune RENAME COLUMN key_signature TO mode;\n",
      "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, key_signature TEXT);\n");
  const auto result = run_cli("verify " + dir() + " --version 2 --rows 30");
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("renamed to \"key_signature\""), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("verified up to 0002 and down to 0001"), std::string::npos) << result.out;
}

TEST_F(MigrationDirectory, VerifyFailsAMigrationThatLosesRowsOrValues) {
  add(2, "lossy", "DELETE FROM tune WHERE id % 3 = 0;\nUPDATE tune SET title = 'changed' WHERE id = 1;\n", "",
      tune_table);
  const auto result = run_cli("verify " + dir() + " --version 2");
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_NE(result.out.find("0002_lossy.sql: up: table \"tune\""), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("rows before"), std::string::npos) << result.out;
}

TEST_F(MigrationDirectory, VerifyFailsAnUpPartThatLosesRowsOnlyAfterADowngrade) {
  // The down part leaves a mark outside the schema that the second up part acts on.
  add(2, "add_composer",
      "ALTER TABLE tune ADD COLUMN composer TEXT;\n"
      "DELETE FROM tune WHERE EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'litemig_mark');\n",
      "ALTER TABLE tune DROP COLUMN composer;\nCREATE TABLE litemig_mark(x);\n",
      "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT, composer TEXT);\n");
  const auto result = run_cli("verify " + dir() + " --version 2");
  EXPECT_EQ(result.exit_code, 1) << result.out;
  EXPECT_NE(result.out.find("0002_add_composer.sql: up after down: table \"tune\""), std::string::npos) << result.out;
}

TEST_F(MigrationDirectory, VerifyNeedsAtLeastThreeRowsPerTable) {
  add(2, "add_composer", "ALTER TABLE tune ADD COLUMN composer TEXT;\n", "ALTER TABLE tune DROP COLUMN composer;\n",
      "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT, composer TEXT);\n");
  const auto refused = run_cli("verify " + dir() + " --version 2 --rows 2");
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_NE(refused.out.find("at least 3 rows"), std::string::npos) << refused.out;
  const auto result = run_cli("verify " + dir() + " --version 2 --rows 3");
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("3 rows in 1 table"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("and up again"), std::string::npos) << result.out;
}

TEST_F(MigrationDirectory, VerifyFailsADownPartThatDoesNotRestoreTheSchema) {
  add(2, "add_composer", "ALTER TABLE tune ADD COLUMN composer TEXT;\n", "",
      "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT, composer TEXT);\n");
  const auto result = run_cli("verify " + dir() + " --version 2");
  EXPECT_NE(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("0002_add_composer.sql: down: "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("snapshots/0001.sql"), std::string::npos) << result.out;
}

TEST_F(MigrationDirectory, VerifyStartsFromAFixtureAndLeavesItUntouched) {
  add(2, "add_composer", "ALTER TABLE tune ADD COLUMN composer TEXT DEFAULT 'trad';\n",
      "ALTER TABLE tune DROP COLUMN composer;\n",
      "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT, composer TEXT DEFAULT 'trad');\n");
  const auto fixture = root_ / "fixture_v1.sqlite3";
  {
    litemig::sqlite::database db(fixture, litemig::sqlite::open_mode::create);
    db.execute(tune_table);
    db.execute("INSERT INTO tune (title, mode) VALUES ('The Kesh', 'G'), ('Cooley''s', 'Edor');");
    db.set_user_version(1);
  }
  const auto bytes = read_file(fixture);
  const auto result = run_cli("verify " + dir() + " --version 2 --fixture \"" + fixture.string() + "\"");
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("2 rows in 1 table at version 1"), std::string::npos) << result.out;
  EXPECT_EQ(read_file(fixture), bytes);

  const auto wrong_version = run_cli("verify " + dir() + " --version 1 --fixture \"" + fixture.string() + "\"");
  EXPECT_EQ(wrong_version.exit_code, 2) << wrong_version.out;
  EXPECT_NE(wrong_version.out.find("fixture is at version 1, migration 0001 needs version 0"), std::string::npos);
}

TEST_F(MigrationDirectory, VerifyReferenceComparesTheNewestSnapshot) {
  const auto reference = root_ / "reference.sqlite3";
  {
    litemig::sqlite::database db(reference, litemig::sqlite::open_mode::create);
    db.execute(tune_table);
  }
  EXPECT_EQ(run_cli("verify " + dir() + " --reference \"" + reference.string() + "\"").exit_code, 0);
  litemig::sqlite::database(reference).execute("ALTER TABLE tune ADD COLUMN composer TEXT");
  const auto stale = run_cli("verify " + dir() + " --reference \"" + reference.string() + "\"");
  EXPECT_EQ(stale.exit_code, 4) << stale.out;
  EXPECT_NE(stale.out.find("composer"), std::string::npos) << stale.out;
}

TEST_F(MigrationDirectory, EmbedWritesOneTestPerMigrationAndRewritesNothingUnchanged) {
  add(2, "add_composer", "ALTER TABLE tune ADD COLUMN composer TEXT;\n", "ALTER TABLE tune DROP COLUMN composer;\n",
      "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT, composer TEXT);\n");
  const auto fixtures = root_ / "fixtures";
  fs::create_directories(fixtures);
  {
    litemig::sqlite::database db(fixtures / "v1.sqlite3", litemig::sqlite::open_mode::create);
    db.set_user_version(1);
  }
  const auto source = root_ / "out" / "embedded.cpp";
  const auto tests = root_ / "out" / "tests.cmake";
  const auto arguments = "embed " + dir() + " --output \"" + source.string() + "\" --tests \"" + tests.string() +
                         "\" --litemig /opt/litemig --fixtures \"" + fixtures.string() + "\" --test-prefix app.";
  const auto first = run_cli(arguments);
  ASSERT_EQ(first.exit_code, 0) << first.out;
  const auto list = read_file(tests);
  EXPECT_NE(list.find("app.migration.0001"), std::string::npos) << list;
  EXPECT_NE(list.find("app.migration.0002"), std::string::npos) << list;
  EXPECT_NE(list.find("--version 2 --fixture"), std::string::npos) << list;
  EXPECT_NE(read_file(source).find("std::int64_t latest_version() { return 2; }"), std::string::npos);

  const auto written = fs::last_write_time(source);
  const auto listed = fs::last_write_time(tests);
  ASSERT_EQ(run_cli(arguments).exit_code, 0);
  EXPECT_EQ(fs::last_write_time(source), written);
  EXPECT_EQ(fs::last_write_time(tests), listed);
}

TEST_F(MigrationDirectory, EachMigrationTestWritesAndAttachesItsDiagram) {
  add(2, "add_composer", "ALTER TABLE tune ADD COLUMN composer TEXT;\n", "ALTER TABLE tune DROP COLUMN composer;\n",
      "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT, composer TEXT);\n");
  const auto tests = root_ / "out" / "tests.cmake";
  const auto embedded = run_cli("embed " + dir() + " --output \"" + (root_ / "out" / "embedded.cpp").string() +
                                    "\" --tests \"" + tests.string() + "\" --litemig /opt/litemig");
  ASSERT_EQ(embedded.exit_code, 0) << embedded.out;
  const auto diagram = root_ / "out" / "diagrams" / "migration.0002.mmd";
  const auto list = read_file(tests);
  EXPECT_NE(list.find("--diagram [==[" + diagram.string() + "]==]"), std::string::npos) << list;
  EXPECT_NE(list.find("ATTACHED_FILES [==[" + diagram.string() + "]==]"), std::string::npos) << list;

  const auto verified = run_cli("verify " + dir() + " --version 2 --diagram \"" + diagram.string() + "\"");
  ASSERT_EQ(verified.exit_code, 0) << verified.out;
  const auto picture = read_file(diagram);
  EXPECT_EQ(picture.rfind("erDiagram\n", 0), 0u) << picture;
  EXPECT_NE(picture.find("table tune: changed"), std::string::npos) << picture;
  EXPECT_NE(picture.find("TEXT composer"), std::string::npos) << picture;
}

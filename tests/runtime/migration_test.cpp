// Migration files and migration sets: parsing, numbering, snapshots and the directory sum.
#include "runtime_test_support.hpp"

#include "litemig/errors.hpp"
#include "litemig/migration.hpp"

#include <gtest/gtest.h>

using namespace litemig;
using namespace litemig::testing;

namespace {

class MigrationSet : public runtime_test {};

exit_code code_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const failure& e) {
    return e.code();
  }
  return exit_code::ok;
}

}  // namespace

TEST(ParseMigration, SplitsPartsAndReadsDirectives) {
  const std::string text =
      "-- Adds notes.\n-- litemig:up\n-- litemig:foreign-key-check \"note\" tune \"odd \"\"name\"\"\"\n"
      "CREATE TABLE note(id INTEGER PRIMARY KEY);\n-- litemig:down\nDROP TABLE note;\n";
  const auto m = parse_migration("0007_add_notes.sql", text);
  EXPECT_EQ(m.version, 7);
  EXPECT_EQ(m.name, "add_notes");
  EXPECT_EQ(m.checksum, sha256_hex(text));
  EXPECT_EQ(m.up.sql, "CREATE TABLE note(id INTEGER PRIMARY KEY);\n");
  EXPECT_EQ(m.down.sql, "DROP TABLE note;\n");
  EXPECT_EQ(m.up.foreign_key_check_tables, (std::vector<std::string>{"note", "tune", "odd \"name\""}));
  EXPECT_TRUE(m.up.foreign_key_check_declared);
  EXPECT_FALSE(m.down.foreign_key_check_declared);
}

TEST(ParseMigration, RefusesMalformedFilesAsUsageErrors) {
  EXPECT_EQ(code_of([] { parse_migration("0001_x.sql", "CREATE TABLE t(a);\n"); }), exit_code::usage);
  EXPECT_EQ(code_of([] { parse_migration("1_x.sql", "-- litemig:up\n"); }), exit_code::usage);
  EXPECT_EQ(code_of([] { parse_migration("0000_x.sql", "-- litemig:up\n"); }), exit_code::usage);
  EXPECT_EQ(code_of([] { parse_migration("0001_x.sql", "-- litemig:down\n-- litemig:up\n"); }), exit_code::usage);
  EXPECT_EQ(code_of([] { parse_migration("0001_x.sql", "-- litemig:up\n-- litemig:typo\n"); }), exit_code::usage);
  try {
    parse_migration("0001_x.sql", "no marker\n");
  } catch (const failure& e) {
    EXPECT_NE(std::string(e.what()).find("0001_x.sql"), std::string::npos) << e.what();
  }
}

TEST(ParseMigration, ReadsThePlannersDirectivesWrittenWithTheSameNames) {
  const std::string up = render_directive(directive::foreign_key_check, {"note"}) + "\n" +
                         render_directive(directive::rebuild, {"note"}) + "\n" +
                         render_directive(directive::rename_table, {"old note", "note"}) + "\n" +
                         render_directive(directive::rename_column, {"note", "text", "body"}) + "\n" +
                         render_directive(directive::drop_table, {"tag"}) + "\n" +
                         render_directive(directive::drop_column, {"note", "we\"ird"}) + "\n";
  const auto m = parse_migration("0002_x.sql", "-- litemig:up\n" + up + "SELECT 1;\n-- litemig:down\nSELECT 1;\n");
  part_plan expected;
  expected.rebuilt_tables = {"note"};
  expected.renamed_tables = {{"old note", "note"}};
  expected.renamed_columns = {{"note", "text", "body"}};
  expected.dropped_tables = {"tag"};
  expected.dropped_columns = {{"note", "we\"ird"}};
  expected.declared = true;
  EXPECT_EQ(m.up.plan, expected);
  EXPECT_EQ(m.up.foreign_key_check_tables, std::vector<std::string>{"note"});
  EXPECT_EQ(m.up.sql, "SELECT 1;\n");
  EXPECT_FALSE(m.down.plan.declared) << "a part without directives is hand-written";
}

TEST(ParseMigration, RefusesDirectivesWithTheWrongArgumentsAndNamesThatWouldEndTheLine) {
  for (const auto* line : {"-- litemig:rebuild", "-- litemig:rebuild \"a\" \"b\"", "-- litemig:rename-column \"t\" \"a\"",
                           "-- litemig:drop-column \"t\"", "-- litemig:rename-table \"a\"", "-- litemig:rebuild \"open"}) {
    EXPECT_EQ(code_of([&] { parse_migration("0001_x.sql", std::string("-- litemig:up\n") + line + "\n"); }), exit_code::usage)
        << line;
  }
  EXPECT_EQ(code_of([] { render_directive(directive::rebuild, {"t\nDELETE FROM book;"}); }), exit_code::usage);
}

TEST(Sha256, MatchesTheKnownDigest) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(MigrationSet, ReadsADirectoryInOrderWithSnapshots) {
  write_library_migrations(path("m"));
  const auto set = migration_set::from_directory(path("m"));
  ASSERT_EQ(set.migrations().size(), 3u);
  EXPECT_EQ(set.latest_version(), 3);
  EXPECT_EQ(set.migrations()[0].file_name, "0001_initial.sql");
  EXPECT_EQ(set.find(2)->name, "notes");
  EXPECT_EQ(set.find(4), nullptr);
  EXPECT_EQ(set.snapshot(0), std::string{});
  EXPECT_NE(set.snapshot(3)->find("mode"), std::string::npos);
  EXPECT_EQ(set.integrity(), sum_state::absent);
}

TEST_F(MigrationSet, AMissingDirectoryIsAnEmptySet) {
  const auto set = migration_set::from_directory(path("nothing"));
  EXPECT_TRUE(set.migrations().empty());
  EXPECT_EQ(set.latest_version(), 0);
}

TEST_F(MigrationSet, RefusesAGapInTheNumbers) {
  write_migration(path("m"), 1, "a", "CREATE TABLE a(x);", "DROP TABLE a;", "CREATE TABLE a(x);");
  write_migration(path("m"), 3, "c", "CREATE TABLE c(x);", "DROP TABLE c;", "CREATE TABLE a(x); CREATE TABLE c(x);");
  try {
    migration_set::from_directory(path("m"));
    FAIL() << "expected a refusal";
  } catch (const failure& e) {
    EXPECT_EQ(e.code(), exit_code::usage);
    EXPECT_NE(std::string(e.what()).find("0002"), std::string::npos) << e.what();
  }
}

TEST_F(MigrationSet, ChecksTheDirectorySum) {
  write_library_migrations(path("m"));
  std::map<std::string, std::string> files;
  for (const auto* name : {"0001_initial.sql", "0002_notes.sql", "0003_tune_mode.sql", "snapshots/0003.sql"}) {
    files[name] = read_file(path("m") / name);
  }
  write_file(path("m") / sum_file_name, render_sum(files));
  EXPECT_EQ(migration_set::from_directory(path("m")).integrity(), sum_state::matches);

  write_file(path("m") / "0002_notes.sql", read_file(path("m") / "0002_notes.sql") + "-- edited\n");
  const auto edited = migration_set::from_directory(path("m"));
  EXPECT_EQ(edited.integrity(), sum_state::mismatch);
  EXPECT_NE(edited.integrity_problem().find("0002_notes.sql"), std::string::npos) << edited.integrity_problem();
}

TEST(MigrationSetEmbedded, ReadsEmbeddedFiles) {
  const std::array<embedded_file, 2> files{{
      {"0001_initial.sql", "-- litemig:up\nCREATE TABLE t(a);\n-- litemig:down\nDROP TABLE t;\n"},
      {"snapshots/0001.sql", "CREATE TABLE t(a);\n"},
  }};
  const auto set = migration_set::from_embedded(files);
  EXPECT_EQ(set.latest_version(), 1);
  EXPECT_EQ(set.snapshot(1), "CREATE TABLE t(a);\n");
  EXPECT_EQ(set.locate("0001_initial.sql"), "embedded:0001_initial.sql");
}

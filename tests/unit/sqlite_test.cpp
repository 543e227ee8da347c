#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace litemig::sqlite;

namespace {

fs::path temp_file(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("litemig_unit_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::create_directories(dir);
  const auto path = dir / name;
  fs::remove(path);
  return path;
}

}  // namespace

TEST(Sqlite, ExecuteRunsEveryStatementOfAScript) {
  auto db = database::in_memory();
  db.execute("CREATE TABLE t(a); INSERT INTO t VALUES (1); -- comment\nINSERT INTO t VALUES (2);");
  EXPECT_EQ(db.query_int("SELECT sum(a) FROM t"), 3);
}

TEST(Sqlite, ErrorCarriesCodeSqlAndFile) {
  const auto path = temp_file("error.sqlite3");
  database db(path, open_mode::create);
  try {
    db.execute("SELECT * FROM missing_table");
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_EQ(e.primary_code(), 1);
    EXPECT_NE(e.sql().find("missing_table"), std::string::npos);
    EXPECT_EQ(e.file(), path.string());
    EXPECT_NE(std::string(e.what()).find("no such table"), std::string::npos);
  }
}

TEST(Sqlite, TransactionRollsBackInItsDestructor) {
  auto db = database::in_memory();
  db.execute("CREATE TABLE t(a)");
  {
    transaction tx(db, transaction_kind::immediate);
    db.execute("INSERT INTO t VALUES (1)");
  }
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t"), 0);
  {
    transaction tx(db);
    db.execute("INSERT INTO t VALUES (1)");
    tx.commit();
  }
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t"), 1);
}

TEST(Sqlite, StatementBindsAndReadsValues) {
  auto db = database::in_memory();
  db.execute("CREATE TABLE t(i INTEGER, r REAL, s TEXT)");
  auto insert = db.prepare("INSERT INTO t VALUES (?, ?, ?)");
  insert.bind(1, std::int64_t{42}).bind(2, 1.5).bind(3, std::string_view("x'y"));
  EXPECT_FALSE(insert.step());
  auto select = db.prepare("SELECT i, r, s, NULL FROM t");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_int(0), 42);
  EXPECT_DOUBLE_EQ(select.column_double(1), 1.5);
  EXPECT_EQ(select.column_text(2), "x'y");
  EXPECT_TRUE(select.is_null(3));
  EXPECT_EQ(select.column_optional_text(3), std::nullopt);
}

TEST(Sqlite, NotADatabaseIsReportedWithTheFile) {
  const auto path = temp_file("not_a_db.sqlite3");
  std::ofstream(path) << "this is plain text, not an SQLite database file, long enough to have a header";
  database db(path, open_mode::read_only);
  try {
    db.validate();
    FAIL() << "expected an error";
  } catch (const error& e) {
    EXPECT_TRUE(e.is_not_a_database());
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
  }
}

TEST(Sqlite, MissingFileIsNotCreatedWithoutCreateMode) {
  const auto path = temp_file("missing.sqlite3");
  EXPECT_THROW(database(path, open_mode::read_write), error);
  EXPECT_FALSE(fs::exists(path));
}

TEST(Sqlite, QuotingDoublesEmbeddedQuotes) {
  EXPECT_EQ(quote_identifier("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(quote_literal("it's"), "'it''s'");
  auto db = database::in_memory();
  db.execute("CREATE TABLE " + quote_identifier("a \"b\" c") + "(x)");
  EXPECT_EQ(db.query_int("SELECT count(*) FROM sqlite_schema WHERE name = " + quote_literal("a \"b\" c")), 1);
}

TEST(Sqlite, CompleteStatementUsesSqlite) {
  EXPECT_TRUE(is_complete_statement("SELECT 1;"));
  EXPECT_FALSE(is_complete_statement("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;"));
  EXPECT_TRUE(is_complete_statement("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;"));
}

TEST(Sqlite, BackupCopiesTheDatabase) {
  const auto source_path = temp_file("backup_source.sqlite3");
  const auto target_path = temp_file("backup_target.sqlite3");
  database source(source_path, open_mode::create);
  source.execute("CREATE TABLE t(a); INSERT INTO t VALUES (7);");
  source.backup_to(target_path);
  database target(target_path, open_mode::read_only);
  EXPECT_EQ(target.query_int("SELECT a FROM t"), 7);
}

TEST(Sqlite, UserVersionRoundTrips) {
  auto db = database::in_memory();
  EXPECT_EQ(db.user_version(), 0);
  db.set_user_version(12);
  EXPECT_EQ(db.user_version(), 12);
}

// A migration runs in one transaction with its history row, or not at all: statements that would
// end or leave that transaction are refused when the directory is read, the applier keeps its
// transaction against any statement that gets through, no SQL reaches another file, a launch on a
// missing file never deletes one, and an attempt that changes nothing leaves no backup.
#include "reliability_support.hpp"

#include "litemig/errors.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <vector>

using namespace litemig::reliability;
using litemig::exit_code;
using litemig::sqlite::database;

namespace {

const std::string book = "CREATE TABLE book(id INTEGER PRIMARY KEY, title TEXT NOT NULL);";

class Transactions : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_migration(migrations(), 1, "initial", book, "DROP TABLE book;", book + "\n");
  }
  fs::path migrations() const { return path("migrations"); }
  fs::path database_with_books() {
    const auto db = path("app.db");
    EXPECT_EQ(run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_).exit_code, 0);
    database(db).execute("INSERT INTO book(title) VALUES ('one'), ('two'), ('three');");
    return db;
  }
  // Migration 2 whose up part is a data change, then STATEMENT (on line 5 of the file), then a
  // failing statement: the state that half-applied before.
  void write_escaping_migration(const std::string& statement) {
    write_migration(migrations(), 2, "escape",
                    "DELETE FROM book WHERE id = 1;\nCREATE TABLE shelf(id INTEGER PRIMARY KEY);\n" + statement +
                        "\nINSERT INTO missing VALUES (1);",
                    "DROP TABLE shelf;", book + "\nCREATE TABLE shelf(id INTEGER PRIMARY KEY);\n");
  }
};

const std::vector<std::string> escaping_statements{
    "COMMIT;", "END TRANSACTION;", "ROLLBACK;", "BEGIN;", "SAVEPOINT s;", "RELEASE s;", "VACUUM;",
    "ATTACH 'other.db' AS other;", "DETACH other;", "PRAGMA foreign_keys = OFF;", "PRAGMA journal_mode = WAL;",
    "pragma main.user_version = 7;", "PRAGMA writable_schema = ON;", "  commit  ;", "EXPLAIN COMMIT;",
    "/* a comment */ RELEASE SAVEPOINT s;", "PRAGMA locking_mode = EXCLUSIVE;", "PRAGMA wal_checkpoint;",
    // The words of a refused statement found wherever the tokenizer finds them: any case, next to
    // a comment or a semicolon, after EXPLAIN QUERY PLAN.
    "/*x*/CoMmIt;", "SELECT 1;eNd;", "EXPLAIN\tQUERY PLAN detach other;",
};

TEST_F(Transactions, AStatementThatEndsOrLeavesTheTransactionIsRefusedWhenTheDirectoryIsRead) {
  const auto db = database_with_books();
  for (const auto& statement : escaping_statements) {
    SCOPED_TRACE(statement);
    write_escaping_migration(statement);
    const auto before = file_sha256(db);
    const auto file = (migrations() / "0002_escape.sql").string();
    for (const auto& command : std::vector<std::vector<std::string>>{
             {"upgrade", "--db", db.string(), "--dir", migrations().string()},
             {"hash", "--dir", migrations().string()},
             {"history", "--dir", migrations().string()},
             {"check", "--db", db.string(), "--dir", migrations().string()},
             {"verify", "--dir", migrations().string(), "--version", "2"},
             {"embed", "--dir", migrations().string(), "--output", path("embedded.cpp").string()}}) {
      SCOPED_TRACE(command.front());
      const auto result = run_litemig(command, dir_);
      EXPECT_EQ(result.exit_code, static_cast<int>(exit_code::usage)) << result.err;
      EXPECT_EQ(line_count(result.err), 1u) << result.err;
      EXPECT_TRUE(contains(result.err, file + ":5:")) << result.err;
    }
    EXPECT_EQ(file_sha256(db), before);
    EXPECT_FALSE(fs::exists(path("other.db")));
    EXPECT_FALSE(fs::exists(path("embedded.cpp")));
  }
}

TEST_F(Transactions, TriggerBodiesAndAllowedPragmasAreNotMistakenForTransactionControl) {
  const auto db = database_with_books();
  const std::string trigger =
      "CREATE TRIGGER book_end AFTER INSERT ON book BEGIN\n  UPDATE book SET title = title || ';' WHERE id = new.id;\nEND;";
  write_migration(migrations(), 2, "trigger", "PRAGMA defer_foreign_keys = ON;\n" + trigger, "DROP TRIGGER book_end;",
                  book + "\n" + trigger + "\n");
  const auto result = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
}

TEST_F(Transactions, TheApplierKeepsItsTransactionAgainstEveryStatementThatWouldEndIt) {
  const auto db = database_with_books();
  for (const auto& statement : {"COMMIT;", "END;", "ROLLBACK;", "BEGIN;", "SAVEPOINT s;", "RELEASE s;", "VACUUM;",
                                "ATTACH 'other.db' AS other;", "DETACH other;"}) {
    SCOPED_TRACE(statement);
    database connection(db);
    litemig::sqlite::transaction transaction(connection, litemig::sqlite::transaction_kind::immediate);
    EXPECT_THROW(connection.execute_in_transaction(std::string("DELETE FROM book;\n") + statement + "\nDELETE FROM book;"),
                 litemig::sqlite::error);
    EXPECT_TRUE(connection.in_transaction());
    transaction.rollback();
    EXPECT_EQ(query_int(db, "SELECT count(*) FROM book"), 3);
  }
}

TEST_F(Transactions, NoSqlThatLitemigRunsCanReachAnotherFile) {
  // A snapshot is loaded into a scratch database: it must not be able to write elsewhere either.
  const auto db = database_with_books();
  const auto victim = path("victim.db");
  write_migration(migrations(), 2, "shelf", "CREATE TABLE shelf(id INTEGER PRIMARY KEY);", "DROP TABLE shelf;",
                  book + "\nCREATE TABLE shelf(id INTEGER PRIMARY KEY);\n" +
                      fmt::format("ATTACH '{}' AS v;\nCREATE TABLE v.t(x);\nVACUUM INTO '{}';\n", victim.string(),
                                  path("copy.db").string()));
  const auto result = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_FALSE(fs::exists(victim));
  EXPECT_FALSE(fs::exists(path("copy.db")));
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
}

TEST_F(Transactions, LaunchesRacingOnAMissingFileNeverDeleteTheDatabase) {
  // A migration that takes a while, so that the other launches give up waiting (busy timeout)
  // while the first one has not committed yet.
  write_migration(migrations(), 2, "slow",
                  "CREATE TABLE filler(n INTEGER);\n"
                  "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000000) "
                  "INSERT INTO filler SELECT i FROM c;\nINSERT INTO book(title) VALUES ('seed');",
                  "DROP TABLE filler;", book + "\nCREATE TABLE filler(n INTEGER);\n");
  const auto db = path("new.db");
  std::vector<pid_t> launches;
  for (int i = 0; i < 4; ++i) {
    launches.push_back(start({{LITEMIG_CLI, "upgrade", "--db", db.string(), "--dir", migrations().string(),
                               "--busy-timeout", "0.1"},
                              {},
                              path(fmt::format("out{}", i)),
                              path(fmt::format("err{}", i))}));
  }
  int succeeded = 0;
  for (const auto pid : launches) succeeded += wait_for(pid) == 0 ? 1 : 0;
  EXPECT_GE(succeeded, 1);
  ASSERT_TRUE(fs::is_regular_file(db));
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM book WHERE title = 'seed'"), 1);
  EXPECT_EQ(query_text(db, "PRAGMA integrity_check"), "ok");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_FALSE(contains(entry.path().filename().string(), ".litemig-new-")) << entry.path();
  }
}

TEST_F(Transactions, ASumNamingAFileOutsideTheDirectoryIsRefused) {
  const auto secret = path("secret.txt");
  write_file(secret, "the build machine's secret\n");
  ASSERT_EQ(run_litemig({"hash", "--dir", migrations().string()}, dir_).exit_code, 0);
  const auto sum = migrations() / "litemig.sum";
  for (const auto& name : {secret.string(), std::string("../secret.txt"), std::string("0001_x/../../secret.txt")}) {
    SCOPED_TRACE(name);
    write_file(sum, read_file(sum) + litemig::sha256_hex(read_file(secret)) + " " + name + "\n");
    for (const auto& command : std::vector<std::vector<std::string>>{
             {"history", "--dir", migrations().string()},
             {"upgrade", "--db", path("app.db").string(), "--dir", migrations().string()},
             {"embed", "--dir", migrations().string(), "--output", path("embedded.cpp").string()}}) {
      const auto result = run_litemig(command, dir_);
      EXPECT_EQ(result.exit_code, static_cast<int>(exit_code::usage)) << result.err;
      EXPECT_TRUE(contains(result.err, "litemig.sum:")) << result.err;
    }
    EXPECT_FALSE(fs::exists(path("embedded.cpp")));
    EXPECT_FALSE(fs::exists(path("app.db")));
    ASSERT_EQ(run_litemig({"hash", "--dir", migrations().string()}, dir_).exit_code, 0);
    EXPECT_FALSE(contains(read_file(sum), "secret"));
  }
}

TEST_F(Transactions, AMigrationHoldingANulByteIsRefusedNeverCutShort) {
  const auto db = database_with_books();
  write_migration(migrations(), 2, "nul", std::string("DELETE FROM book WHERE id = 1;\n-- \0\nDELETE FROM book;", 53),
                  "SELECT 1;", book + "\n");
  const auto before = file_sha256(db);
  const auto result = run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
  EXPECT_EQ(result.exit_code, static_cast<int>(exit_code::usage)) << result.err;
  EXPECT_TRUE(contains(result.err, "0002_nul.sql:4: a NUL byte")) << result.err;
  EXPECT_EQ(file_sha256(db), before);
}

TEST_F(Transactions, HashRefusesTwoMigrationsOfOneNumber) {
  // Two branches each generated 0002: recording that would hide the clash until a user's upgrade.
  write_migration(migrations(), 2, "from_one_branch", "CREATE TABLE a(x);", "DROP TABLE a;", book + "\nCREATE TABLE a(x);\n");
  write_migration(migrations(), 2, "from_another", "CREATE TABLE b(x);", "DROP TABLE b;", book + "\nCREATE TABLE b(x);\n");
  const auto result = run_litemig({"hash", "--dir", migrations().string()}, dir_);
  EXPECT_EQ(result.exit_code, static_cast<int>(exit_code::usage)) << result.err;
  EXPECT_TRUE(contains(result.err, "two migrations carry number 0002")) << result.err;
  EXPECT_FALSE(fs::exists(migrations() / "litemig.sum"));
}

TEST_F(Transactions, HashRefusesToRecordAnEditOfAnOlderMigration) {
  write_migration(migrations(), 2, "shelf", "CREATE TABLE shelf(id INTEGER PRIMARY KEY);", "DROP TABLE shelf;",
                  book + "\nCREATE TABLE shelf(id INTEGER PRIMARY KEY);\n");
  ASSERT_EQ(run_litemig({"hash", "--dir", migrations().string()}, dir_).exit_code, 0);
  const auto sum = read_file(migrations() / "litemig.sum");

  const auto older = migrations() / "0001_initial.sql";
  write_file(older, read_file(older) + "UPDATE book SET title = 'changed';\n");
  const auto refused = run_litemig({"hash", "--dir", migrations().string()}, dir_);
  EXPECT_EQ(refused.exit_code, static_cast<int>(exit_code::checksum_mismatch)) << refused.err;
  EXPECT_TRUE(contains(refused.err, "0001_initial.sql: changed after a later migration was recorded")) << refused.err;
  EXPECT_EQ(read_file(migrations() / "litemig.sum"), sum);
  EXPECT_EQ(run_litemig({"hash", "--dir", migrations().string(), "--allow-older-edits"}, dir_).exit_code, 0);

  // The newest migration is the one a team edits on purpose (a data migration added by hand).
  const auto newest = migrations() / "0002_shelf.sql";
  write_file(newest, read_file(newest) + "-- a data fix\n");
  EXPECT_EQ(run_litemig({"hash", "--dir", migrations().string()}, dir_).exit_code, 0);
}

class RefusedAttempts : public Transactions {
 protected:
  std::size_t backups() const {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      const auto name = entry.path().filename().string();
      if (name.starts_with("app.") && name != "app.db") ++count;
    }
    return count;
  }
  process_result upgrade(const fs::path& db) {
    return run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string()}, dir_);
  }
};

TEST_F(RefusedAttempts, AnAttemptThatChangesNothingLeavesNoBackup) {
  const auto db = database_with_books();
  ASSERT_EQ(backups(), 0u);

  // Pre-flight: a NOT NULL column that existing rows fail.
  write_migration(migrations(), 2, "strict", "UPDATE book SET title = NULL WHERE id = 2;", "SELECT 1;", book + "\n");
  for (int attempt = 0; attempt < 3; ++attempt) EXPECT_NE(upgrade(db).exit_code, 0);
  EXPECT_EQ(backups(), 0u);

  // An SQL error in the migration.
  write_migration(migrations(), 2, "strict", "INSERT INTO missing VALUES (1);", "SELECT 1;", book + "\n");
  EXPECT_EQ(upgrade(db).exit_code, static_cast<int>(exit_code::failure));
  EXPECT_EQ(backups(), 0u);

  // Tables changed outside migrations.
  write_migration(migrations(), 2, "strict", "SELECT 1;", "SELECT 1;", book + "\n");
  database(db).execute("ALTER TABLE book ADD COLUMN extra TEXT;");
  EXPECT_EQ(upgrade(db).exit_code, static_cast<int>(exit_code::schema_mismatch));
  EXPECT_EQ(backups(), 0u);
  database(db).execute("ALTER TABLE book DROP COLUMN extra;");

  // A migration edited after it was applied.
  const auto edited = migrations() / "0001_initial.sql";
  write_file(edited, read_file(edited) + "\n-- edited\n");
  EXPECT_EQ(upgrade(db).exit_code, static_cast<int>(exit_code::checksum_mismatch));
  EXPECT_EQ(backups(), 0u);

  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM book"), 3);
}

TEST_F(RefusedAttempts, UpgradeKeepsOnlyTheNewestBackupsItWasToldTo) {
  const auto db = database_with_books();
  write_migration(migrations(), 2, "shelf", "CREATE TABLE shelf(id INTEGER PRIMARY KEY);", "DROP TABLE shelf;",
                  book + "\nCREATE TABLE shelf(id INTEGER PRIMARY KEY);\n");
  write_file(path("app.db.notes.txt"), "not a backup\n");
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--keep-backups", "2"}, dir_)
                  .exit_code,
              0);
    ASSERT_EQ(run_litemig({"downgrade", "--db", db.string(), "--dir", migrations().string(), "--to", "1",
                           "--keep-backups", "2"},
                          dir_)
                  .exit_code,
              0);
  }
  EXPECT_EQ(backups(), 3u) << "two backups and the file that is not one";
  EXPECT_TRUE(fs::exists(path("app.db.notes.txt")));
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM book"), 3);
  EXPECT_EQ(run_litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--keep-backups", "0"}, dir_)
                .exit_code,
            static_cast<int>(exit_code::usage));
}

}  // namespace

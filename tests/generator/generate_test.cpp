#include "migration_harness.hpp"

#include "litemig/applier.hpp"
#include "litemig/errors.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

using namespace litemig;
using litemig::testing::migration_harness;
namespace fs = std::filesystem;

namespace {

// Generates the first migration from BEFORE, the second from AFTER with HINTS, and runs the
// full data check of the second.
void expect_migrates(const std::string& before, const std::string& after, const std::string& hints_text = {}) {
  migration_harness h("step");
  h.set_reference(before);
  ASSERT_EQ(h.generate().result, generate_result::outcome::written);
  h.set_reference(after);
  const auto result = h.generate(hints_text);
  ASSERT_EQ(result.result, generate_result::outcome::written)
      << (result.decisions.empty() ? "no change found" : result.decisions.front().meaning);
  const auto problems = h.verify_step(2, 15, 11);
  EXPECT_TRUE(problems.empty()) << fmt::format("{}", fmt::join(problems, "\n")) << "\n" << h.read_migration(2);
  EXPECT_EQ(h.generate(hints_text).result, generate_result::outcome::no_changes) << "generate does not converge";
}

struct command_result {
  int exit_code;
  std::string output;
};

command_result run_cli(const std::string& arguments) {
  const auto command = fmt::format("\"{}\" {} 2>&1", LITEMIG_CLI, arguments);
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WEXITSTATUS(status), output};
}

std::string quoted(const fs::path& path) { return "\"" + path.string() + "\""; }

}  // namespace

TEST(Generate, FirstMigrationCreatesEverythingAndDownDropsIt) {
  migration_harness h("first");
  h.set_reference("CREATE TABLE a(id INTEGER PRIMARY KEY, x TEXT); CREATE INDEX ax ON a(x); CREATE VIEW v AS SELECT x FROM a;");
  const auto result = h.generate();
  ASSERT_EQ(result.result, generate_result::outcome::written);
  EXPECT_EQ(result.migration_file.filename(), "0001_initial.sql");
  EXPECT_TRUE(fs::exists(h.migrations() / "snapshots" / "0001.sql"));
  EXPECT_TRUE(fs::exists(h.migrations() / "litemig.sum"));
  EXPECT_TRUE(h.verify_step(1).empty());
}

TEST(Generate, NoDifferenceWritesNothing) {
  migration_harness h("none");
  h.set_reference("CREATE TABLE a(x)");
  h.generate();
  const auto sum_before = litemig::testing::read_text(h.migrations() / "litemig.sum");
  h.set_reference("create table \"A\" (\"x\")  ;");
  EXPECT_EQ(h.generate().result, generate_result::outcome::no_changes);
  EXPECT_EQ(litemig::testing::read_text(h.migrations() / "litemig.sum"), sum_before);
}

TEST(Generate, OutputIsDeterministic) {
  migration_harness a("a"), b("b");
  for (auto* h : {&a, &b}) {
    h->set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, x)");
    h->generate();
    h->set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, y, x); CREATE TABLE u(z); CREATE VIEW w AS SELECT * FROM u");
    h->generate();
  }
  for (const auto* name : {"litemig.sum", "snapshots/0002.sql"}) {
    EXPECT_EQ(litemig::testing::read_text(a.migrations() / name), litemig::testing::read_text(b.migrations() / name));
  }
  EXPECT_EQ(a.read_migration(2), b.read_migration(2));
}

TEST(Generate, AddColumnAtTheEnd) {
  expect_migrates("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT)", "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT DEFAULT 5)");
}

TEST(Generate, AddNotNullColumnInTheMiddleWithFill) {
  expect_migrates("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT)", "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER NOT NULL, a TEXT)",
                  "fill t.n with id * 2\n");
}

TEST(Generate, TypeChangeAndNewNotNullWithDefaultReplacesNulls) {
  expect_migrates("CREATE TABLE r(id INTEGER PRIMARY KEY, interval INTEGER, note TEXT)",
                  "CREATE TABLE r(id INTEGER PRIMARY KEY, interval REAL, note TEXT NOT NULL DEFAULT '')");
}

TEST(Generate, RenameColumnAndTableKeepValues) {
  expect_migrates("CREATE TABLE tunes(id INTEGER PRIMARY KEY, title TEXT, mode TEXT)",
                  "CREATE TABLE tune(id INTEGER PRIMARY KEY, name TEXT, mode TEXT)",
                  "rename table tunes to tune\nrename column tune.title to name\n");
}

TEST(Generate, DropColumnAndTableWhenTold) {
  expect_migrates("CREATE TABLE t(id INTEGER PRIMARY KEY, a, b); CREATE TABLE old(x)", "CREATE TABLE t(id INTEGER PRIMARY KEY, a)",
                  "drop column t.b\ndrop table old\n");
}

TEST(Generate, ConstraintsForeignKeysAndIndexes) {
  expect_migrates(
      "CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT); CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INTEGER, v INTEGER);",
      "CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT UNIQUE); "
      "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "
      "v INTEGER CHECK (v IS NULL OR v > -1000000000), UNIQUE (p_id, v));"
      "CREATE INDEX c_v ON c(v) WHERE v > 0; CREATE INDEX c_expr ON c(abs(v), p_id DESC);");
}

TEST(Generate, GeneratedStrictAndWithoutRowidTables) {
  expect_migrates("CREATE TABLE g(a INTEGER, b INTEGER); CREATE TABLE k(key TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;",
                  "CREATE TABLE g(a INTEGER, b INTEGER, s INTEGER AS (a + b) STORED, v INTEGER AS (a * 2) VIRTUAL);"
                  "CREATE TABLE k(key TEXT PRIMARY KEY, v INTEGER, w TEXT) STRICT, WITHOUT ROWID;");
}

TEST(Generate, ViewsOnViewsAndTriggersFollowARebuild) {
  expect_migrates(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER); CREATE TABLE log(msg);"
      "CREATE VIEW v1 AS SELECT id, a FROM t; CREATE VIEW v2 AS SELECT * FROM v1 WHERE a > 0;"
      "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins'); END;",
      "CREATE TABLE t(id INTEGER PRIMARY KEY, b TEXT DEFAULT 'x', a REAL); CREATE TABLE log(msg);"
      "CREATE VIEW v1 AS SELECT id, a, b FROM t; CREATE VIEW v2 AS SELECT * FROM v1 WHERE a > 0;"
      "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins'); END;");
}

TEST(Generate, InsteadOfTriggersOnViewsSurviveTheViewsBeingRecreated) {
  expect_migrates(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER); CREATE VIEW v AS SELECT id, a FROM t;"
      "CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN INSERT INTO t(a) VALUES (NEW.a); END;",
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL); CREATE VIEW v AS SELECT id, a FROM t;"
      "CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN INSERT INTO t(a) VALUES (NEW.a); END;");
}

TEST(Generate, AwkwardIdentifiersWorkEverywhere) {
  expect_migrates(
      "CREATE TABLE \"order\"(\"id\" INTEGER PRIMARY KEY, \" Title\" TEXT, \"we\"\"ird\" INT, [br[ack] TEXT, \"Grüße\" TEXT);"
      "CREATE INDEX \"idx of order\" ON \"order\"(\" Title\");"
      "CREATE VIEW \"select\" AS SELECT \" Title\", \"Grüße\" FROM \"order\";",
      "CREATE TABLE \"order\"(\"id\" INTEGER PRIMARY KEY, \" Name\" TEXT, \"we\"\"ird\" REAL, [br[ack] TEXT, \"Grüße\" TEXT, \"group\" INT DEFAULT 1);"
      "CREATE INDEX \"idx of order\" ON \"order\"(\" Name\");"
      "CREATE VIEW \"select\" AS SELECT \" Name\", \"Grüße\" FROM \"order\";",
      "rename column \"order\".\" Title\" to \" Name\"\n");
}

TEST(Generate, AutoincrementCounterSurvivesARebuild) {
  migration_harness h("seq");
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER)");
  h.generate();
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a REAL)");
  h.generate();
  const auto set = migration_set::from_directory(h.migrations());
  const auto db_path = h.dir() / "seq.sqlite3";
  apply_options options;
  options.backup = false;
  options.target = 1;
  upgrade(db_path, set, options);
  {
    sqlite::database db(db_path);
    db.execute("INSERT INTO t(a) VALUES (1), (2), (3); DELETE FROM t WHERE id = 3;");
  }
  options.target = 2;
  upgrade(db_path, set, options);
  sqlite::database db(db_path);
  db.execute("INSERT INTO t(a) VALUES (4)");
  EXPECT_EQ(db.query_int("SELECT max(id) FROM t"), 4) << "a deleted id was handed out again";
}

TEST(Generate, ARebuiltTableGetsItsPlannerStatisticsBackAndFreeSpaceIsReported) {
  migration_harness h("stats");
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER); CREATE INDEX ta ON t(a);");
  h.generate();
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL); CREATE INDEX ta ON t(a);");
  h.generate();
  const auto set = migration_set::from_directory(h.migrations());
  const auto db_path = h.dir() / "stats.sqlite3";
  apply_options options;
  options.backup = false;
  options.target = 1;
  upgrade(db_path, set, options);
  {
    sqlite::database db(db_path);
    db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
               "INSERT INTO t(a) SELECT i % 17 FROM n; ANALYZE;");
  }
  std::vector<std::string> lines;
  options.target = 2;
  options.log = [&](const std::string& line) { lines.push_back(line); };
  upgrade(db_path, set, options);
  sqlite::database db(db_path);
  EXPECT_GT(db.query_int("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 't'"), 0);
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.find("free pages") != std::string::npos; }))
      << fmt::format("{}", fmt::join(lines, "\n"));
}

TEST(Generate, Fts5TableIsCreatedAndItsShadowTablesIgnored) {
  expect_migrates("CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT)",
                  "CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT); CREATE VIRTUAL TABLE note_search USING fts5(body);");
}

TEST(Generate, ABrokenViewInTheDatabaseDoesNotStopTheMigration) {
  migration_harness h("broken");
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT); CREATE VIEW v AS SELECT a, b FROM t;");
  h.generate();
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, c TEXT); CREATE VIEW v AS SELECT a, c FROM t;");
  ASSERT_EQ(h.generate("drop column t.b\n").result, generate_result::outcome::written);
  const auto set = migration_set::from_directory(h.migrations());
  const auto db_path = h.dir() / "prod.sqlite3";
  apply_options options;
  options.backup = false;
  options.target = 1;
  upgrade(db_path, set, options);
  {
    // A production copy whose view went stale: it names a column that no longer exists.
    sqlite::database db(db_path);
    db.execute("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE VIEW v AS SELECT a, gone FROM t' WHERE name = 'v';");
  }
  const auto migration_text = h.read_migration(2);
  sqlite::database db(db_path);
  db.execute(set.find(2)->up.sql);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM pragma_table_info('t') WHERE name = 'c'"), 1) << migration_text;
}

TEST(Generate, DecisionsWriteNothingAndPrintHintLines) {
  migration_harness h("decide");
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, title TEXT); CREATE TABLE gone(x)");
  h.generate();
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INTEGER NOT NULL)");
  const auto result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.reference()), quoted(h.migrations())));
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_NE(result.output.find("hint: rename column t.title to name\n"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("hint: drop column t.title\n"), std::string::npos);
  EXPECT_NE(result.output.find("hint: drop table gone\n"), std::string::npos);
  EXPECT_NE(result.output.find("hint: fill t.n with 0\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(h.migrations() / "snapshots" / "0002.sql"));
}

TEST(Generate, UnusedHintsAreWarnings) {
  migration_harness h("unused");
  h.set_reference("CREATE TABLE t(a)");
  h.generate();
  h.set_reference("CREATE TABLE t(a, b)");
  std::ofstream(h.dir() / "hints.txt") << "drop table nothing_here\n";
  const auto result = run_cli(fmt::format("generate --schema {} --dir {} --hints {}", quoted(h.reference()), quoted(h.migrations()),
                                          quoted(h.dir() / "hints.txt")));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("warning: " + (h.dir() / "hints.txt").string() + ":1: hint names nothing"), std::string::npos)
      << result.output;
}

TEST(Generate, BadInputIsOneLineNamingTheFile) {
  migration_harness h("bad");
  const auto dir = quoted(h.migrations());
  auto result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.dir() / "missing.sqlite3"), dir));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("missing.sqlite3: reference database not found"), std::string::npos) << result.output;

  std::ofstream(h.dir() / "text.sqlite3") << std::string(2048, 'x');
  result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.dir() / "text.sqlite3"), dir));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("text.sqlite3: cannot read the reference database: not an SQLite database"), std::string::npos)
      << result.output;

  h.set_reference("CREATE TABLE t(a)");
  std::ofstream(h.dir() / "bad-hints.txt") << "# first\nrename column t to\n";
  h.generate();
  h.set_reference("CREATE TABLE t(b)");
  result = run_cli(fmt::format("generate --schema {} --dir {} --hints {}", quoted(h.reference()), dir, quoted(h.dir() / "bad-hints.txt")));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("bad-hints.txt:2: malformed hint"), std::string::npos) << result.output;

  h.set_reference("CREATE TABLE t(a); CREATE VIEW v AS SELECT a FROM t;");
  {
    sqlite::database db(h.reference());
    db.execute("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE VIEW v AS SELECT nope FROM t' WHERE name = 'v';");
  }
  result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.reference()), dir));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("view \"v\" does not compile"), std::string::npos) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}

TEST(Generate, AnEditedMigrationIsCaughtUntilRehashed) {
  migration_harness h("edited");
  h.set_reference("CREATE TABLE t(a)");
  h.generate();
  const auto file = h.migrations() / "0001_initial.sql";
  std::ofstream(file, std::ios::app) << "-- a data fix added by hand\n";
  h.set_reference("CREATE TABLE t(a, b)");
  auto result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.reference()), quoted(h.migrations())));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("0001_initial.sql changed since the sum was written"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("litemig hash --dir"), std::string::npos);
  EXPECT_EQ(run_cli(fmt::format("hash --dir {}", quoted(h.migrations()))).exit_code, 0);
  result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.reference()), quoted(h.migrations())));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(litemig::testing::read_text(file).find("a data fix added by hand"), std::string::npos) << "an edit was overwritten";
}

TEST(Diff, PrintsThePlanBetweenFilesAndWritesNothing) {
  migration_harness h("diffcmd");
  std::ofstream(h.dir() / "a.sql") << "CREATE TABLE t(a);";
  std::ofstream(h.dir() / "b.sql") << "CREATE TABLE t(a, b DEFAULT 1);";
  const auto result = run_cli(fmt::format("diff {} {}", quoted(h.dir() / "a.sql"), quoted(h.dir() / "b.sql")));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.output.find("ALTER TABLE \"t\" ADD COLUMN b DEFAULT 1;"), std::string::npos) << result.output;
}

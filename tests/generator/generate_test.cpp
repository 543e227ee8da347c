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
#include <map>

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

litemig::testing::process_result run_cli(const std::string& arguments) {
  return litemig::testing::run_shell(fmt::format("\"{}\" {}", LITEMIG_CLI, arguments));
}

std::string quoted(const fs::path& path) { return "\"" + path.string() + "\""; }

// Brings DB to TARGET with H's migrations, up or down, without a backup.
void migrate_to(const migration_harness& h, const fs::path& db, std::int64_t target) {
  apply_options options;
  options.backup = false;
  options.target = target;
  const auto set = migration_set::from_directory(h.migrations());
  if (sqlite::database(db, sqlite::open_mode::create).user_version() > target) {
    downgrade(db, set, target, options);
  } else {
    upgrade(db, set, options);
  }
}

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
  const auto sum_before = litemig::testing::read_file(h.migrations() / "litemig.sum");
  h.set_reference("create table \"A\" (\"x\")  ;");
  EXPECT_EQ(h.generate().result, generate_result::outcome::no_changes);
  EXPECT_EQ(litemig::testing::read_file(h.migrations() / "litemig.sum"), sum_before);
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
    EXPECT_EQ(litemig::testing::read_file(a.migrations() / name), litemig::testing::read_file(b.migrations() / name));
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
  const auto db_path = h.dir() / "seq.sqlite3";
  migrate_to(h, db_path, 1);
  sqlite::database(db_path).execute("INSERT INTO t(a) VALUES (1), (2), (3); DELETE FROM t WHERE id = 3;");
  migrate_to(h, db_path, 2);
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
  EXPECT_EQ(result.exit_code, 3) << result.out;
  EXPECT_NE(result.out.find("hint: rename column t.title to name\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("hint: drop column t.title\n"), std::string::npos);
  EXPECT_NE(result.out.find("hint: drop table gone\n"), std::string::npos);
  EXPECT_NE(result.out.find("hint: fill t.n with 0\n"), std::string::npos);
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
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("warning: " + (h.dir() / "hints.txt").string() + ":1: hint names nothing"), std::string::npos)
      << result.out;
}

TEST(Generate, BadInputIsOneLineNamingTheFile) {
  migration_harness h("bad");
  const auto dir = quoted(h.migrations());
  auto result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.dir() / "missing.sqlite3"), dir));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("missing.sqlite3: reference database not found"), std::string::npos) << result.out;

  std::ofstream(h.dir() / "text.sqlite3") << std::string(2048, 'x');
  result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.dir() / "text.sqlite3"), dir));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("text.sqlite3: cannot read the reference database: not an SQLite database"), std::string::npos)
      << result.out;

  h.set_reference("CREATE TABLE t(a)");
  std::ofstream(h.dir() / "bad-hints.txt") << "# first\nrename column t to\n";
  h.generate();
  h.set_reference("CREATE TABLE t(b)");
  result = run_cli(fmt::format("generate --schema {} --dir {} --hints {}", quoted(h.reference()), dir, quoted(h.dir() / "bad-hints.txt")));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.out.find("bad-hints.txt:2: malformed hint"), std::string::npos) << result.out;

  h.set_reference("CREATE TABLE t(a); CREATE VIEW v AS SELECT a FROM t;");
  {
    sqlite::database db(h.reference());
    db.execute("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE VIEW v AS SELECT nope FROM t' WHERE name = 'v';");
  }
  result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.reference()), dir));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("view \"v\" does not compile"), std::string::npos) << result.out;
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1) << result.out;
}

TEST(Generate, AnEditedMigrationIsCaughtUntilRehashed) {
  migration_harness h("edited");
  h.set_reference("CREATE TABLE t(a)");
  h.generate();
  const auto file = h.migrations() / "0001_initial.sql";
  std::ofstream(file, std::ios::app) << "-- a data fix added by hand\n";
  h.set_reference("CREATE TABLE t(a, b)");
  auto result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.reference()), quoted(h.migrations())));
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_NE(result.out.find("0001_initial.sql changed since the sum was written"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("litemig hash --dir"), std::string::npos);
  EXPECT_EQ(run_cli(fmt::format("hash --dir {}", quoted(h.migrations()))).exit_code, 0);
  result = run_cli(fmt::format("generate --schema {} --dir {}", quoted(h.reference()), quoted(h.migrations())));
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(litemig::testing::read_file(file).find("a data fix added by hand"), std::string::npos) << "an edit was overwritten";
}

TEST(Diff, PrintsThePlanBetweenFilesAndWritesNothing) {
  migration_harness h("diffcmd");
  std::ofstream(h.dir() / "a.sql") << "CREATE TABLE t(a);";
  std::ofstream(h.dir() / "b.sql") << "CREATE TABLE t(a, b DEFAULT 1);";
  const auto result = run_cli(fmt::format("diff {} {}", quoted(h.dir() / "a.sql"), quoted(h.dir() / "b.sql")));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("ALTER TABLE \"t\" ADD COLUMN b DEFAULT 1;"), std::string::npos) << result.out;
}

TEST(Generate, ADownPartRestoringKeyColumnsGivesFreshRowidsAndDistinctValues) {
  migration_harness h("restore_keys");
  h.set_reference(
      "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, k INTEGER NOT NULL UNIQUE, c TEXT NOT NULL DEFAULT 'z',"
      " u TEXT UNIQUE); CREATE UNIQUE INDEX tc ON t(c);");
  h.generate();
  h.set_reference("CREATE TABLE t(a TEXT)");
  const auto written = h.generate("drop column t.id\ndrop column t.k\ndrop column t.c\ndrop column t.u\n");
  ASSERT_EQ(written.result, generate_result::outcome::written);
  EXPECT_TRUE(written.warnings.empty()) << written.warnings.front();
  const auto db_path = h.dir() / "restore_keys.sqlite3";
  migrate_to(h, db_path, 2);
  sqlite::database(db_path).execute("INSERT INTO t(a) VALUES ('x'), ('y'), ('z')");
  migrate_to(h, db_path, 1);
  sqlite::database db(db_path);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t"), 3);
  EXPECT_EQ(db.query_int("SELECT count(DISTINCT id) FROM t"), 3);
  EXPECT_EQ(db.query_int("SELECT count(DISTINCT k) FROM t"), 3);
  EXPECT_EQ(db.query_int("SELECT count(DISTINCT c) FROM t"), 3);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM t WHERE u IS NULL"), 3);
}

TEST(Generate, ARebuildKeepsTheRowidsOfATableWithAColumnNamedRowid) {
  // Each time one alias of the rowid is left free for the copy.
  for (const std::string columns : {"\"rowid\" TEXT, a INTEGER", "\"rowid\" TEXT, oid TEXT, a INTEGER"}) {
    migration_harness h("rowid_column");
    h.set_reference("CREATE TABLE t(" + columns + ")");
    h.generate();
    const auto db_path = h.dir() / "rowid_column.sqlite3";
    migrate_to(h, db_path, 1);
    sqlite::database(db_path).execute(
        "INSERT INTO t(\"rowid\", a) VALUES ('r1', 1), ('r2', 2), ('r3', 3), ('r4', 4); DELETE FROM t WHERE a = 2");
    const auto rowids = [&] {
      sqlite::database db(db_path);
      return db.query_text("SELECT group_concat(r, ',') FROM (SELECT _rowid_ AS r FROM t ORDER BY a)");
    };
    const auto before = rowids();
    h.set_reference("CREATE TABLE t(" + columns.substr(0, columns.size() - std::string("INTEGER").size()) + "REAL)");
    ASSERT_EQ(h.generate().result, generate_result::outcome::written);
    migrate_to(h, db_path, 2);
    EXPECT_EQ(before, "1,3,4");
    EXPECT_EQ(rowids(), before) << columns << "\n" << h.read_migration(2);
  }
}

TEST(Generate, TablesNamedLikeShadowTablesOfAVirtualTableAreOrdinaryTables) {
  migration_harness h("shadow_names");
  h.set_reference(
      "CREATE VIRTUAL TABLE doc USING fts5(body); CREATE TABLE doc_stat(n INTEGER); CREATE TABLE doc_parent(p TEXT);"
      "CREATE VIRTUAL TABLE box USING rtree(id, x0, x1); CREATE TABLE box_stat(n INTEGER);");
  ASSERT_EQ(h.generate().result, generate_result::outcome::written);
  const auto snapshot = litemig::testing::read_file(h.migrations() / "snapshots" / "0001.sql");
  for (const auto* table : {"doc_stat", "doc_parent", "box_stat"}) {
    EXPECT_NE(snapshot.find(fmt::format("CREATE TABLE {}(", table)), std::string::npos) << table;
  }
  EXPECT_EQ(snapshot.find("doc_data"), std::string::npos) << "a real shadow table is in the snapshot";
  EXPECT_TRUE(h.verify_step(1).empty());
  h.set_reference(
      "CREATE VIRTUAL TABLE doc USING fts5(body); CREATE TABLE doc_stat(n INTEGER, m TEXT); CREATE TABLE doc_parent(p TEXT);"
      "CREATE VIRTUAL TABLE box USING rtree(id, x0, x1); CREATE TABLE box_stat(n INTEGER);");
  ASSERT_EQ(h.generate().result, generate_result::outcome::written);
  const auto problems = h.verify_step(2);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST(Generate, ABareIdentifierDefaultIsTheTextItSpells) {
  // SQLite stores DEFAULT z as the text 'z': in a rebuild's COALESCE it must not read as a column.
  expect_migrates("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT DEFAULT Zed, b TEXT DEFAULT \"y\", c TEXT)",
                  "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT Zed, b TEXT NOT NULL DEFAULT \"y\")",
                  "drop column t.c\n");
  migration_harness h("bare_default");
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT DEFAULT Zed)");
  h.generate();
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT Zed)");
  h.generate();
  EXPECT_NE(h.read_migration(2).find("COALESCE(\"a\", 'Zed')"), std::string::npos) << h.read_migration(2);
}

TEST(Generate, ALeftoverFillChangesNothingAndIsReportedUnused) {
  migration_harness h("leftover_fill");
  const std::string hints = "fill note.source with 'import'\n";
  h.set_reference("CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT)");
  h.generate();
  h.set_reference("CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT, source TEXT NOT NULL)");
  const auto second = h.generate(hints);
  ASSERT_EQ(second.result, generate_result::outcome::written);
  EXPECT_TRUE(second.warnings.empty()) << second.warnings.front();
  EXPECT_NE(h.read_migration(2).find("'import'"), std::string::npos);

  h.set_reference("CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT, source TEXT NOT NULL); CREATE TABLE tag(name TEXT)");
  const auto third = h.generate(hints);
  ASSERT_EQ(third.result, generate_result::outcome::written);
  EXPECT_EQ(h.read_migration(3).find("note"), std::string::npos) << h.read_migration(3);
  ASSERT_EQ(third.warnings.size(), 1U);
  EXPECT_NE(third.warnings.front().find(":1: hint names nothing in this change: fill note.source with 'import'"), std::string::npos)
      << third.warnings.front();
}

TEST(Generate, SwappedTableAndColumnNamesMigrateThroughATemporaryName) {
  const std::string before =
      "CREATE TABLE a(id INTEGER PRIMARY KEY, x INTEGER, y TEXT); CREATE TABLE b(id INTEGER PRIMARY KEY, z TEXT);"
      "CREATE INDEX ax ON a(x); CREATE VIEW v AS SELECT x, y FROM a;";
  const std::string after =
      "CREATE TABLE b(id INTEGER PRIMARY KEY, y INTEGER, x TEXT); CREATE TABLE a(id INTEGER PRIMARY KEY, z TEXT);"
      "CREATE INDEX ax ON b(y); CREATE VIEW v AS SELECT y AS x, x AS y FROM b;";
  const std::string hints = "rename table a to b\nrename table b to a\nrename column b.x to y\nrename column b.y to x\n";
  expect_migrates(before, after, hints);

  migration_harness h("swap");
  h.set_reference(before);
  h.generate();
  const auto db_path = h.dir() / "swap.sqlite3";
  migrate_to(h, db_path, 1);
  sqlite::database(db_path).execute("INSERT INTO a(x, y) VALUES (1, 'one'), (2, 'two'); INSERT INTO b(z) VALUES ('zed')");
  h.set_reference(after);
  const auto result = h.generate(hints);
  ASSERT_EQ(result.result, generate_result::outcome::written);
  EXPECT_TRUE(result.warnings.empty()) << result.warnings.front();
  EXPECT_NE(h.read_migration(2).find("RENAME TO \"litemig_swap_"), std::string::npos) << h.read_migration(2);
  migrate_to(h, db_path, 2);
  {
    sqlite::database db(db_path);
    EXPECT_EQ(db.query_text("SELECT group_concat(y || '=' || x, ',') FROM (SELECT * FROM b ORDER BY id)"), "1=one,2=two");
    EXPECT_EQ(db.query_text("SELECT z FROM a"), "zed");
  }
  migrate_to(h, db_path, 1);
  sqlite::database db(db_path);
  EXPECT_EQ(db.query_text("SELECT group_concat(x || '=' || y, ',') FROM (SELECT * FROM a ORDER BY id)"), "1=one,2=two");
  EXPECT_EQ(db.query_text("SELECT z FROM b"), "zed");
}

TEST(Generate, TheFillSuggestedForANewKeyColumnGivesEachRowItsOwnValue) {
  migration_harness h("key_fill");
  h.set_reference("CREATE TABLE t(a TEXT); CREATE TABLE w(a TEXT PRIMARY KEY) WITHOUT ROWID;");
  h.generate();
  h.set_reference("CREATE TABLE t(a TEXT, k INTEGER NOT NULL UNIQUE, s TEXT NOT NULL); CREATE TABLE w(a TEXT, "
                  "code TEXT NOT NULL, PRIMARY KEY (a, code)) WITHOUT ROWID;");
  const auto result = h.generate();
  ASSERT_EQ(result.result, generate_result::outcome::decisions_needed);
  std::vector<std::string> suggested;
  for (const auto& d : result.decisions) suggested.push_back(d.choices.front().text());
  EXPECT_NE(std::find(suggested.begin(), suggested.end(), "fill t.k with rowid"), suggested.end());
  EXPECT_NE(std::find(suggested.begin(), suggested.end(), "fill t.s with ''"), suggested.end());
  EXPECT_NE(std::find(suggested.begin(), suggested.end(), "fill w.code with CAST(row_number() OVER () AS TEXT)"),
            suggested.end())
      << fmt::format("{}", fmt::join(suggested, "\n"));
}

TEST(Generate, StatementsThatSqliteStoresWithATrailingLineCommentAreEnded) {
  // SQLite keeps "-- ..." after a view or a partial index: a ';' on the same line would be a comment.
  const std::string before =
      "CREATE TABLE book(id INTEGER PRIMARY KEY, title TEXT);\n"
      "CREATE VIEW v AS SELECT title FROM book -- all titles\n;\n"
      "CREATE INDEX bi ON book(title) WHERE title IS NOT NULL -- partial\n;\n";
  expect_migrates(before, before + "CREATE TABLE author(name TEXT) /* new */;\nCREATE VIEW w AS SELECT 1 -- one\n;\n"
                                   "ALTER TABLE book ADD COLUMN year INTEGER NOT NULL DEFAULT 0;");
}

TEST(Generate, ARedefinedFullTextTableKeepsItsRowsAndAnExternalContentIndexIsRebuilt) {
  migration_harness h("full_text");
  h.set_reference(
      "CREATE TABLE note(id INTEGER PRIMARY KEY, title TEXT, body TEXT);"
      "CREATE VIRTUAL TABLE doc USING fts5(title, body);"
      "CREATE VIRTUAL TABLE note_fts USING fts5(body, content='note', content_rowid='id');");
  ASSERT_EQ(h.generate().result, generate_result::outcome::written);
  // A column added to each: no decision, the own rows are copied, the external index rebuilt.
  h.set_reference(
      "CREATE TABLE note(id INTEGER PRIMARY KEY, title TEXT, body TEXT);"
      "CREATE VIRTUAL TABLE doc USING fts5(title, body, tags);"
      "CREATE VIRTUAL TABLE note_fts USING fts5(body, title, content='note', content_rowid='id');");
  const auto second = h.generate();
  ASSERT_EQ(second.result, generate_result::outcome::written)
      << (second.decisions.empty() ? "no change" : second.decisions.front().meaning);
  const auto problems = h.verify_step(2);
  EXPECT_TRUE(problems.empty()) << fmt::format("{}", fmt::join(problems, "\n")) << "\n" << h.read_migration(2);

  const auto db_path = h.dir() / "prod.sqlite3";
  migrate_to(h, db_path, 1);
  {
    sqlite::database db(db_path);
    db.execute("INSERT INTO doc (rowid, title, body) VALUES (7, 'reel', 'the silver spear'), (42, 'jig', 'the kesh');"
               "INSERT INTO note (id, title, body) VALUES (3, 'waltz', 'Si Bheag'), (9, 'air', 'the coolin');"
               "INSERT INTO note_fts (note_fts) VALUES ('rebuild');");
  }
  const auto expect_content = [&](const std::string& stage, bool tags) {
    sqlite::database db(db_path);
    EXPECT_EQ(db.query_int("SELECT rowid FROM doc WHERE doc MATCH 'kesh'"), 42) << stage;
    EXPECT_EQ(db.query_text("SELECT group_concat(rowid || ':' || title || ':' || body, ' ') FROM doc"),
              "7:reel:the silver spear 42:jig:the kesh")
        << stage;
    EXPECT_EQ(db.query_int("SELECT count(*) FROM pragma_table_xinfo('doc') WHERE name = 'tags'"), tags ? 1 : 0) << stage;
    EXPECT_EQ(db.query_int("SELECT rowid FROM note_fts WHERE note_fts MATCH 'coolin'"), 9) << stage;
    EXPECT_EQ(db.query_text("PRAGMA integrity_check"), "ok") << stage;
  };
  migrate_to(h, db_path, 2);
  {
    sqlite::database db(db_path);
    EXPECT_EQ(db.query_int("SELECT rowid FROM note_fts WHERE note_fts MATCH 'title:waltz'"), 3);
  }
  expect_content("up", true);
  migrate_to(h, db_path, 1);
  expect_content("down", false);

  // What cannot be carried still asks: a column of an own-content table, a contentless table.
  h.set_reference(
      "CREATE TABLE note(id INTEGER PRIMARY KEY, title TEXT, body TEXT);"
      "CREATE VIRTUAL TABLE doc USING fts5(body, tags);"
      "CREATE VIRTUAL TABLE note_fts USING fts5(body, title, content='note', content_rowid='id');");
  const auto third = h.generate();
  ASSERT_EQ(third.result, generate_result::outcome::decisions_needed);
  ASSERT_EQ(third.decisions.size(), 1U);
  EXPECT_EQ(third.decisions.front().choices.front().text(), "drop column doc.title");
  ASSERT_EQ(h.generate("drop column doc.title\n").result, generate_result::outcome::written);
  EXPECT_TRUE(h.verify_step(3).empty()) << h.read_migration(3);
}

TEST(Generate, AContentlessFullTextTableThatIsRedefinedNeedsADecision) {
  migration_harness h("contentless");
  h.set_reference("CREATE VIRTUAL TABLE doc USING fts5(body, content='')");
  ASSERT_EQ(h.generate().result, generate_result::outcome::written);
  h.set_reference("CREATE VIRTUAL TABLE doc USING fts5(body, tags, content='')");
  const auto result = h.generate();
  ASSERT_EQ(result.result, generate_result::outcome::decisions_needed);
  EXPECT_EQ(result.decisions.front().choices.front().text(), "drop table doc");
}

TEST(Generate, TheSlugSaysWhatChanged) {
  migration_harness h("slugs");
  const std::string base = "CREATE TABLE practice(id INTEGER PRIMARY KEY, tune TEXT, quality INTEGER);"
                           "CREATE VIEW due AS SELECT tune FROM practice;";
  h.set_reference(base);
  ASSERT_EQ(h.generate().result, generate_result::outcome::written);
  const auto next = [&](const std::string& sql, const std::string& hints_text = {}) {
    h.set_reference(sql);
    const auto result = h.generate(hints_text);
    EXPECT_EQ(result.result, generate_result::outcome::written) << sql;
    return result.migration_file.filename().string();
  };
  EXPECT_EQ(next("CREATE TABLE practice(id INTEGER PRIMARY KEY, tune TEXT, quality INTEGER);"
                 "CREATE VIEW due AS SELECT tune, quality FROM practice;"),
            "0002_change_view_due.sql");
  EXPECT_EQ(next("CREATE TABLE practice(id INTEGER PRIMARY KEY, tune TEXT, quality INTEGER);"
                 "CREATE VIEW due AS SELECT tune, quality FROM practice; CREATE TABLE practice_goal(id INTEGER PRIMARY KEY);"),
            "0003_add_practice_goal.sql");
  EXPECT_EQ(next("CREATE TABLE practice(id INTEGER PRIMARY KEY, tune TEXT, quality INTEGER, goal TEXT);"
                 "CREATE VIEW due AS SELECT tune, quality FROM practice; CREATE TABLE practice_goal(id INTEGER PRIMARY KEY);"),
            "0004_add_goal_to_practice.sql");
  EXPECT_EQ(next("CREATE TABLE practice(id INTEGER PRIMARY KEY, tune TEXT NOT NULL DEFAULT '', quality INTEGER, goal TEXT);"
                 "CREATE VIEW due AS SELECT tune, quality FROM practice; CREATE TABLE practice_goal(id INTEGER PRIMARY KEY);"),
            "0005_rebuild_practice.sql");
  // A name line in the hints file names the next migration.
  EXPECT_EQ(next("CREATE TABLE practice(id INTEGER PRIMARY KEY, tune TEXT NOT NULL DEFAULT '', quality INTEGER, goal TEXT);"
                 "CREATE VIEW due AS SELECT tune, quality FROM practice; CREATE TABLE practice_goal(id INTEGER PRIMARY KEY, v INT);"
                 "CREATE INDEX practice_tune ON practice(tune);",
                 "name Goals get a value\n"),
            "0006_goals_get_a_value.sql");
}

TEST(Generate, AGeneratedFileRenamedBeforeItIsCommittedIsRecordedByHash) {
  migration_harness h("rename_file");
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY)");
  h.generate();
  h.set_reference("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT)");
  const auto written = h.generate().migration_file;
  fs::rename(written, h.migrations() / "0002_tune_notes.sql");
  EXPECT_THROW(h.generate(), failure) << "the sum no longer matches";
  const auto hashed = run_cli("hash --dir " + quoted(h.migrations()));
  EXPECT_EQ(hashed.exit_code, 0) << hashed.out;
  EXPECT_EQ(h.generate().result, generate_result::outcome::no_changes);
  const auto set = migration_set::from_directory(h.migrations());
  EXPECT_EQ(set.find(2)->name, "tune_notes");
  EXPECT_TRUE(h.verify_step(2).empty());
}

namespace {

std::map<std::string, std::string> folder_contents(const fs::path& dir) {
  std::map<std::string, std::string> contents;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) contents[fs::relative(entry.path(), dir).string()] = litemig::testing::read_file(entry.path());
  }
  return contents;
}

}  // namespace

TEST(Generate, RenumberRegeneratesTheBranchsMigrationAfterARebase) {
  // Two branches generate 0002 from one 0001; after the rebase the directory holds the other
  // branch's 0002, snapshot and sum, and this branch's 0002 file.
  migration_harness theirs("theirs");
  migration_harness ours("ours");
  for (auto* h : {&theirs, &ours}) {
    h->set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT)");
    h->generate();
  }
  theirs.set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT); CREATE TABLE goal(id INTEGER PRIMARY KEY)");
  theirs.generate();
  ours.set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT, composer TEXT)");
  const auto own = ours.generate().migration_file;
  fs::copy_file(own, theirs.migrations() / own.filename());
  const auto rebased = theirs.migrations();
  EXPECT_EQ(run_cli("hash --dir " + quoted(rebased)).exit_code, 2) << "two migrations numbered 0002";
  theirs.set_reference(
      "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT, composer TEXT); CREATE TABLE goal(id INTEGER PRIMARY KEY)");
  const auto arguments = fmt::format("renumber --dir {} --schema {}", quoted(rebased), quoted(theirs.reference()));

  const auto before = folder_contents(rebased);
  const auto asked = run_cli(arguments);
  EXPECT_EQ(asked.exit_code, 3) << asked.out;
  EXPECT_NE(asked.out.find("would remove " + (rebased / "0002_add_composer_to_tune.sql").string()), std::string::npos)
      << asked.out;
  EXPECT_NE(asked.out.find("would write 0003_add_composer_to_tune.sql"), std::string::npos) << asked.out;
  EXPECT_EQ(folder_contents(rebased), before) << "renumber without --yes changed the directory";

  const auto done = run_cli(arguments + " --yes");
  ASSERT_EQ(done.exit_code, 0) << done.out;
  EXPECT_FALSE(fs::exists(rebased / "0002_add_composer_to_tune.sql"));
  EXPECT_TRUE(fs::exists(rebased / "0002_add_goal.sql"));
  EXPECT_TRUE(fs::exists(rebased / "0003_add_composer_to_tune.sql"));
  EXPECT_EQ(litemig::testing::read_file(rebased / "snapshots" / "0002.sql"), before.at("snapshots/0002.sql"))
      << "the other branch's snapshot 0002 stays";
  EXPECT_EQ(run_cli("hash --dir " + quoted(rebased)).exit_code, 0);
  EXPECT_EQ(theirs.generate().result, generate_result::outcome::no_changes);
  EXPECT_TRUE(theirs.verify_step(3).empty()) << theirs.read_migration(3);

  // With no number taken twice, the newest migration is the one regenerated, in place.
  const auto again = run_cli(arguments + " --yes");
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_TRUE(fs::exists(rebased / "0003_add_composer_to_tune.sql"));
  EXPECT_EQ(run_cli("hash --dir " + quoted(rebased)).exit_code, 0);
}

TEST(Generate, RenumberRefusesWhenTheSumDoesNotTellWhichMigrationIsTheBranchs) {
  migration_harness h("unclear");
  h.set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY)");
  h.generate();
  h.set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, a TEXT)");
  const auto first = h.generate().migration_file;
  fs::copy_file(first, h.migrations() / "0002_copy.sql");
  fs::remove(h.migrations() / "litemig.sum");
  const auto before = folder_contents(h.migrations());
  const auto result = run_cli(fmt::format("renumber --dir {} --schema {} --yes", quoted(h.migrations()), quoted(h.reference())));
  EXPECT_EQ(result.exit_code, 2) << result.out;
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1) << result.out;
  EXPECT_NE(result.out.find("litemig.sum does not tell which"), std::string::npos) << result.out;
  EXPECT_EQ(folder_contents(h.migrations()), before);
}

TEST(Generate, RenumberMovesTheBranchsMigrationPastEveryMigrationTheOtherBranchAdded) {
  migration_harness theirs("theirs_two");
  migration_harness ours("ours_one");
  for (auto* h : {&theirs, &ours}) {
    h->set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY)");
    h->generate();
  }
  theirs.set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY); CREATE TABLE goal(id INTEGER PRIMARY KEY)");
  theirs.generate();
  theirs.set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY); CREATE TABLE goal(id INTEGER PRIMARY KEY, n INT)");
  theirs.generate();
  ours.set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT)");
  const auto own = ours.generate().migration_file;
  fs::copy_file(own, theirs.migrations() / own.filename());
  theirs.set_reference("CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT); CREATE TABLE goal(id INTEGER PRIMARY KEY, n INT)");
  const auto done = run_cli(fmt::format("renumber --dir {} --schema {} --yes", quoted(theirs.migrations()),
                                        quoted(theirs.reference())));
  ASSERT_EQ(done.exit_code, 0) << done.out;
  EXPECT_TRUE(fs::exists(theirs.migrations() / "0004_add_title_to_tune.sql")) << done.out;
  EXPECT_FALSE(fs::exists(theirs.migrations() / own.filename()));
  EXPECT_EQ(run_cli("hash --dir " + quoted(theirs.migrations())).exit_code, 0);
}

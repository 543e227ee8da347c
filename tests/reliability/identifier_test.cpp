// Identifiers with spaces, quotes, brackets, reserved words, leading spaces and non-ASCII
// letters, through the command-line tool: generate, upgrade, check, downgrade, upgrade again.
#include "reliability_support.hpp"

#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

using namespace litemig::reliability;
using litemig::sqlite::database;

namespace {

const std::string version_one = R"sql(
CREATE TABLE "play list"("id" INTEGER PRIMARY KEY, " Title" TEXT NOT NULL, "we""ird" INTEGER, "[bracketed]" TEXT,
                         "Grüße" TEXT, "select" TEXT);
CREATE TABLE "order"("id" INTEGER PRIMARY KEY, "play list id" INTEGER REFERENCES "play list"("id"), "group" TEXT);
CREATE INDEX "idx of ""order""" ON "order"("group");
CREATE INDEX " leading" ON "play list"(" Title");
CREATE VIEW "view [with] brackets" AS SELECT " Title", "Grüße" FROM "play list";
CREATE TRIGGER "on insert; really" AFTER INSERT ON "order" BEGIN
  UPDATE "play list" SET "we""ird" = coalesce("we""ird", 0) + 1 WHERE "id" = NEW."play list id";
END;
)sql";

// A column renamed, a type changed (a rebuild), a column added, a table renamed; the index,
// view and trigger follow.
const std::string version_two = R"sql(
CREATE TABLE "play list"("id" INTEGER PRIMARY KEY, " Name" TEXT NOT NULL, "we""ird" REAL, "[bracketed]" TEXT,
                         "Grüße" TEXT, "select" TEXT, "Straße" TEXT DEFAULT 'ß');
CREATE TABLE "täble ""order"""("id" INTEGER PRIMARY KEY, "play list id" INTEGER REFERENCES "play list"("id"), "group" TEXT);
CREATE INDEX "idx of ""order""" ON "täble ""order"""("group");
CREATE INDEX " leading" ON "play list"(" Name");
CREATE VIEW "view [with] brackets" AS SELECT " Name", "Grüße", "Straße" FROM "play list";
CREATE TRIGGER "on insert; really" AFTER INSERT ON "täble ""order""" BEGIN
  UPDATE "play list" SET "we""ird" = coalesce("we""ird", 0) + 1 WHERE "id" = NEW."play list id";
END;
)sql";

const std::string hints = R"(# awkward names, quoted SQL-style
rename column "play list"." Title" to " Name"
rename table "order" to "täble ""order"""
)";

class Identifiers : public reliability_test {
 protected:
  fs::path migrations() const { return path("migrations"); }
  fs::path reference() const { return path("reference.sqlite3"); }
  fs::path db() const { return path("app db.sqlite3"); }
  void set_reference(const std::string& sql) {
    fs::remove(reference());
    database(reference(), litemig::sqlite::open_mode::create).execute(sql);
  }
  process_result cli(std::vector<std::string> args) { return run_litemig(std::move(args), dir_); }
};

}  // namespace

TEST_F(Identifiers, AwkwardNamesSurviveGenerateUpgradeCheckAndDowngrade) {
  set_reference(version_one);
  auto first = cli({"generate", "--schema", reference().string(), "--dir", migrations().string()});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  auto created = cli({"upgrade", "--db", db().string(), "--dir", migrations().string()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  database(db()).execute(R"sql(
    INSERT INTO "play list"("id", " Title", "we""ird", "[bracketed]", "Grüße", "select")
      VALUES (1, ' Leading space', 3, '[x]', 'Grüße!', 'select'), (2, 'It''s "quoted"', NULL, ']', 'ü', NULL);
    INSERT INTO "order"("play list id", "group") VALUES (1, 'group by'), (2, 'ordér'), (1, NULL);
  )sql");
  ASSERT_EQ(query_int(db(), R"(SELECT "we""ird" FROM "play list" WHERE "id" = 1)"), 5) << "the trigger ran twice";
  const auto at_version_one = content_digest(db());
  EXPECT_EQ(cli({"check", "--db", db().string(), "--dir", migrations().string()}).exit_code, 0);

  set_reference(version_two);
  write_file(path("hints.txt"), hints);
  auto second = cli({"generate", "--schema", reference().string(), "--dir", migrations().string(), "--hints",
                     path("hints.txt").string(), "--name", "awkward names"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;

  auto upgraded = cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--backup-dir", path("backups").string()});
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
  auto checked = cli({"check", "--db", db().string(), "--dir", migrations().string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_EQ(query_text(db(), R"(SELECT group_concat(" Name", '|') FROM "play list")"), " Leading space|It's \"quoted\"");
  EXPECT_EQ(query_text(db(), R"(SELECT group_concat("Straße", '') FROM "play list")"), "ßß");
  EXPECT_EQ(query_int(db(), R"(SELECT count(*) FROM "täble ""order""")"), 3);
  EXPECT_EQ(query_text(db(), R"(SELECT "Grüße" FROM "view [with] brackets" WHERE " Name" = ' Leading space')"), "Grüße!");
  EXPECT_EQ(query_text(db(), "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  database(db()).execute(R"(INSERT INTO "täble ""order"""("play list id") VALUES (2))");
  EXPECT_EQ(query_int(db(), R"(SELECT "we""ird" FROM "play list" WHERE "id" = 2)"), 2) << "the trigger was not recreated";
  database(db()).execute(R"(DELETE FROM "täble ""order""" WHERE "id" = 4; UPDATE "play list" SET "we""ird" = 1 WHERE "id" = 2)");

  auto down = cli({"downgrade", "--db", db().string(), "--dir", migrations().string(), "--to", "1", "--no-backup"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(cli({"check", "--db", db().string(), "--dir", migrations().string()}).exit_code, 0);
  EXPECT_EQ(content_digest(db()), at_version_one) << "the round trip changed the data";

  auto again = cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--no-backup"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(cli({"check", "--db", db().string(), "--dir", migrations().string()}).exit_code, 0);
  EXPECT_EQ(cli({"generate", "--schema", reference().string(), "--dir", migrations().string(), "--hints",
                 path("hints.txt").string()}).out.find("no changes") != std::string::npos, true);
}

// Names that could end a line of the migration file, or a statement, or read as SQL.
namespace {

const std::string library = R"sql(
CREATE TABLE book(id INTEGER PRIMARY KEY, title TEXT NOT NULL, code TEXT);
CREATE TABLE author(id INTEGER PRIMARY KEY, name TEXT);
)sql";

class NameInjection : public Identifiers {
 protected:
  // The first migration generated, a database at it with three books and two authors.
  void start() {
    set_reference(library);
    ASSERT_EQ(cli({"generate", "--schema", reference().string(), "--dir", migrations().string()}).exit_code, 0);
    ASSERT_EQ(cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--no-backup"}).exit_code, 0);
    database(db()).execute(
        "INSERT INTO book(title, code) VALUES ('Airs', 'a'), ('Reels', NULL), ('Jigs', 'j');"
        "INSERT INTO author(name) VALUES ('Ó Riada'), (NULL);");
    rows_ = content_digest(db());
  }

  // REFERENCE_SQL run on the first reference, then generate: refused with exit 2 and one line
  // naming the reference database and CAUSE; nothing written; an upgrade then changes no row.
  void expect_refused(const std::string& reference_sql, const std::string& cause) {
    database(reference()).execute(reference_sql);
    const auto folder = folder_sha256(migrations());
    const auto reference_bytes = file_sha256(reference());
    const auto result = cli({"generate", "--schema", reference().string(), "--dir", migrations().string()});
    EXPECT_EQ(result.exit_code, 2) << reference_sql << "\n" << result.out << result.err;
    EXPECT_EQ(line_count(result.err), 1U) << result.err;
    EXPECT_TRUE(contains(result.err, reference().string())) << result.err;
    EXPECT_TRUE(contains(result.err, cause)) << result.err;
    EXPECT_EQ(folder_sha256(migrations()), folder);
    EXPECT_EQ(file_sha256(reference()), reference_bytes);
    EXPECT_EQ(cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--no-backup"}).exit_code, 0);
    EXPECT_EQ(content_digest(db()), rows_) << reference_sql;
  }

  std::string rows_;
};

std::string quoted(const std::string& name) { return litemig::sqlite::quote_identifier(name); }

}  // namespace

TEST_F(NameInjection, ANameThatWouldEndACommentLineIsRefusedAndNoRowIsDeleted) {
  start();
  // The name ends the '-- Create table' comment: the next line would run on upgrade.
  expect_refused("CREATE TABLE " + quoted("t\nDELETE FROM book;\n--x") + "(a)",
                 R"(table "t\nDELETE FROM book;\n--x": a name with a control character)");
}

TEST_F(NameInjection, EveryKindOfObjectWithAControlCharacterInItsNameIsRefused) {
  start();
  const std::vector<std::pair<std::string, std::string>> characters{
      {"\n", "\\n"}, {"\r", "\\r"}, {"\t", "\\t"}, {"\x01", "\\x01"}, {"\x1b", "\\x1b"}, {"\x7f", "\\x7f"}};
  for (const auto& [character, shown] : characters) {
    const auto name = "x" + character + "DELETE FROM book;" + character + "-- litemig:down";
    const auto printed = "x" + shown + "DELETE FROM book;" + shown + "-- litemig:down";
    const std::vector<std::pair<std::string, std::string>> objects{
        {"CREATE TABLE " + quoted(name) + "(a)", "table \"" + printed + "\""},
        {"ALTER TABLE book ADD COLUMN " + quoted(name) + " TEXT", "column \"" + printed + "\""},
        {"CREATE INDEX " + quoted(name) + " ON book(title)", "index \"" + printed + "\""},
        {"CREATE VIEW " + quoted(name) + " AS SELECT title FROM book", "view \"" + printed + "\""},
        {"CREATE TRIGGER " + quoted(name) + " AFTER INSERT ON book BEGIN DELETE FROM author; END",
         "trigger \"" + printed + "\""},
    };
    for (const auto& [sql, cause] : objects) {
      set_reference(library);
      expect_refused(sql, cause);
    }
  }
}

TEST_F(NameInjection, SqlTextWithALineThatReadsAsADirectiveIsRefused) {
  start();
  expect_refused("ALTER TABLE book ADD COLUMN note TEXT DEFAULT 'x\n-- litemig:down\nDELETE FROM book;'",
                 "its SQL has a line starting with '-- litemig:'");
}

TEST_F(NameInjection, NamesWithDashesSemicolonsQuotesAndCommentMarkersKeepEveryRow) {
  start();
  const std::string odd_table = "t; DELETE FROM book; --";
  const std::string odd_column = "c */ -- litemig:down '\"";
  set_reference(library + "CREATE TABLE " + quoted(odd_table) + "(id INTEGER PRIMARY KEY, " + quoted(odd_column) +
                " TEXT);\n"
                "CREATE INDEX " + quoted("i -- ; /*") + " ON " + quoted(odd_table) + "(" + quoted(odd_column) + ");\n"
                "CREATE VIEW " + quoted("v'; DROP TABLE book; --") + " AS SELECT title FROM book;\n"
                "CREATE TRIGGER " + quoted("tr -- DELETE FROM book;") + " AFTER INSERT ON author BEGIN\n"
                "  INSERT INTO " + quoted(odd_table) + "(" + quoted(odd_column) + ") VALUES (NEW.name);\nEND;");
  auto second = cli({"generate", "--schema", reference().string(), "--dir", migrations().string()});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  ASSERT_EQ(cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--no-backup"}).exit_code, 0);
  database(db()).execute("INSERT INTO author(name) VALUES ('Ennis')");
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM book"), 3);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM " + quoted(odd_table)), 1);

  // A type change rebuilds book: the rebuild's comments hold the odd names of its dependents.
  const auto rows_before = table_digest(db(), "book");
  database(reference()).execute("DROP VIEW " + quoted("v'; DROP TABLE book; --") + ";"
                                "CREATE TABLE book_new(id INTEGER PRIMARY KEY, title TEXT NOT NULL, code BLOB);"
                                "DROP TABLE book; ALTER TABLE book_new RENAME TO book;"
                                "CREATE VIEW " + quoted("v'; DROP TABLE book; --") + " AS SELECT title FROM book;");
  auto third = cli({"generate", "--schema", reference().string(), "--dir", migrations().string()});
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  ASSERT_EQ(cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--no-backup"}).exit_code, 0);
  EXPECT_EQ(table_digest(db(), "book"), rows_before);
  EXPECT_EQ(cli({"check", "--db", db().string(), "--dir", migrations().string()}).exit_code, 0);
  ASSERT_EQ(cli({"downgrade", "--db", db().string(), "--dir", migrations().string(), "--to", "1", "--no-backup"}).exit_code, 0);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM book"), 3);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM author"), 3);
}

TEST_F(NameInjection, AFillThatIsNotExactlyOneExpressionIsRefused) {
  start();
  database(reference()).execute("ALTER TABLE author ADD COLUMN code TEXT NOT NULL DEFAULT ''");
  database(reference()).execute(
      "CREATE TABLE a2(id INTEGER PRIMARY KEY, name TEXT, code TEXT NOT NULL); INSERT INTO a2 SELECT id, name, 'x' FROM author;"
      "DROP TABLE author; ALTER TABLE a2 RENAME TO author;");
  const std::vector<std::pair<std::string, std::string>> fills{
      {"'x' FROM author; DELETE FROM book; SELECT 1", "syntax error"},
      {"'x'); DELETE FROM book; SELECT (1", "more SQL follows the expression"},
      {"name) FROM author WHERE 0 UNION SELECT (1", "more SQL follows the expression"},
      {"max(name)", "an aggregate folds the rows into one"},
      {"'x' -- DELETE FROM book", "incomplete input"},
      {"nosuch", "no such column"},
  };
  for (const auto& [expression, cause] : fills) {
    write_file(path("hints.txt"), "# fills\nfill author.code with " + expression + "\n");
    const auto folder = folder_sha256(migrations());
    const auto result = cli({"generate", "--schema", reference().string(), "--dir", migrations().string(), "--hints",
                             path("hints.txt").string()});
    EXPECT_EQ(result.exit_code, 2) << expression << "\n" << result.out << result.err;
    EXPECT_EQ(line_count(result.err), 1U) << result.err;
    EXPECT_TRUE(contains(result.err, path("hints.txt").string() + ":2:")) << result.err;
    EXPECT_TRUE(contains(result.err, cause)) << result.err;
    EXPECT_EQ(folder_sha256(migrations()), folder);
  }
  write_file(path("hints.txt"), "fill author.code with coalesce(name, 'unknown') || ' (fill)'\n");
  const auto good = cli({"generate", "--schema", reference().string(), "--dir", migrations().string(), "--hints",
                         path("hints.txt").string()});
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  ASSERT_EQ(cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--no-backup"}).exit_code, 0);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM book"), 3);
  EXPECT_EQ(query_text(db(), "SELECT group_concat(code, '|') FROM (SELECT code FROM author ORDER BY id)"),
            "Ó Riada (fill)|unknown (fill)");
}

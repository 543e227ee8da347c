#include "litemig/compare.hpp"
#include "litemig/inspect.hpp"
#include "litemig/normalize.hpp"
#include "litemig/sql_tokens.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace litemig;
namespace fs = std::filesystem;

namespace {

schema load(const std::string& sql) { return inspect_sql(sql, "test"); }

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST(Tokens, CanonicalTextIgnoresSpellingButNotLiterals) {
  EXPECT_EQ(canonical_text("SELECT  \"A\" FROM [t] -- c\n WHERE x = 'Ab'"), canonical_text("select a from t where X='Ab'"));
  EXPECT_NE(canonical_text("SELECT 'a'"), canonical_text("SELECT 'A'"));
  EXPECT_EQ(canonical_text("(0)"), canonical_text("0"));
  EXPECT_EQ(canonical_text("((x + 1))"), canonical_text("x+1"));
  EXPECT_NE(canonical_text("(a) + (b)"), canonical_text("a) + (b"));
}

TEST(Tokens, RenderIdentifierQuotesOnlyWhenNeeded) {
  EXPECT_EQ(render_identifier("tune"), "tune");
  EXPECT_EQ(render_identifier("order"), "\"order\"");
  EXPECT_EQ(render_identifier(" Title"), "\" Title\"");
  EXPECT_EQ(render_identifier("we\"ird"), "\"we\"\"ird\"");
}

TEST(Normalize, ReadsColumnsAndConstraints) {
  const auto t = normalize_table(
      "CREATE TABLE IF NOT EXISTS \"x\" (id INTEGER PRIMARY KEY AUTOINCREMENT, \"a b\" varchar ( 10 ) NOT NULL "
      "DEFAULT ('z') COLLATE NOCASE CHECK (length(\"a b\") > 0), c REFERENCES p(id) ON DELETE CASCADE DEFERRABLE "
      "INITIALLY DEFERRED, d AS (c * 2) STORED, CONSTRAINT u UNIQUE (c, d DESC), CHECK (c > 0)) STRICT");
  ASSERT_EQ(t.columns.size(), 4u);
  EXPECT_EQ(t.columns[1].name, "a b");
  EXPECT_EQ(t.columns[1].type, "VARCHAR(10)");
  EXPECT_TRUE(t.columns[1].not_null);
  EXPECT_EQ(t.columns[1].default_key, "'z'");
  EXPECT_EQ(t.columns[1].default_sql, "('z')");
  EXPECT_EQ(t.columns[1].collation, "nocase");
  EXPECT_TRUE(t.columns[3].generated_stored);
  ASSERT_TRUE(t.primary.has_value());
  EXPECT_TRUE(t.primary->autoincrement);
  ASSERT_EQ(t.foreign_keys.size(), 1u);
  EXPECT_EQ(t.foreign_keys[0].on_delete, "cascade");
  EXPECT_EQ(t.foreign_keys[0].deferrable, "deferred");
  ASSERT_EQ(t.uniques.size(), 1u);
  EXPECT_TRUE(t.uniques[0].parts[1].descending);
  EXPECT_EQ(t.checks.size(), 1u);
  EXPECT_TRUE(t.strict);
  EXPECT_TRUE(t.has_integer_primary_key());
}

TEST(Normalize, EquivalentSpellingsAreEqual) {
  const auto a = load("CREATE TABLE t (id INTEGER PRIMARY KEY, n INT DEFAULT 0, s TEXT DEFAULT 'x');"
                      "CREATE INDEX IF NOT EXISTS i ON t(n);");
  const auto b = load("create table \"T\"(\n  \"id\" integer primary key,\n  n int default (0),\n  s text default ('x')\n);"
                      "CREATE INDEX \"i\" ON \"t\" (\"n\");");
  EXPECT_TRUE(compare(a, b).size() <= 1);  // only the letter case of the table name
}

TEST(Normalize, DifferentMeaningsDiffer) {
  const auto a = load("CREATE TABLE t (n INT DEFAULT 0)");
  const auto b = load("CREATE TABLE t (n INT DEFAULT '0')");
  EXPECT_FALSE(compare(a, b).empty());
}

TEST(Compare, AViewThatDiffersShowsWhereItsDefinitionParts) {
  const auto expected = load("CREATE TABLE t(a, b, c); CREATE VIEW v AS SELECT a, c FROM t WHERE a > 1;");
  const auto actual = load("CREATE TABLE t(a, b, c); CREATE VIEW v AS SELECT a, b FROM t WHERE a > 1;");
  EXPECT_EQ(describe(compare(expected, actual)),
            "view \"v\": definition differs: expected `... as select a , c from t where a ...`, "
            "found `... as select a , b from t where a ...`\n");
}

TEST(Normalize, AlterTableResultsCompareEqualToTheWrittenForm) {
  auto db = sqlite::database::in_memory();
  db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, PRIMARY_X TEXT, UNIQUE(b));"
             "ALTER TABLE t ADD COLUMN c INTEGER NOT NULL DEFAULT 3; ALTER TABLE t RENAME COLUMN b TO bb;");
  const auto written = load("CREATE TABLE t (a INTEGER PRIMARY KEY, bb TEXT, PRIMARY_X TEXT, c INTEGER NOT NULL DEFAULT 3, UNIQUE(bb))");
  EXPECT_EQ(describe(compare(written, inspect(db))), "");
}

TEST(Normalize, RenameInCreateReplacesOnlyTheName) {
  EXPECT_EQ(rename_in_create("CREATE TABLE IF NOT EXISTS \"a\" (x)", "new_a"), "CREATE TABLE IF NOT EXISTS \"new_a\" (x)");
}

TEST(Inspect, SkipsBookkeepingAndShadowTables) {
  const auto s = load("CREATE TABLE litemig_history(v); CREATE TABLE alembic_version(v);"
                      "CREATE VIRTUAL TABLE docs USING fts5(body); CREATE TABLE kept(x);");
  ASSERT_EQ(s.tables.size(), 1u);
  EXPECT_EQ(s.tables[0].name, "kept");
  ASSERT_EQ(s.virtual_tables.size(), 1u);
  EXPECT_EQ(s.virtual_tables[0].module, "fts5");
}

TEST(Inspect, SnapshotReloadsToTheSameSchema) {
  const auto s = load("CREATE TABLE a(x INTEGER PRIMARY KEY); CREATE VIEW v2 AS SELECT * FROM v1;"
                      "CREATE VIEW v1 AS SELECT x FROM a; CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; END;");
  EXPECT_EQ(load(snapshot_sql(s)), s);
}

// Every real TuneTrees schema: the parser agrees with SQLite on columns, and snapshots round-trip.
TEST(Corpus, EveryHistorySchemaParsesAndRoundTrips) {
  const fs::path dir = fs::path(LITEMIG_CORPUS_DIR) / "tunetrees-history";
  if (!fs::exists(dir)) GTEST_SKIP() << "corpus not available";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".sql") continue;
    ++files;
    auto db = sqlite::database::in_memory();
    db.execute(read_text(entry.path()));
    const auto s = inspect(db);
    for (const auto& t : s.tables) {
      auto info = db.prepare("SELECT name, type, \"notnull\" FROM pragma_table_xinfo(?)");
      info.bind(1, std::string_view(t.name));
      std::size_t i = 0;
      while (info.step()) {
        ASSERT_LT(i, t.columns.size()) << entry.path() << " " << t.name;
        EXPECT_EQ(info.column_text(0), t.columns[i].name) << entry.path() << " " << t.name;
        EXPECT_EQ(info.column_int(2) != 0, t.columns[i].not_null) << entry.path() << " " << t.name << "." << t.columns[i].name;
        ++i;
      }
      EXPECT_EQ(i, t.columns.size()) << entry.path() << " " << t.name;
    }
    EXPECT_EQ(describe(compare(s, load(snapshot_sql(s)))), "") << entry.path();
  }
  EXPECT_EQ(files, 73);
}

TEST(Tokens, PrintableNamesStayOnOneLine) {
  EXPECT_EQ(litemig::printable_name("t\nDELETE FROM book;\r\n--\tx\x01\x7f"), R"("t\nDELETE FROM book;\r\n--\tx\x01\x7f")");
  EXPECT_EQ(litemig::printable_name("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(litemig::printable_name("Grüße -- ;"), "\"Grüße -- ;\"");
  EXPECT_TRUE(litemig::has_control_character("a\tb"));
  EXPECT_TRUE(litemig::has_control_character(std::string("a\0b", 3)));
  EXPECT_FALSE(litemig::has_control_character("Grüße -- ; \"'"));
}

TEST(Normalize, ALoneIdentifierDefaultIsTheTextItSpells) {
  const auto t = litemig::normalize_table(
      "CREATE TABLE t(a TEXT DEFAULT Zed, b DEFAULT \"y\", c DEFAULT null, d DEFAULT CURRENT_TIMESTAMP, e DEFAULT (z))");
  EXPECT_EQ(t.columns[0].default_sql, "'Zed'");
  EXPECT_EQ(t.columns[1].default_sql, "'y'");
  EXPECT_EQ(t.columns[2].default_sql, "null");
  EXPECT_EQ(t.columns[3].default_sql, "CURRENT_TIMESTAMP");
  EXPECT_EQ(t.columns[4].default_sql, "(z)");
}

TEST(Normalize, AFullTextTableGivesItsColumnsAndContentOption) {
  const auto own = normalize_virtual_table("CREATE VIRTUAL TABLE d USING fts5(title, \"the body\" UNINDEXED, tokenize='porter ascii')");
  EXPECT_EQ(own.module, "fts5");
  EXPECT_EQ(own.columns, (std::vector<std::string>{"title", "the body"}));
  EXPECT_TRUE(own.holds_own_content());
  const auto external = normalize_virtual_table("CREATE VIRTUAL TABLE d USING FTS5(body, content='it''s', content_rowid=id)");
  EXPECT_EQ(external.content, "it's");
  EXPECT_TRUE(external.has_external_content());
  const auto contentless = normalize_virtual_table("CREATE VIRTUAL TABLE d USING fts4(body, content=\"\")");
  EXPECT_EQ(contentless.content, "");
  EXPECT_FALSE(contentless.holds_own_content() || contentless.has_external_content());
  const auto tree = normalize_virtual_table("CREATE VIRTUAL TABLE b USING rtree(id, x0, x1)");
  EXPECT_TRUE(tree.columns.empty());
  EXPECT_FALSE(tree.is_full_text());
}

// insert_sample_rows on real schemas: every table gets rows, and the result passes SQLite's own
// integrity and foreign-key checks, deterministically.
#include "litemig/data_check.hpp"
#include "litemig/inspect.hpp"
#include "litemig/sample_data.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace litemig;

namespace {

std::vector<std::string> check_rows(sqlite::database& db, const std::string& pragma) {
  std::vector<std::string> rows;
  auto statement = db.prepare(pragma);
  while (statement.step()) rows.push_back(statement.column_text(0));
  return rows;
}

}  // namespace

TEST(SampleData, FillsEveryTunetreesSchemaOfTheCorpus) {
  const fs::path history = fs::path(LITEMIG_CORPUS_DIR) / "tunetrees-history";
  if (!fs::is_directory(history)) GTEST_SKIP() << "corpus not available";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(history)) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    auto db = sqlite::database::in_memory();
    db.execute(litemig::testing::read_file(file));
    const auto s = inspect(db);
    insert_sample_rows(db, s, 8, 7);
    EXPECT_EQ(check_rows(db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
    EXPECT_TRUE(check_rows(db, "PRAGMA foreign_key_check").empty());
    for (const auto& t : s.tables) {
      EXPECT_GT(db.query_int("SELECT count(*) FROM " + sqlite::quote_identifier(t.name)).value_or(0), 0)
          << "table " << t.name << " got no rows";
    }
  }
}

TEST(SampleData, SatisfiesStrictTypesChecksUniqueAndForeignKeys) {
  auto db = sqlite::database::in_memory();
  db.execute(R"(
    CREATE TABLE owner (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE) STRICT;
    CREATE TABLE item (
      code TEXT PRIMARY KEY,
      owner_id INTEGER NOT NULL REFERENCES owner (id),
      kind TEXT NOT NULL CHECK (kind IN ('a', 'b')),
      rating INTEGER CHECK (rating BETWEEN 1 AND 5),
      weight REAL NOT NULL,
      payload BLOB,
      label TEXT GENERATED ALWAYS AS (code || kind) VIRTUAL,
      parent TEXT REFERENCES item (code)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE item_owner (item TEXT NOT NULL REFERENCES item (code), owner INTEGER NOT NULL REFERENCES owner (id),
                             PRIMARY KEY (item, owner));
    CREATE VIRTUAL TABLE tune_search USING fts5 (title, body);
  )");
  const auto s = inspect(db);
  insert_sample_rows(db, s, 20, 3);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM owner"), 20);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM item"), 20);
  EXPECT_GT(db.query_int("SELECT count(*) FROM item_owner").value_or(0), 0);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM tune_search"), 20);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM item WHERE rating IS NOT NULL AND rating NOT BETWEEN 1 AND 5"), 0);
  EXPECT_TRUE(check_rows(db, "PRAGMA foreign_key_check").empty());

  auto again = sqlite::database::in_memory();
  again.execute("CREATE TABLE owner (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE) STRICT;");
  insert_sample_rows(again, inspect(again), 20, 3);
  EXPECT_EQ(again.query_text("SELECT group_concat(email) FROM owner"), db.query_text("SELECT group_concat(email) FROM owner"));
}

TEST(DataCheck, FindsLostRowsChangedValuesAndRenames) {
  auto db = sqlite::database::in_memory();
  db.execute("CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT, mode TEXT);"
             "INSERT INTO tune VALUES (1, 'Kesh', 'G'), (2, 'Butterfly', 'Em'), (3, 'Cooley''s', 'Edor');");
  const auto before = capture_data(db, inspect(db));

  db.execute("ALTER TABLE tune RENAME COLUMN mode TO key_signature");
  auto renamed = compare_kept_data(before, capture_data(db, inspect(db)));
  EXPECT_TRUE(renamed.problems.empty());
  ASSERT_EQ(renamed.notes.size(), 1u);
  EXPECT_NE(renamed.notes[0].find("renamed"), std::string::npos);

  db.execute("UPDATE tune SET title = 'The Kesh' WHERE id = 1; DELETE FROM tune WHERE id = 3;");
  const auto broken = compare_kept_data(before, capture_data(db, inspect(db)));
  ASSERT_EQ(broken.problems.size(), 1u);
  EXPECT_NE(broken.problems[0].find("3 rows before, 2 after"), std::string::npos);
}

TEST(DataCheck, TypeChangesKeepEqualValues) {
  auto db = sqlite::database::in_memory();
  db.execute("CREATE TABLE t (a TEXT, b REAL); INSERT INTO t VALUES ('5', 2.0), ('x', 2.5);");
  const auto before = capture_data(db, inspect(db));
  db.execute("CREATE TABLE new_t (a INTEGER, b INTEGER); INSERT INTO new_t SELECT a, b FROM t; DROP TABLE t;"
             "ALTER TABLE new_t RENAME TO t;");
  EXPECT_TRUE(compare_kept_data(before, capture_data(db, inspect(db))).problems.empty());
}

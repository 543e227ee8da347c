// The one health report: integrity, dangling foreign keys against a baseline, the live schema
// against its snapshot, on a real database file.
#include "litemig/health.hpp"
#include "litemig/inspect.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

using namespace litemig;
using litemig::testing::scratch_test;

namespace {

class Health : public scratch_test {
 protected:
  // A note pointing at tune 9, which does not exist (foreign keys off, as a real copy may be).
  sqlite::database database_with_a_dangling_note() {
    sqlite::database db(path("app.sqlite3"), sqlite::open_mode::create);
    db.execute("CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT);"
               "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER REFERENCES tune(id));"
               "INSERT INTO tune VALUES (1, 'Kesh'); INSERT INTO note VALUES (1, 1), (2, 9);");
    return db;
  }
};

TEST_F(Health, ASoundDatabaseHasNothingToReport) {
  auto db = database_with_a_dangling_note();
  db.execute("DELETE FROM note WHERE tune_id = 9");
  const auto report = examine(db);
  EXPECT_TRUE(report.integrity.empty());
  EXPECT_TRUE(report.foreign_keys.empty());
  EXPECT_TRUE(report.schema.empty()) << "no snapshot asked for";
}

TEST_F(Health, DanglingRowsAreCountedByPairAndOnlyThoseBeyondTheBaselineAreNew) {
  auto db = database_with_a_dangling_note();
  const auto baseline = examine(db, {.integrity = false});
  ASSERT_EQ(baseline.foreign_keys.size(), 1u);
  EXPECT_EQ(baseline.foreign_keys[0].pair(), "\"note\" -> \"tune\"");
  EXPECT_EQ(baseline.foreign_keys[0].rows, 1);
  EXPECT_EQ(baseline.foreign_keys[0].first_row, 2);
  EXPECT_TRUE(baseline.dangling_beyond(baseline).empty()) << "a fixture's own dangling rows are not new";

  db.execute("INSERT INTO note VALUES (3, 8)");
  const auto after = examine(db);
  EXPECT_EQ(after.dangling_rows(), 2);
  const auto beyond = after.dangling_beyond(baseline);
  ASSERT_EQ(beyond.size(), 1u);
  EXPECT_EQ(beyond[0].rows, 2);
  EXPECT_EQ(baseline.dangling_rows_of(beyond[0]), 1);
}

TEST_F(Health, TheLiveSchemaIsComparedWithItsSnapshotByMeaning) {
  auto db = database_with_a_dangling_note();
  const auto snapshot = inspect_sql("CREATE TABLE \"tune\" (id INTEGER PRIMARY KEY, title TEXT);\n"
                                    "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER REFERENCES tune(id));\n",
                                    "snapshots/0001.sql");
  EXPECT_TRUE(examine(db, health_checks::schema_against(snapshot)).schema.empty());
  db.execute("ALTER TABLE tune ADD COLUMN mode TEXT");
  const auto drift = examine(db, health_checks::schema_against(snapshot));
  ASSERT_EQ(drift.schema.size(), 1u);
  EXPECT_EQ(drift.schema[0].name, "tune");
  EXPECT_TRUE(drift.foreign_keys.empty()) << "only the schema was asked for";
}

}  // namespace

// generate's self-check runs each migration on tables with rows, up, down and up again: a
// hand-written migration that loses rows or values at any of those steps is caught.
#include "litemig/diff.hpp"
#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/migration.hpp"
#include "litemig/self_check.hpp"
#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace litemig;

namespace {

const std::string before = "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT NOT NULL, n INTEGER);";
const std::string after = "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT NOT NULL, n INTEGER, b TEXT);";
const std::string add_b = "ALTER TABLE t ADD COLUMN b TEXT;\n";
const std::string drop_b = "ALTER TABLE t DROP COLUMN b;\n";

// The self-check's message for a migration from BEFORE to AFTER with these parts ("" when it
// passes); its warnings go to WARNINGS.
std::string check(const std::string& up, const std::string& down, std::vector<std::string>* warnings = nullptr) {
  auto scratch = sqlite::database::in_memory();
  scratch.execute(before);
  const auto previous = inspect(scratch);
  const auto reference = inspect_sql(after, "after");
  const auto m = parse_migration("0002_b.sql", "-- litemig:up\n" + up + "-- litemig:down\n" + down);
  try {
    const auto given = self_check(scratch, previous, reference, m);
    if (warnings) *warnings = given;
  } catch (const failure& e) {
    EXPECT_EQ(e.code(), exit_code::failure);
    return e.what();
  }
  return {};
}

}  // namespace

TEST(SelfCheck, ACorrectMigrationPasses) { EXPECT_EQ(check(add_b, drop_b), ""); }

TEST(SelfCheck, RunsOnAtLeastThreeRowsPerTable) {
  // Deletes a row only from a table that holds three or more.
  const auto up = add_b + "DELETE FROM t WHERE (SELECT count(*) FROM t) >= 3 AND id = (SELECT max(id) FROM t);\n";
  EXPECT_NE(check(up, drop_b).find("loses data on sample rows (up)"), std::string::npos);
}

TEST(SelfCheck, CatchesARebuildThatLosesARow) {
  const auto up =
      "CREATE TABLE litemig_new_t(id INTEGER PRIMARY KEY, a TEXT NOT NULL, n INTEGER, b TEXT);\n"
      "INSERT INTO litemig_new_t(id, a, n) SELECT id, a, n FROM t WHERE id > (SELECT min(id) FROM t);\n"
      "DROP TABLE t;\nALTER TABLE litemig_new_t RENAME TO t;\n";
  const auto message = check(up, drop_b);
  EXPECT_NE(message.find("loses data on sample rows (up)"), std::string::npos) << message;
  EXPECT_NE(message.find("rows before"), std::string::npos) << message;
}

TEST(SelfCheck, CatchesAnUpPartThatChangesAValue) {
  const auto message = check(add_b + "UPDATE t SET a = a || '!' WHERE id = (SELECT max(id) FROM t);\n", drop_b);
  EXPECT_NE(message.find("lost or changed"), std::string::npos) << message;
}

TEST(SelfCheck, CatchesADownPartThatDeletesRows) {
  const auto message = check(add_b, drop_b + "DELETE FROM t WHERE id % 2 = 0;\n");
  EXPECT_NE(message.find("loses data on sample rows (down)"), std::string::npos) << message;
}

TEST(SelfCheck, CatchesAnUpPartThatLosesRowsOnlyAfterADowngrade) {
  // The down part leaves a mark outside the tables that the second up part acts on.
  const auto up = add_b + "DELETE FROM t WHERE EXISTS (SELECT 1 FROM sqlite_temp_master WHERE name = 'mark');\n";
  const auto message = check(up, drop_b + "CREATE TEMP TABLE mark(x);\n");
  EXPECT_NE(message.find("loses data on sample rows (up after down)"), std::string::npos) << message;
}

TEST(SelfCheck, APartThatSampleRowsBreakOnAConstraintIsAWarning) {
  // Any row makes the up part fail on the primary key, whichever schema the rows were made for.
  std::vector<std::string> warnings;
  EXPECT_EQ(check(add_b + "INSERT INTO t(id, a, n) SELECT id, a, n FROM t LIMIT 1;\n", drop_b, &warnings), "");
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings.front().find("0002_b.sql: the up part fails on sample rows: UNIQUE constraint failed"),
            std::string::npos)
      << warnings.front();
}

#include "litemig/diff.hpp"
#include "litemig/inspect.hpp"
#include "litemig/plan.hpp"
#include "litemig/render.hpp"

#include <gtest/gtest.h>

using namespace litemig;

namespace {

struct planned {
  schema from;
  schema to;
  hints given;
  schema_diff changes;
  migration_plan plan;
  std::string sql;
};

// Keeps the schemas alive for the pointers the diff and plan hold.
std::unique_ptr<planned> plan_for(const std::string& before, const std::string& after, const std::string& hints_text = {},
                                  int min_sqlite = 0) {
  auto p = std::make_unique<planned>();
  p->from = inspect_sql(before, "before");
  p->to = inspect_sql(after, "after");
  p->given = parse_hints(hints_text, "hints");
  p->changes = diff(p->from, p->to, p->given, decision_policy::ask);
  if (p->changes.decisions.empty()) {
    p->plan = make_plan(p->from, p->to, p->changes, plan_settings{min_sqlite});
    p->sql = render_plan(p->plan);
  }
  return p;
}

template <typename T>
bool has_step(const migration_plan& plan) {
  return std::any_of(plan.steps.begin(), plan.steps.end(), [](const plan_step& s) { return std::holds_alternative<T>(s); });
}

}  // namespace

TEST(Diff, IdenticalSchemasHaveNoChanges) {
  const auto p = plan_for("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT DEFAULT 'x')",
                          "create table \"t\" ( a integer primary key , b text default ('x') )");
  EXPECT_TRUE(p->changes.changes.empty());
}

TEST(Diff, DroppingATableNeedsADecision) {
  const auto p = plan_for("CREATE TABLE keep(a); CREATE TABLE gone(a, b)", "CREATE TABLE keep(a)");
  ASSERT_EQ(p->changes.decisions.size(), 1u);
  EXPECT_EQ(p->changes.decisions[0].choices.back().text(), "drop table gone");
  EXPECT_TRUE(plan_for("CREATE TABLE keep(a); CREATE TABLE gone(a, b)", "CREATE TABLE keep(a)", "drop table gone")->changes.decisions.empty());
}

TEST(Diff, ADisappearedColumnWithASimilarNewOneSuggestsARename) {
  const auto p = plan_for("CREATE TABLE t(id INTEGER PRIMARY KEY, title TEXT)", "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)");
  ASSERT_EQ(p->changes.decisions.size(), 1u);
  ASSERT_EQ(p->changes.decisions[0].choices.size(), 2u);
  EXPECT_EQ(p->changes.decisions[0].choices[0].text(), "rename column t.title to name");
  EXPECT_EQ(p->changes.decisions[0].choices[1].text(), "drop column t.title");
}

TEST(Diff, ADisappearedTableWithASimilarNewOneSuggestsARename) {
  const auto p = plan_for("CREATE TABLE tunes(id INTEGER PRIMARY KEY, title TEXT)", "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT)");
  ASSERT_EQ(p->changes.decisions.size(), 1u);
  EXPECT_EQ(p->changes.decisions[0].choices[0].text(), "rename table tunes to tune");
  EXPECT_EQ(p->changes.decisions[0].choices[1].text(), "drop table tunes");
}

TEST(Diff, ANotNullColumnWithoutDefaultNeedsAFill) {
  const auto p = plan_for("CREATE TABLE t(a)", "CREATE TABLE t(a, b INTEGER NOT NULL)");
  ASSERT_EQ(p->changes.decisions.size(), 1u);
  EXPECT_EQ(p->changes.decisions[0].choices[0].text(), "fill t.b with 0");
  const auto nullable_becomes_not_null = plan_for("CREATE TABLE t(a TEXT)", "CREATE TABLE t(a TEXT NOT NULL)");
  EXPECT_EQ(nullable_becomes_not_null->changes.decisions.size(), 1u);
  EXPECT_TRUE(plan_for("CREATE TABLE t(a TEXT)", "CREATE TABLE t(a TEXT NOT NULL DEFAULT '')")->changes.decisions.empty());
}

TEST(Plan, AColumnAddedAtTheEndIsAPlainAlter) {
  const auto p = plan_for("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX tb ON t(b)",
                          "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c INTEGER NOT NULL DEFAULT 0); CREATE INDEX tb ON t(b)");
  EXPECT_TRUE(has_step<step::add_column>(p->plan));
  EXPECT_FALSE(has_step<step::rebuild_table>(p->plan));
  EXPECT_TRUE(p->plan.foreign_key_check_tables.empty());
  EXPECT_NE(p->sql.find("ALTER TABLE \"t\" ADD COLUMN c INTEGER NOT NULL DEFAULT 0;"), std::string::npos) << p->sql;
}

TEST(Plan, NonConstantDefaultsAndMiddleColumnsForceARebuild) {
  EXPECT_TRUE(has_step<step::rebuild_table>(
      plan_for("CREATE TABLE t(a)", "CREATE TABLE t(a, created TEXT DEFAULT CURRENT_TIMESTAMP)")->plan));
  EXPECT_TRUE(has_step<step::rebuild_table>(plan_for("CREATE TABLE t(a, c)", "CREATE TABLE t(a, b DEFAULT 1, c)")->plan));
  EXPECT_TRUE(has_step<step::rebuild_table>(plan_for("CREATE TABLE t(a INTEGER)", "CREATE TABLE t(a REAL)")->plan));
}

TEST(Plan, RenamesUseAlterOnlyWhereTheTargetSqliteHasIt) {
  const std::string before = "CREATE TABLE t(id INTEGER PRIMARY KEY, title TEXT)";
  const std::string after = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)";
  EXPECT_TRUE(has_step<step::rename_column>(plan_for(before, after, "rename column t.title to name")->plan));
  const auto old_sqlite = plan_for(before, after, "rename column t.title to name", 3024000);
  EXPECT_FALSE(has_step<step::rename_column>(old_sqlite->plan));
  EXPECT_TRUE(has_step<step::rebuild_table>(old_sqlite->plan));
}

TEST(Plan, DropColumnIsNativeUnlessTheColumnIsIndexed) {
  EXPECT_TRUE(has_step<step::drop_column>(plan_for("CREATE TABLE t(a, b)", "CREATE TABLE t(a)", "drop column t.b")->plan));
  const auto indexed = plan_for("CREATE TABLE t(a, b UNIQUE)", "CREATE TABLE t(a)", "drop column t.b");
  EXPECT_TRUE(has_step<step::rebuild_table>(indexed->plan));
  EXPECT_TRUE(has_step<step::drop_column>(plan_for("CREATE TABLE t(a, b)", "CREATE TABLE t(a)", "drop column t.b", 3035000)->plan));
  EXPECT_FALSE(has_step<step::drop_column>(plan_for("CREATE TABLE t(a, b)", "CREATE TABLE t(a)", "drop column t.b", 3034000)->plan));
}

TEST(Plan, ARebuildRecreatesIndexesTriggersAndDependentViewsInOrder) {
  const auto p = plan_for(
      "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER REFERENCES p(id));"
      "CREATE INDEX tn ON t(n); CREATE VIEW v1 AS SELECT n FROM t; CREATE VIEW v2 AS SELECT * FROM v1;"
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;",
      "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE t(id INTEGER PRIMARY KEY, n REAL REFERENCES p(id));"
      "CREATE INDEX tn ON t(n); CREATE VIEW v1 AS SELECT n FROM t; CREATE VIEW v2 AS SELECT * FROM v1;"
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;");
  const auto& sql = p->sql;
  const auto position = [&](const std::string& text) { return sql.find(text); };
  EXPECT_LT(position("DROP VIEW IF EXISTS \"v2\""), position("DROP VIEW IF EXISTS \"v1\""));
  EXPECT_LT(position("DROP TRIGGER IF EXISTS \"tr\""), position("CREATE TABLE \"litemig_new_t\""));
  EXPECT_LT(position("ALTER TABLE \"litemig_new_t\" RENAME TO \"t\""), position("CREATE INDEX tn"));
  EXPECT_LT(position("CREATE VIEW v1"), position("CREATE VIEW v2"));
  EXPECT_NE(position("CREATE TRIGGER tr"), std::string::npos);
  EXPECT_EQ(p->plan.foreign_key_check_tables, std::vector<std::string>{"t"});
}

TEST(Plan, ForeignKeysAreCheckedOnlyWhereARebuildCanChangeWhatTheyRead) {
  const std::string parent = "CREATE TABLE p(id INTEGER PRIMARY KEY);";
  const auto other_column = plan_for(parent + "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER REFERENCES p(id), x INTEGER)",
                                     parent + "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER REFERENCES p(id), x REAL)");
  ASSERT_TRUE(has_step<step::rebuild_table>(other_column->plan));
  EXPECT_TRUE(other_column->plan.foreign_key_check_tables.empty()) << "n is copied as it was";
  const auto filled = plan_for(parent + "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER REFERENCES p(id))",
                               parent + "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0 REFERENCES p(id))");
  EXPECT_EQ(filled->plan.foreign_key_check_tables, std::vector<std::string>{"t"}) << "NULLs become 0, which may have no parent";
  const auto new_key = plan_for(parent + "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER, x INTEGER)",
                                parent + "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER REFERENCES p(id), x REAL)");
  EXPECT_EQ(new_key->plan.foreign_key_check_tables, std::vector<std::string>{"t"});
}

TEST(Render, QuotesEveryIdentifier) {
  const auto p = plan_for("CREATE TABLE \"my \"\"table\"(\" Title\" TEXT, \"select\" INT)",
                          "CREATE TABLE \"my \"\"table\"(\" Name\" TEXT, \"select\" INT)", "rename column \"my \"\"table\".\" Title\" to \" Name\"");
  EXPECT_NE(p->sql.find("ALTER TABLE \"my \"\"table\" RENAME COLUMN \" Title\" TO \" Name\";"), std::string::npos) << p->sql;
}

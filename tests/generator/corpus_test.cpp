// Every real schema change of TuneTrees' history, generated as a user accepting litemig's
// suggestions would, then applied to a database with rows and reverted.
#include "migration_harness.hpp"

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/data_check.hpp"
#include "litemig/inspect.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace litemig;
using litemig::testing::migration_harness;
using litemig::testing::read_file;
namespace fs = std::filesystem;

namespace {

const fs::path corpus = LITEMIG_CORPUS_DIR;

}  // namespace

TEST(Corpus, EveryConsecutiveHistoryPairMigratesWithData) {
  const auto history = corpus / "tunetrees-history";
  if (!fs::exists(history)) GTEST_SKIP() << "corpus not available";
  migration_harness h("history");
  int refusals = 0;
  int steps = 0;
  for (int n = 1; n <= 73; ++n, ++steps) {
    const auto file = history / fmt::format("{:03}.sql", n);
    if (!fs::exists(file)) break;
    h.set_reference(read_file(file));
    const auto result = h.generate_accepting_suggestions();
    ASSERT_EQ(result.result, generate_result::outcome::written) << file;
    ASSERT_EQ(h.generate().result, generate_result::outcome::no_changes) << "no convergence at " << file;
    // Random rows may break a constraint the step introduces (a narrower CHECK, a new key):
    // the pre-flight must then refuse them untouched, and the step is verified on empty tables.
    bool refused = false;
    auto problems = h.verify_step(n, 10, static_cast<std::uint32_t>(n), &refused);
    if (refused) {
      ++refusals;
      problems = h.verify_step(n, 0);
    }
    EXPECT_TRUE(problems.empty()) << file << ":\n" << fmt::format("{}", fmt::join(problems, "\n")) << "\n" << h.read_migration(n);
  }
}

// The real test database (schema 070) goes through a change of ours without losing a row.
TEST(Corpus, RealFixtureUpgradesWithoutLosingARow) {
  const auto fixture = corpus / "fixtures" / "tunetrees_test_clean-2025-01-28.sqlite3";
  const auto history = corpus / "tunetrees-history";
  if (!fs::exists(fixture) || !fs::exists(history)) GTEST_SKIP() << "corpus not available";
  migration_harness h("fixture");
  h.set_reference(read_file(history / "070.sql"));
  ASSERT_EQ(h.generate().result, generate_result::outcome::written);
  // Our change: a NOT NULL column with a default in the middle of practice_record, interval
  // INTEGER -> REAL (a rebuild under the three views), and a rename on tune.
  auto sql = read_file(history / "070.sql");
  const auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = sql.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    sql.replace(at, from.size(), to);
  };
  replace("    interval         integer,", "    interval         REAL,\n    goal TEXT NOT NULL DEFAULT 'recall',");
  h.set_reference(sql);
  ASSERT_EQ(h.generate().result, generate_result::outcome::written) << h.read_migration(2);

  const auto db_path = h.dir() / "fixture.sqlite3";
  fs::copy_file(fixture, db_path);
  fs::permissions(db_path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
  const auto set = migration_set::from_directory(h.migrations());
  apply_options options;
  options.backup = false;
  database_data before;
  schema before_schema;
  {
    sqlite::database db(db_path);
    before_schema = inspect(db);
    before = capture_data(db, before_schema);
  }
  stamp(db_path, set, std::nullopt);
  const auto result = upgrade(db_path, set, options);
  EXPECT_EQ(result.to_version, 2);
  sqlite::database db(db_path);
  EXPECT_EQ(describe(compare(inspect_sql(*set.snapshot(2), "snapshot"), inspect(db))), "");
  EXPECT_EQ(db.query_text("PRAGMA integrity_check"), "ok");
  const auto comparison = compare_kept_data(before, capture_data(db, inspect(db)));
  EXPECT_TRUE(comparison.problems.empty()) << fmt::format("{}", fmt::join(comparison.problems, "\n"));
  EXPECT_EQ(db.query_int("SELECT count(*) FROM practice_record WHERE goal = 'recall'"), db.query_int("SELECT count(*) FROM practice_record"));
  EXPECT_GT(db.query_int("SELECT count(*) FROM view_playlist_joined"), 0);
}

// Seeded random schema pairs: generate, then the migration taken up, down and up again on a
// database with rows, compared after each part (verify_migration).
// LITEMIG_RANDOM_PAIRS and LITEMIG_RANDOM_SEED run a longer or different campaign.
#include "migration_harness.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

using litemig::generate_result;
using litemig::testing::migration_harness;

namespace {

struct column_spec {
  std::string name;
  std::string type;
  bool not_null = false;
  std::string default_sql;
};

struct table_spec {
  std::string name;
  std::vector<column_spec> columns;
  std::vector<std::string> indexed;
};

// An FTS5 table holding its own rows, and a child table whose foreign key cascades from t0.
struct extras {
  std::vector<std::string> full_text;  // columns; none: no such table
  bool child = false;
};

const std::vector<std::string> column_names{"a", "b", "title", "\" lead\"", "\"we\"\"ird\"", "\"order\"", "qty", "note",
                                            "\"Größe\"", "flag", "score", "c7"};
const std::vector<std::string> types{"INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", ""};

class schema_maker {
 public:
  explicit schema_maker(std::uint32_t seed) : random_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  bool chance(int percent) { return pick(100) < percent; }

  column_spec new_column(const table_spec& t) {
    column_spec c;
    for (int tries = 0; tries < 20; ++tries) {
      c.name = column_names[static_cast<std::size_t>(pick(static_cast<int>(column_names.size())))];
      if (!has_column(t, c.name)) break;
      c.name = fmt::format("col{}", pick(100000));
    }
    c.type = types[static_cast<std::size_t>(pick(static_cast<int>(types.size())))];
    if (chance(30)) {
      c.not_null = true;
      c.default_sql = c.type == "TEXT" ? "'x'" : chance(50) ? "0" : "(1)";
    } else if (chance(20)) {
      c.default_sql = "'d'";
    }
    return c;
  }

  static bool has_column(const table_spec& t, const std::string& name) {
    return std::any_of(t.columns.begin(), t.columns.end(), [&](const column_spec& c) { return c.name == name; });
  }

  std::vector<table_spec> make_schema() {
    std::vector<table_spec> tables;
    const int count = 1 + pick(3);
    for (int i = 0; i < count; ++i) {
      table_spec t{fmt::format("t{}", i), {}, {}};
      const int columns = 1 + pick(4);
      for (int j = 0; j < columns; ++j) t.columns.push_back(new_column(t));
      if (chance(40)) t.indexed.push_back(t.columns.front().name);
      tables.push_back(std::move(t));
    }
    return tables;
  }

  extras make_extras() {
    extras e;
    if (chance(30)) e.full_text = {"title", "body"};
    e.child = chance(30);
    return e;
  }

  void mutate(std::vector<table_spec>& tables, extras& e) {
    const int mutations = 1 + pick(3);
    for (int m = 0; m < mutations; ++m) {
      auto& t = tables[static_cast<std::size_t>(pick(static_cast<int>(tables.size())))];
      switch (pick(e.full_text.empty() ? 7 : 9)) {
        case 7:  // the full-text table gains a column
          e.full_text.push_back(fmt::format("f{}", pick(100000)));
          break;
        case 8:  // or loses one
          if (e.full_text.size() > 1) e.full_text.erase(e.full_text.begin() + pick(static_cast<int>(e.full_text.size())));
          break;
        case 0: {  // add a column somewhere
          const auto at = t.columns.begin() + pick(static_cast<int>(t.columns.size()) + 1);
          t.columns.insert(at, new_column(t));
          break;
        }
        case 1:  // drop a column
          if (t.columns.size() > 1) {
            const auto at = static_cast<std::size_t>(pick(static_cast<int>(t.columns.size())));
            t.indexed.erase(std::remove(t.indexed.begin(), t.indexed.end(), t.columns[at].name), t.indexed.end());
            t.columns.erase(t.columns.begin() + static_cast<std::ptrdiff_t>(at));
          }
          break;
        case 2:  // rename a column
        {
          auto& c = t.columns[static_cast<std::size_t>(pick(static_cast<int>(t.columns.size())))];
          const auto renamed = fmt::format("r{}", pick(100000));
          for (auto& i : t.indexed) {
            if (i == c.name) i = renamed;
          }
          c.name = renamed;
          break;
        }
        case 3:  // change a type
          t.columns[static_cast<std::size_t>(pick(static_cast<int>(t.columns.size())))].type =
              types[static_cast<std::size_t>(pick(static_cast<int>(types.size())))];
          break;
        case 4: {  // NOT NULL with a default appears or goes
          auto& c = t.columns[static_cast<std::size_t>(pick(static_cast<int>(t.columns.size())))];
          c.not_null = !c.not_null;
          if (c.not_null && c.default_sql.empty()) c.default_sql = "0";
          break;
        }
        case 5:  // an index appears or goes
          if (t.indexed.empty()) {
            t.indexed.push_back(t.columns.back().name);
          } else {
            t.indexed.clear();
          }
          break;
        default:  // a table appears
          tables.push_back(table_spec{fmt::format("n{}", pick(100000)), {new_column(t)}, {}});
          break;
      }
    }
  }

  static std::string render(const std::vector<table_spec>& tables, bool with_view, const extras& e) {
    std::string sql;
    if (!e.full_text.empty()) sql += fmt::format("CREATE VIRTUAL TABLE doc USING fts5({});\n", fmt::join(e.full_text, ", "));
    if (e.child) sql += "CREATE TABLE child (id INTEGER PRIMARY KEY, ref INTEGER REFERENCES t0(id) ON DELETE CASCADE, x TEXT);\n";
    for (const auto& t : tables) {
      sql += fmt::format("CREATE TABLE {} (id INTEGER PRIMARY KEY", t.name);
      for (const auto& c : t.columns) {
        sql += fmt::format(", {}{}{}{}", c.name, c.type.empty() ? "" : " " + c.type, c.not_null ? " NOT NULL" : "",
                           c.default_sql.empty() ? "" : " DEFAULT " + c.default_sql);
      }
      sql += ");\n";
      for (const auto& i : t.indexed) sql += fmt::format("CREATE INDEX \"{}_idx\" ON {} ({});\n", t.name, t.name, i);
    }
    if (with_view) sql += fmt::format("CREATE VIEW v AS SELECT * FROM {};\n", tables.front().name);
    return sql;
  }

 private:
  std::mt19937 random_;
};

int environment_number(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value ? std::atoi(value) : fallback;
}

}  // namespace

TEST(RandomSchemas, GeneratedMigrationsKeepDataBothWays) {
  const int pairs = environment_number("LITEMIG_RANDOM_PAIRS", 200);
  const auto base_seed = static_cast<std::uint32_t>(environment_number("LITEMIG_RANDOM_SEED", 20261125));
  for (int i = 0; i < pairs; ++i) {
    const auto seed = base_seed + static_cast<std::uint32_t>(i);
    schema_maker maker(seed);
    auto tables = maker.make_schema();
    const bool with_view = maker.chance(50);
    auto extra = maker.make_extras();
    const auto before = schema_maker::render(tables, with_view, extra);
    maker.mutate(tables, extra);
    const auto after = schema_maker::render(tables, with_view, extra);
    migration_harness h(fmt::format("pair{}", seed));
    h.set_reference(before);
    ASSERT_EQ(h.generate().result, generate_result::outcome::written) << "seed " << seed;
    h.set_reference(after);
    const auto result = h.generate_accepting_suggestions();
    if (result.result == generate_result::outcome::no_changes) continue;
    const auto problems = h.verify_step(2, 8, seed);
    ASSERT_TRUE(problems.empty()) << "seed " << seed << "\nbefore:\n" << before << "after:\n" << after << "\n"
                                  << fmt::format("{}", fmt::join(problems, "\n")) << "\n" << h.read_migration(2);
  }
}

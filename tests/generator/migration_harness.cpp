#include "migration_harness.hpp"

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/data_check.hpp"
#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/migration.hpp"
#include "litemig/sample_data.hpp"
#include "litemig/diff.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace litemig::testing {

namespace {

// Where each kept value of the earlier schema lives in the later one, as the migration's own
// diff (with the hints it was generated with) says: old table -> new table, old column -> new.
struct value_map {
  std::map<std::string, std::string> tables;                          // lower old name -> new name
  std::map<std::string, std::map<std::string, std::string>> columns;  // lower old table -> lower old column -> new
};

value_map map_values(const schema& before, const schema& after, const std::string& hints_text) {
  value_map map;
  const auto given = parse_hints(hints_text, "hints");
  const auto changes = diff(before, after, given, decision_policy::ask);
  std::set<std::string> handled;
  for (const auto& c : changes.changes) {
    if (const auto* altered = std::get_if<change::table_altered>(&c)) {
      const auto key = lower_ascii(altered->from->name);
      map.tables[key] = altered->to->name;
      for (std::size_t i = 0; i < altered->to->columns.size(); ++i) {
        if (const auto* source = altered->sources[i]) map.columns[key][lower_ascii(source->name)] = altered->to->columns[i].name;
      }
      handled.insert(key);
    }
  }
  for (const auto& c : changes.changes) {
    if (const auto* renamed = std::get_if<change::table_renamed>(&c)) {
      const auto key = lower_ascii(renamed->from->name);
      if (handled.insert(key).second) {
        map.tables[key] = renamed->to->name;
        for (const auto& col : renamed->from->columns) map.columns[key][lower_ascii(col.name)] = col.name;
      }
    }
  }
  for (const auto& t : before.tables) {
    const auto key = lower_ascii(t.name);
    if (handled.contains(key) || !after.find_table(t.name)) continue;
    map.tables[key] = t.name;
    for (const auto& col : t.columns) map.columns[key][lower_ascii(col.name)] = col.name;
  }
  return map;
}

// BEFORE's kept values under their new names, and the columns to compare on each side.
struct expectation {
  database_data renamed;
  kept_columns new_names;
  kept_columns old_names;
};

expectation expect_kept(const database_data& before, const value_map& map) {
  expectation e;
  for (const auto& [key, data] : before) {
    const auto table = map.tables.find(key);
    if (table == map.tables.end()) continue;
    table_data moved{table->second, {}, std::vector<std::vector<std::optional<std::string>>>(data.rows.size())};
    auto& new_names = e.new_names[lower_ascii(table->second)];
    auto& old_names = e.old_names[key];
    for (std::size_t i = 0; i < data.columns.size(); ++i) {
      const auto& columns = map.columns.at(key);
      const auto found = columns.find(lower_ascii(data.columns[i]));
      if (found == columns.end()) continue;
      moved.columns.push_back(found->second);
      new_names.push_back(found->second);
      old_names.push_back(data.columns[i]);
      for (std::size_t r = 0; r < data.rows.size(); ++r) moved.rows[r].push_back(data.rows[r][i]);
    }
    e.renamed[lower_ascii(table->second)] = std::move(moved);
  }
  return e;
}

}  // namespace

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

migration_harness::migration_harness(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = fs::temp_directory_path() /
         fmt::format("litemig_gen_{}_{}_{}", info ? info->name() : "x", name, ::getpid());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

migration_harness::~migration_harness() {
  std::error_code ignored;
  if (!::testing::Test::HasFailure()) fs::remove_all(dir_, ignored);
}

void migration_harness::set_reference(const std::string& sql) {
  fs::remove(reference());
  sqlite::database db(reference(), sqlite::open_mode::create);
  db.execute(sql);
}

generate_result migration_harness::generate(const std::string& hints_text, const std::string& name) {
  generate_options options;
  options.reference = reference();
  options.dir = migrations();
  if (!name.empty()) options.name = name;
  last_hints_ = hints_text;
  if (!hints_text.empty()) {
    std::ofstream(dir_ / "hints.txt") << hints_text;
    options.hints_file = dir_ / "hints.txt";
  }
  return litemig::generate(options);
}

generate_result migration_harness::generate_accepting_suggestions() {
  std::string hints_text;
  for (int round = 0; round < 5; ++round) {
    auto result = generate(hints_text);
    if (result.result != generate_result::outcome::decisions_needed) return result;
    for (const auto& d : result.decisions) hints_text += d.choices.front().text() + "\n";
  }
  throw std::runtime_error("decisions kept coming after accepting the suggestions");
}

std::string migration_harness::read_migration(std::int64_t version) const {
  for (const auto& entry : fs::directory_iterator(migrations())) {
    if (entry.path().filename().string().starts_with(fmt::format("{:04}_", version))) return read_text(entry.path());
  }
  return {};
}

std::vector<std::string> migration_harness::verify_step(std::int64_t version, int rows, std::uint32_t seed, bool* refused) {
  std::vector<std::string> problems;
  const auto set = migration_set::from_directory(migrations());
  const auto db_path = dir_ / fmt::format("verify_{:04}.sqlite3", version);
  fs::remove(db_path);
  apply_options options;
  options.backup = false;
  const auto before_schema = inspect_sql(set.snapshot(version - 1).value_or(""), "snapshot before");
  const auto after_schema = inspect_sql(set.snapshot(version).value_or(""), "snapshot after");
  try {
    options.target = version - 1;
    upgrade(db_path, set, options);
    const auto values = map_values(before_schema, after_schema, last_hints_);
    database_data before;
    {
      sqlite::database db(db_path);
      insert_sample_rows(db, before_schema, rows, seed);
      // What the migration is meant to keep: NULLs of a column that becomes NOT NULL with a
      // default come back as that default (and stay so after the down part).
      const auto expected_path = dir_ / fmt::format("expected_{:04}.sqlite3", version);
      fs::remove(expected_path);
      db.backup_to(expected_path);
      sqlite::database expected(expected_path);
      for (const auto& [table_key, columns] : values.columns) {
        const auto* old_table = before_schema.find_table(table_key);
        const auto* new_table = after_schema.find_table(values.tables.at(table_key));
        for (const auto& [old_key, new_name] : columns) {
          const auto* old_column = old_table->find_column(old_key);
          const auto* c = new_table->find_column(new_name);
          if (c->not_null && !old_column->not_null && c->default_sql) {
            expected.execute(fmt::format("UPDATE {0} SET {1} = {2} WHERE {1} IS NULL", sqlite::quote_identifier(old_table->name),
                                         sqlite::quote_identifier(old_column->name), *c->default_sql));
          }
        }
      }
      before = capture_data(expected, before_schema);
    }
    options.target = version;
    const auto bytes_before = read_text(db_path);
    try {
      upgrade(db_path, set, options);
    } catch (const failure& e) {
      if (refused == nullptr || e.code() != exit_code::preflight) throw;
      *refused = true;
      if (read_text(db_path) != bytes_before) problems.push_back("a refused migration changed the database");
      return problems;
    }
    const auto expected = expect_kept(before, values);
    {
      sqlite::database db(db_path);
      const auto differences = compare(after_schema, inspect(db));
      if (!differences.empty()) problems.push_back("up: schema differs: " + describe(differences));
      if (db.query_text("PRAGMA integrity_check") != "ok") problems.push_back("up: integrity_check failed");
      if (db.query_int("SELECT count(*) FROM pragma_foreign_key_check") != 0) problems.push_back("up: foreign keys violated");
      const auto comparison = compare_kept_data(expected.renamed, capture_data(db, after_schema), expected.new_names);
      for (const auto& p : comparison.problems) problems.push_back("up: " + p);
    }
    downgrade(db_path, set, version - 1, options);
    {
      sqlite::database db(db_path);
      const auto differences = compare(before_schema, inspect(db));
      if (!differences.empty()) problems.push_back("down: schema differs: " + describe(differences));
      if (db.query_text("PRAGMA integrity_check") != "ok") problems.push_back("down: integrity_check failed");
      const auto comparison = compare_kept_data(before, capture_data(db, before_schema), expected.old_names);
      for (const auto& p : comparison.problems) problems.push_back("down: " + p);
    }
  } catch (const std::exception& e) {
    problems.push_back(e.what());
  }
  return problems;
}

}  // namespace litemig::testing

#include "migration_harness.hpp"

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/data_check.hpp"
#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/migration.hpp"
#include "litemig/sample_data.hpp"
#include "litemig/sql_tokens.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace litemig::testing {

namespace {

// The plain table renames of a migration part (not the rename that ends a rebuild).
std::vector<std::pair<std::string, std::string>> table_renames(const std::string& sql) {
  std::vector<std::pair<std::string, std::string>> renames;
  const auto tokens = tokenize(sql);
  for (std::size_t i = 0; i + 5 < tokens.size(); ++i) {
    if (tokens[i].is_word("alter") && tokens[i + 1].is_word("table") && tokens[i + 3].is_word("rename") &&
        tokens[i + 4].is_word("to") && !lower_ascii(tokens[i + 2].value).starts_with("litemig_new_")) {
      renames.emplace_back(tokens[i + 2].value, tokens[i + 5].value);
    }
  }
  return renames;
}

bool table_renames_to(const std::string& sql, const std::string& from, const std::string& to) {
  for (const auto& [a, b] : table_renames(sql)) {
    if (same_name(a, from) && same_name(b, to)) return true;
  }
  return false;
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
      for (const auto& t : after_schema.tables) {
        const auto* old_table = before_schema.find_table(t.name);
        for (const auto& c : t.columns) {
          const auto* old_column = old_table ? old_table->find_column(c.name) : nullptr;
          if (old_column && c.not_null && !old_column->not_null && c.default_sql) {
            expected.execute(fmt::format("UPDATE {0} SET {1} = {2} WHERE {1} IS NULL", sqlite::quote_identifier(t.name),
                                         sqlite::quote_identifier(c.name), *c.default_sql));
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
    kept_columns kept;
    {
      sqlite::database db(db_path);
      const auto differences = compare(after_schema, inspect(db));
      // Tables the migration renames are compared under their new names.
      auto renamed_before = before;
      for (const auto& [from, to] : table_renames(set.find(version)->up.sql)) {
        const auto found = renamed_before.find(lower_ascii(from));
        if (found == renamed_before.end()) continue;
        auto data = std::move(found->second);
        renamed_before.erase(found);
        data.name = to;
        renamed_before[lower_ascii(to)] = std::move(data);
      }
      if (!differences.empty()) problems.push_back("up: schema differs: " + describe(differences));
      if (db.query_text("PRAGMA integrity_check") != "ok") problems.push_back("up: integrity_check failed");
      if (db.query_int("SELECT count(*) FROM pragma_foreign_key_check") != 0) problems.push_back("up: foreign keys violated");
      const auto comparison = compare_kept_data(renamed_before, capture_data(db, after_schema));
      for (const auto& p : comparison.problems) problems.push_back("up: " + p);
      for (const auto& [table_key, columns] : comparison.kept) {
        const auto& new_name = renamed_before.at(table_key).name;
        const auto original = std::find_if(before.begin(), before.end(), [&](const auto& entry) {
          return entry.first == table_key || table_renames_to(set.find(version)->up.sql, entry.second.name, new_name);
        });
        if (original != before.end()) kept[original->first] = columns;
      }
    }
    downgrade(db_path, set, version - 1, options);
    {
      sqlite::database db(db_path);
      const auto differences = compare(before_schema, inspect(db));
      if (!differences.empty()) problems.push_back("down: schema differs: " + describe(differences));
      if (db.query_text("PRAGMA integrity_check") != "ok") problems.push_back("down: integrity_check failed");
      const auto comparison = compare_kept_data(before, capture_data(db, before_schema), kept);
      for (const auto& p : comparison.problems) problems.push_back("down: " + p);
    }
  } catch (const std::exception& e) {
    problems.push_back(e.what());
  }
  return problems;
}

}  // namespace litemig::testing

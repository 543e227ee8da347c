#include "previous_schema.hpp"

#include "litemig/inspect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace litemig {

namespace {

using statement_set = std::unordered_set<std::string_view>;

// Every statement of a snapshot ends with ";\n"; SQLite decides which of those end a statement
// (a trigger body holds some too). Blank space before a statement is not part of it.
std::vector<std::string_view> split_statements(std::string_view sql) {
  std::vector<std::string_view> statements;
  const auto add = [&](std::string_view text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin != std::string_view::npos) statements.push_back(text.substr(begin));
  };
  std::size_t start = 0;
  for (auto end = sql.find(";\n"); end != std::string_view::npos; end = sql.find(";\n", end + 2)) {
    const auto candidate = sql.substr(start, end + 2 - start);
    if (sqlite::is_complete_statement(std::string(candidate))) {
      add(candidate);
      start = end + 2;
    }
  }
  add(sql.substr(start));
  return statements;
}

template <typename T>
void add_drops(std::vector<std::string>& drops, const std::vector<T>& objects, std::string_view kind,
               const statement_set& wanted) {
  for (const auto& o : objects) {
    if (!wanted.contains(snapshot_statement(o.sql))) {
      drops.push_back(fmt::format("DROP {} {}", kind, sqlite::quote_identifier(o.name)));
    }
  }
}

// The reference's objects that the snapshot does not hold, dependents first.
std::vector<std::string> drops_for(const schema& reference, const statement_set& wanted) {
  std::vector<std::string> drops;
  add_drops(drops, reference.triggers, "TRIGGER", wanted);
  add_drops(drops, reference.views, "VIEW", wanted);
  add_drops(drops, reference.indexes, "INDEX", wanted);
  add_drops(drops, reference.virtual_tables, "TABLE", wanted);
  add_drops(drops, reference.tables, "TABLE", wanted);
  return drops;
}

std::unordered_set<std::string> stored_statements(sqlite::database& db) {
  std::unordered_set<std::string> statements;
  auto rows = db.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL");
  while (rows.step()) statements.insert(snapshot_statement(rows.column_text(0)));
  return statements;
}

// The copy takes the reference's rows along, and the self-check must run on empty tables as a
// loaded snapshot has them. Shadow tables of virtual tables hold their module's own records.
bool holds_no_rows(sqlite::database& db) {
  auto tables = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' "
      "AND name NOT IN (SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow')");
  while (tables.step()) {
    const auto sql = fmt::format("SELECT EXISTS (SELECT 1 FROM {})", sqlite::quote_identifier(tables.column_text(0)));
    if (db.query_int(sql) != 0) return false;
  }
  return true;
}

template <typename F>
void for_each_object(const schema& s, F f) {
  std::for_each(s.tables.begin(), s.tables.end(), f);
  std::for_each(s.virtual_tables.begin(), s.virtual_tables.end(), f);
  std::for_each(s.indexes.begin(), s.indexes.end(), f);
  std::for_each(s.views.begin(), s.views.end(), f);
  std::for_each(s.triggers.begin(), s.triggers.end(), f);
}

std::size_t count_missing(const std::vector<std::string_view>& statements, const schema& s) {
  std::unordered_set<std::string> present;
  for_each_object(s, [&](const auto& o) { present.insert(snapshot_statement(o.sql)); });
  const auto missing = [&](std::string_view text) { return !present.contains(std::string(text)); };
  return static_cast<std::size_t>(std::count_if(statements.begin(), statements.end(), missing));
}

// Whether loading STATEMENTS gives exactly the objects of S: the same statements, and SQL that
// SQLite stores as written (trailing blanks or ';' would not survive a snapshot).
bool same_statements(const schema& s, std::vector<std::string_view> statements) {
  std::vector<std::string_view> stored;
  bool as_written = true;
  for_each_object(s, [&](const auto& o) {
    stored.push_back(o.sql);
    as_written = as_written && snapshot_statement(o.sql).size() == o.sql.size() + 2;
  });
  for (auto& text : statements) {
    if (text.ends_with(";\n")) text.remove_suffix(2);
  }
  std::sort(stored.begin(), stored.end());
  std::sort(statements.begin(), statements.end());
  return as_written && stored == statements;
}

// The reference copied, its objects that the snapshot lacks dropped and the snapshot's missing
// statements run; nullopt unless that gives exactly what loading the snapshot gives.
std::optional<loaded_snapshot> patched_reference(const std::string& previous_sql, sqlite::database& reference_db,
                                                 const schema& reference) {
  const auto statements = split_statements(previous_sql);
  const statement_set wanted(statements.begin(), statements.end());
  const auto drops = drops_for(reference, wanted);
  // Each DROP and CREATE costs a pass over the whole schema: past this, loading is cheaper.
  if ((drops.size() + count_missing(statements, reference)) * 2 >= statements.size()) return std::nullopt;
  try {
    if (!holds_no_rows(reference_db)) return std::nullopt;
    auto db = reference_db.in_memory_copy();
    for (const auto& drop : drops) db.execute(drop);
    const auto kept = stored_statements(db);  // without the indexes and triggers of dropped tables
    for (const auto text : statements) {
      if (!kept.contains(std::string(text))) db.execute(text);
    }
    auto inspected = inspect(db);
    if (!same_statements(inspected, statements)) return std::nullopt;
    return loaded_snapshot{std::move(db), std::move(inspected)};
  } catch (const std::runtime_error&) {
    return std::nullopt;  // loading the snapshot itself reports what is wrong
  }
}

}  // namespace

loaded_snapshot load_snapshot(const std::string& previous_sql, sqlite::database& reference_db, const schema& reference) {
  if (auto patched = patched_reference(previous_sql, reference_db, reference)) return std::move(*patched);
  auto db = sqlite::database::in_memory();
  db.execute(previous_sql);
  auto inspected = inspect(db);
  return {std::move(db), std::move(inspected)};
}

}  // namespace litemig

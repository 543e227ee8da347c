#include "litemig/inspect.hpp"

#include "litemig/errors.hpp"

#include "litemig/normalize.hpp"
#include "litemig/sql_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace litemig {

bool is_bookkeeping(std::string_view name) {
  const auto lower = lower_ascii(name);
  return lower.starts_with("sqlite_") || lower.starts_with("litemig_") || lower == "alembic_version";
}

namespace {

constexpr int table_list_since = 3037000;

// Shadow tables belong to their virtual table's module (FTS5, FTS3/4, R*Tree), not to the schema.
// Only SQLite knows which they are (PRAGMA table_list, 3.37): a table named like one ("doc_stat"
// next to "doc") may be an ordinary table. An older SQLite leaves only the names: the module's
// suffixes after a virtual table's name.
std::set<std::string> shadow_tables(sqlite::database& db, const std::vector<std::string>& table_names,
                                    const std::vector<std::string>& virtual_names) {
  std::set<std::string> names;
  if (sqlite::library_version_number() >= table_list_since) {
    auto stmt = db.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'");
    while (stmt.step()) names.insert(stmt.column_text(0));
    return names;
  }
  static constexpr std::array<std::string_view, 11> suffixes{"data", "idx", "content", "docsize", "config", "segments",
                                                             "segdir", "stat", "node", "rowid", "parent"};
  for (const auto& name : table_names) {
    const auto lower = lower_ascii(name);
    for (const auto& v : virtual_names) {
      const auto prefix = lower_ascii(v) + "_";
      const auto suffix = std::string_view(lower).substr(std::min(prefix.size(), lower.size()));
      if (lower.starts_with(prefix) && std::find(suffixes.begin(), suffixes.end(), suffix) != suffixes.end()) names.insert(name);
    }
  }
  return names;
}

template <typename T>
void sort_by_name(std::vector<T>& items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return less_name(a.name, b.name); });
}

}  // namespace

schema inspect(sqlite::database& db) {
  struct row {
    std::string type, name, table_name, sql;
  };
  std::vector<row> rows;
  auto stmt = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL");
  while (stmt.step()) rows.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_text(2), stmt.column_text(3)});

  std::vector<std::string> virtual_names;
  for (const auto& r : rows) {
    if (r.type != "table") continue;
    const auto prefix = tokenize(std::string_view(r.sql).substr(0, std::min<std::size_t>(r.sql.size(), 32)));
    if (prefix.size() > 1 && prefix[1].is_word("virtual")) virtual_names.push_back(r.name);
  }

  std::vector<std::string> table_names;
  for (const auto& r : rows) {
    if (r.type == "table") table_names.push_back(r.name);
  }
  const auto shadows = shadow_tables(db, table_names, virtual_names);
  schema result;
  for (const auto& r : rows) {
    if (is_bookkeeping(r.name) || is_bookkeeping(r.table_name)) continue;
    try {
      if (r.type == "table") {
        if (std::find(virtual_names.begin(), virtual_names.end(), r.name) != virtual_names.end()) {
          auto v = normalize_virtual_table(r.sql);
          v.name = r.name;
          result.virtual_tables.push_back(std::move(v));
        } else if (!shadows.contains(r.name)) {
          auto t = normalize_table(r.sql);
          t.name = r.name;
          result.tables.push_back(std::move(t));
        }
      } else if (r.type == "index") {
        const auto tokens = tokenize(r.sql);
        const bool unique = tokens.size() > 1 && tokens[1].is_word("unique");
        result.indexes.push_back({r.name, r.table_name, unique, statement_key(r.sql), r.sql});
      } else if (r.type == "view") {
        result.views.push_back({r.name, statement_key(r.sql), r.sql});
      } else if (r.type == "trigger") {
        result.triggers.push_back({r.name, r.table_name, statement_key(r.sql), r.sql});
      }
    } catch (const failure& e) {
      throw failure(e.code(), db.path(), fmt::format("{} \"{}\": {}", r.type, r.name, e.cause()));
    }
  }
  sort_by_name(result.tables);
  sort_by_name(result.indexes);
  sort_by_name(result.views);
  sort_by_name(result.triggers);
  sort_by_name(result.virtual_tables);
  return result;
}

schema inspect_sql(std::string_view snapshot_sql, const std::string& origin) {
  auto db = sqlite::database::in_memory();
  try {
    db.execute(snapshot_sql);
  } catch (const sqlite::error& e) {
    throw failure(exit_code::usage, origin, fmt::format("does not load: {}", e.sqlite_message()));
  }
  return inspect(db);
}

schema inspect_file(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw failure(exit_code::failure, path.string(), "no such file");
  if (path.extension() == ".sql") {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw failure(exit_code::failure, path.string(), "cannot read");
    std::ostringstream text;
    text << in.rdbuf();
    return inspect_sql(text.str(), path.string());
  }
  sqlite::database db(path, sqlite::open_mode::read_only);
  db.validate();
  return inspect(db);
}

std::vector<const view*> views_in_dependency_order(const schema& s) {
  // The lower-cased names each view's SQL mentions, read once per view.
  std::map<const view*, std::set<std::string>> mentioned;
  for (const auto& v : s.views) {
    auto& names = mentioned[&v];
    for (const auto& t : tokenize(v.sql)) {
      if (t.is_identifier()) names.insert(lower_ascii(t.value));
    }
  }
  std::vector<const view*> ordered;
  std::vector<const view*> pending;
  for (const auto& v : s.views) pending.push_back(&v);
  while (!pending.empty()) {
    bool progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      const auto& names = mentioned[*it];
      const bool ready = std::none_of(pending.begin(), pending.end(), [&](const view* other) {
        return other != *it && names.contains(lower_ascii(other->name));
      });
      if (ready) {
        ordered.push_back(*it);
        it = pending.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
    if (!progress) {  // a cycle cannot load anyway; keep name order
      ordered.insert(ordered.end(), pending.begin(), pending.end());
      break;
    }
  }
  return ordered;
}

std::string snapshot_statement(const std::string& sql) {
  std::string text = sql;
  while (!text.empty() && (text.back() == ';' || text.back() == ' ' || text.back() == '\n')) text.pop_back();
  // SQLite keeps a view's or an index's trailing "--" comment: a ';' after it would be commented out.
  return sqlite::is_complete_statement(text + ";") ? text + ";\n" : text + "\n;\n";
}

std::string snapshot_sql(const schema& s) {
  std::string text;
  for (const auto& t : s.tables) text += snapshot_statement(t.sql);
  for (const auto& v : s.virtual_tables) text += snapshot_statement(v.sql);
  for (const auto& i : s.indexes) text += snapshot_statement(i.sql);
  for (const auto* v : views_in_dependency_order(s)) text += snapshot_statement(v->sql);
  for (const auto& t : s.triggers) text += snapshot_statement(t.sql);
  return text;
}

}  // namespace litemig

#include "litemig/sample_data.hpp"

#include "litemig/sql_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace litemig {
namespace {

constexpr int attempts_per_row = 12;
constexpr int max_parent_keys = 2000;

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

enum class affinity { integer, text, blob, real, numeric };

// SQLite's rules for a declared type (section 3.1 of "Datatypes In SQLite").
affinity affinity_of(const std::string& upper_type) {
  if (contains(upper_type, "INT")) return affinity::integer;
  if (contains(upper_type, "CHAR") || contains(upper_type, "CLOB") || contains(upper_type, "TEXT")) return affinity::text;
  if (upper_type.empty() || contains(upper_type, "BLOB") || upper_type == "ANY") return affinity::blob;
  if (contains(upper_type, "REAL") || contains(upper_type, "FLOA") || contains(upper_type, "DOUB")) return affinity::real;
  return affinity::numeric;
}

bool looks_like_time(const column& c) {
  const auto name = lower_ascii(c.name);
  return contains(c.type, "DATE") || contains(c.type, "TIME") || contains(name, "date") || contains(name, "time") ||
         name.ends_with("_at") || contains(name, "expires");
}

// Literals written in the CHECK constraints that mention COLUMN: the values most likely to pass.
std::vector<std::string> check_literals(const table& t, const column& c) {
  std::vector<std::string> checks = c.checks;
  checks.insert(checks.end(), t.checks.begin(), t.checks.end());
  std::vector<std::string> literals;
  for (const auto& check : checks) {
    const auto tokens = tokenize(check);
    const bool mentions = std::any_of(tokens.begin(), tokens.end(), [&](const token& tok) {
      return tok.is_identifier() && same_name(tok.value, c.name);
    });
    if (!mentions) continue;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i].kind == token_kind::string) literals.push_back(tokens[i].text);
      if (tokens[i].kind == token_kind::number) {
        const bool negative = i > 0 && tokens[i - 1].is_punct("-");
        literals.push_back((negative ? "-" : "") + tokens[i].text);
      }
    }
    if (contains(lower_ascii(check), "json")) literals.push_back("'{}'");
  }
  std::sort(literals.begin(), literals.end());
  literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
  return literals;
}

// The parent's key tuples (as SQL literals) a child row may reference.
std::vector<std::vector<std::string>> parent_keys(sqlite::database& db, const schema& s, const foreign_key& fk) {
  const table* parent = s.find_table(fk.parent_table);
  if (!parent) return {};
  std::vector<std::string> expressions;
  if (!fk.parent_columns.empty()) {
    for (const auto& name : fk.parent_columns) expressions.push_back("quote(" + sqlite::quote_identifier(name) + ")");
  } else if (parent->primary) {
    for (const auto& part : parent->primary->parts) {
      // A column-level key holds the bare name, which may need quotes to read as SQL.
      const auto* c = parent->find_column(part.expression);
      expressions.push_back("quote(" + (c ? sqlite::quote_identifier(c->name) : part.expression) + ")");
    }
  } else {
    return {};
  }
  if (expressions.size() != fk.columns.size()) return {};
  std::string select = "SELECT ";
  for (std::size_t i = 0; i < expressions.size(); ++i) select += (i ? ", " : "") + expressions[i];
  select += fmt::format(" FROM {} LIMIT {}", sqlite::quote_identifier(parent->name), max_parent_keys);
  std::vector<std::vector<std::string>> keys;
  auto statement = db.prepare(select);
  while (statement.step()) {
    std::vector<std::string> key;
    bool has_null = false;
    for (int i = 0; i < statement.column_count(); ++i) {
      key.push_back(statement.column_text(i));
      has_null = has_null || key.back() == "NULL";
    }
    if (!has_null) keys.push_back(std::move(key));
  }
  return keys;
}

// Parents before children; tables in a cycle keep their name order at the end.
std::vector<const table*> foreign_key_order(const schema& s) {
  std::vector<const table*> ordered;
  std::set<std::string> placed;
  std::vector<const table*> pending;
  for (const auto& t : s.tables) pending.push_back(&t);
  bool progress = true;
  while (!pending.empty() && progress) {
    progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      const bool ready = std::all_of((*it)->foreign_keys.begin(), (*it)->foreign_keys.end(), [&](const foreign_key& fk) {
        return same_name(fk.parent_table, (*it)->name) || !s.find_table(fk.parent_table) ||
               placed.count(lower_ascii(fk.parent_table));
      });
      if (ready) {
        placed.insert(lower_ascii((*it)->name));
        ordered.push_back(*it);
        it = pending.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
  }
  ordered.insert(ordered.end(), pending.begin(), pending.end());
  return ordered;
}

class row_maker {
 public:
  row_maker(sqlite::database& db, const schema& s, const table& t, std::uint32_t seed)
      : db_(db), schema_(s), table_(t), random_(seed) {
    for (const auto& c : t.columns) {
      if (!c.is_generated() && !c.hidden && !t.is_rowid_alias(c.name)) {
        columns_.push_back(&c);
        literals_.push_back(check_literals(t, c));
      }
    }
  }

  // Tries a few candidate rows; returns whether one was inserted.
  bool insert_row(int row) {
    for (int attempt = 0; attempt < attempts_per_row; ++attempt) {
      const auto sql = insert_statement(row, attempt);
      db_.execute("SAVEPOINT litemig_sample_row");
      try {
        db_.execute(sql);
        db_.execute("RELEASE litemig_sample_row");
        return true;
      } catch (const sqlite::error& e) {
        db_.execute("ROLLBACK TO litemig_sample_row; RELEASE litemig_sample_row");
        if (!e.is_constraint()) throw;
      }
    }
    return false;
  }

 private:
  std::uint32_t next() { return static_cast<std::uint32_t>(random_()); }

  template <typename T>
  const T& pick(const std::vector<T>& choices) { return choices[next() % choices.size()]; }

  std::string insert_statement(int row, int attempt) {
    std::map<const column*, std::string> values;
    for (const auto& fk : table_.foreign_keys) choose_parent(fk, values);
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const column& c = *columns_[i];
      if (values.count(&c)) continue;
      if (auto value = column_value(c, literals_[i], row, attempt)) values[&c] = *value;
    }
    if (values.empty()) return fmt::format("INSERT INTO {} DEFAULT VALUES", sqlite::quote_identifier(table_.name));
    std::string names, literals;
    for (const auto* c : columns_) {
      const auto found = values.find(c);
      if (found == values.end()) continue;
      names += (names.empty() ? "" : ", ") + sqlite::quote_identifier(c->name);
      literals += (literals.empty() ? "" : ", ") + found->second;
    }
    return fmt::format("INSERT INTO {} ({}) VALUES ({})", sqlite::quote_identifier(table_.name), names, literals);
  }

  void choose_parent(const foreign_key& fk, std::map<const column*, std::string>& values) {
    auto& keys = parent_keys_[&fk];
    // A table referencing itself gains parents as it fills.
    if (!keys || same_name(fk.parent_table, table_.name)) keys = parent_keys(db_, schema_, fk);
    for (std::size_t i = 0; i < fk.columns.size(); ++i) {
      const column* c = table_.find_column(fk.columns[i]);
      if (!c || c->is_generated()) continue;
      if (keys->empty()) {
        // No parent row yet: NULL satisfies the foreign key; NOT NULL columns make the row fail.
        values[c] = "NULL";
      }
    }
    if (keys->empty()) return;
    const auto& key = pick(*keys);
    for (std::size_t i = 0; i < fk.columns.size() && i < key.size(); ++i) {
      if (const column* c = table_.find_column(fk.columns[i]); c && !c->is_generated()) values[c] = key[i];
    }
  }

  std::optional<std::string> column_value(const column& c, const std::vector<std::string>& literals, int row,
                                          int attempt) {
    const bool in_key = table_.column_in_key(c.name);
    // Some NULLs in optional columns, so the data checks see them; NULL also passes any CHECK.
    if (!c.not_null && !in_key && (row % 5 == 4 || attempt >= attempts_per_row / 2)) return "NULL";
    // Defaults are written to satisfy the table: use them now and then.
    if (c.default_sql && !in_key && (row % 3 == 2 || attempt >= 2)) return std::nullopt;
    if (!literals.empty() && !(in_key && attempt % 2 == 1)) {
      return attempt == 0 ? literals[static_cast<std::size_t>(row) % literals.size()] : pick(literals);
    }
    const long long unique_number = row + 1 + static_cast<long long>(attempt) * 100003;
    const auto kind = table_.strict && c.type == "ANY" ? affinity::text : affinity_of(c.type);
    if (looks_like_time(c) && kind != affinity::integer && kind != affinity::real) {
      return fmt::format("'2024-{:02}-{:02} {:02}:{:02}:00'", 1 + (row + attempt) % 12, 1 + row % 28, row % 24,
                         attempt % 60);
    }
    switch (kind) {
      case affinity::integer:
      case affinity::numeric:
        if (contains(c.type, "BOOL")) return std::to_string((row + attempt) % 2);
        return std::to_string(unique_number);
      case affinity::real:
        return fmt::format("{}.25", unique_number);
      case affinity::blob:
        if (table_.strict && c.type == "BLOB") return fmt::format("X'{:08x}'", static_cast<unsigned>(unique_number));
        [[fallthrough]];
      case affinity::text:
        break;
    }
    return sqlite::quote_literal(fmt::format("{} {}", c.name, unique_number));
  }

  sqlite::database& db_;
  const schema& schema_;
  const table& table_;
  std::mt19937 random_;
  std::vector<const column*> columns_;
  std::vector<std::vector<std::string>> literals_;
  std::map<const foreign_key*, std::optional<std::vector<std::vector<std::string>>>> parent_keys_;
};

bool is_standalone_full_text(const virtual_table& v) {
  const auto key = lower_ascii(v.key);
  return v.module.starts_with("fts") && !contains(key, "content=") && !contains(key, "content =");
}

void fill_full_text(sqlite::database& db, const virtual_table& v, int rows, std::uint32_t seed) {
  std::vector<std::string> names;
  {
    auto probe = db.prepare("SELECT * FROM " + sqlite::quote_identifier(v.name));
    for (int i = 0; i < probe.column_count(); ++i) names.push_back(sqlite::quote_identifier(probe.column_name(i)));
  }
  if (names.empty()) return;
  static const std::vector<std::string> words{"reel", "jig", "hornpipe", "polka", "slide", "air", "waltz", "set"};
  std::mt19937 random(seed);
  std::string column_list;
  for (const auto& n : names) column_list += (column_list.empty() ? "" : ", ") + n;
  for (int row = 0; row < rows; ++row) {
    std::string values;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto text = fmt::format("{} {} {}", words[random() % words.size()], words[random() % words.size()], row + 1);
      values += (values.empty() ? "" : ", ") + sqlite::quote_literal(text);
    }
    db.execute(fmt::format("INSERT INTO {} ({}) VALUES ({})", sqlite::quote_identifier(v.name), column_list, values));
  }
}

// Rows a deferred or unenforced foreign key let through are removed, so the result is clean.
void remove_foreign_key_violations(sqlite::database& db) {
  for (int round = 0; round < 10; ++round) {
    std::vector<std::pair<std::string, std::int64_t>> violations;
    auto check = db.prepare("PRAGMA foreign_key_check");
    while (check.step()) {
      if (!check.is_null(1)) violations.emplace_back(check.column_text(0), check.column_int(1));
    }
    if (violations.empty()) return;
    for (const auto& [table_name, rowid] : violations) {
      db.execute(fmt::format("DELETE FROM {} WHERE rowid = {}", sqlite::quote_identifier(table_name), rowid));
    }
  }
}

}  // namespace

void insert_sample_rows(sqlite::database& db, const schema& s, int rows_per_table, std::uint32_t seed) {
  const bool foreign_keys_were_on = db.query_int("PRAGMA foreign_keys").value_or(0) != 0;
  // Enforced while inserting, so a row with a dangling parent fails and is retried.
  db.execute("PRAGMA foreign_keys = ON");
  try {
    sqlite::transaction tx(db);
    std::uint32_t table_seed = seed;
    for (const table* t : foreign_key_order(s)) {
      row_maker maker(db, s, *t, table_seed++);
      for (int row = 0; row < rows_per_table; ++row) maker.insert_row(row);
    }
    for (const auto& v : s.virtual_tables) {
      if (is_standalone_full_text(v)) fill_full_text(db, v, rows_per_table, table_seed++);
    }
    remove_foreign_key_violations(db);
    tx.commit();
  } catch (...) {
    if (!foreign_keys_were_on) db.execute("PRAGMA foreign_keys = OFF");
    throw;
  }
  if (!foreign_keys_were_on) db.execute("PRAGMA foreign_keys = OFF");
}

}  // namespace litemig

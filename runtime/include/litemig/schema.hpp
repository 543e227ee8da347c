// The schema model: value types compared by meaning with operator==.
// Fields named *_sql keep the text as written in the source database (used to render
// migrations); they never take part in comparisons.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace litemig {

struct foreign_key {
  std::vector<std::string> columns;         // child columns, as declared
  std::string parent_table;
  std::vector<std::string> parent_columns;  // empty: the parent's primary key
  std::string on_delete;                    // normalised action, "" = NO ACTION
  std::string on_update;
  std::string deferrable;                   // normalised DEFERRABLE clause, "" = none

  friend bool operator==(const foreign_key&, const foreign_key&);
};

struct column {
  std::string name;
  std::string type;                         // upper case, single-spaced; "" = no type
  bool not_null = false;
  std::optional<std::string> default_key;   // normalised DEFAULT expression
  std::string collation;                    // lower case; "" = BINARY by default
  std::vector<std::string> checks;          // normalised column CHECK expressions
  std::optional<std::string> generated_key; // normalised generated-column expression
  bool generated_stored = false;
  bool hidden = false;                      // hidden column of a virtual table

  std::string definition_sql;               // the column definition as written
  std::optional<std::string> default_sql;   // the DEFAULT as an expression, as written ('z' for DEFAULT z)

  bool is_generated() const { return generated_key.has_value(); }
  friend bool operator==(const column&, const column&);
};

struct key_part {
  std::string expression;  // normalised column name or expression
  std::string collation;   // lower case, "" = default
  bool descending = false;
  friend bool operator==(const key_part&, const key_part&) = default;
};

struct primary_key {
  std::vector<key_part> parts;
  bool autoincrement = false;
  std::string on_conflict;
  friend bool operator==(const primary_key&, const primary_key&) = default;
};

struct unique_constraint {
  std::vector<key_part> parts;
  std::string on_conflict;
  friend bool operator==(const unique_constraint&, const unique_constraint&) = default;
};

struct table {
  std::string name;
  std::vector<column> columns;
  std::optional<primary_key> primary;
  std::vector<unique_constraint> uniques;  // sorted
  std::vector<std::string> checks;         // table CHECK constraints, normalised, sorted
  std::vector<foreign_key> foreign_keys;   // column and table level, in declaration order
  bool without_rowid = false;
  bool strict = false;
  std::string sql;                         // CREATE TABLE statement as stored

  const column* find_column(std::string_view column_name) const;
  // True when the table's rowid is an alias of a column (INTEGER PRIMARY KEY).
  bool has_integer_primary_key() const;
  // Whether COLUMN is the rowid's alias (the column of the INTEGER PRIMARY KEY).
  bool is_rowid_alias(std::string_view column_name) const;
  // A name that reads the rowid: rowid, _rowid_ or oid, whichever no column shadows; "" for a
  // WITHOUT ROWID table or when columns take all three.
  std::string rowid_name() const;
  // Whether COLUMN is part of the primary key or of a UNIQUE constraint.
  bool column_in_unique_key(std::string_view column_name) const;
  // Whether COLUMN is part of the primary key, a UNIQUE constraint or a foreign key.
  bool column_in_key(std::string_view column_name) const;
  friend bool operator==(const table&, const table&);
};

struct index {
  std::string name;
  std::string table;
  bool unique = false;
  std::string key;  // normalised CREATE INDEX statement
  std::string sql;
  friend bool operator==(const index& a, const index& b) { return a.key == b.key; }
};

struct view {
  std::string name;
  std::string key;  // normalised CREATE VIEW statement
  std::string sql;
  friend bool operator==(const view& a, const view& b) { return a.key == b.key; }
};

struct trigger {
  std::string name;
  std::string table;
  std::string key;  // normalised CREATE TRIGGER statement
  std::string sql;
  friend bool operator==(const trigger& a, const trigger& b) { return a.key == b.key; }
};

struct virtual_table {
  std::string name;
  std::string module;  // lower case, e.g. "fts5"
  std::string key;     // normalised CREATE VIRTUAL TABLE statement
  std::string sql;
  // Full-text tables (FTS3/4/5) only: the declared columns, and the content= option (absent: the
  // table holds its own content; "": contentless; else the external content table it indexes).
  std::vector<std::string> columns;
  std::optional<std::string> content;

  bool is_full_text() const { return module == "fts3" || module == "fts4" || module == "fts5"; }
  // Whether its rows are its own: lost when it is dropped, unless copied elsewhere first.
  bool holds_own_content() const { return is_full_text() && !content; }
  // Whether it indexes another table and can be rebuilt from it ('rebuild' command).
  bool has_external_content() const { return is_full_text() && content && !content->empty(); }
  friend bool operator==(const virtual_table& a, const virtual_table& b) { return a.key == b.key; }
};

// Every user object of a database, each list sorted by less_name. Names compare as
// SQLite compares identifiers: without regard to the letter case of ASCII letters.
struct schema {
  std::vector<table> tables;
  std::vector<index> indexes;
  std::vector<view> views;
  std::vector<trigger> triggers;
  std::vector<virtual_table> virtual_tables;

  const table* find_table(std::string_view name) const;
  const index* find_index(std::string_view name) const;
  const view* find_view(std::string_view name) const;
  const trigger* find_trigger(std::string_view name) const;
  const virtual_table* find_virtual_table(std::string_view name) const;
  bool empty() const;
  friend bool operator==(const schema&, const schema&) = default;
};

// SQLite identifiers compare case-insensitively (ASCII letters only).
bool same_name(std::string_view a, std::string_view b);
// The order of the schema's lists: by lower-cased name, byte by byte.
bool less_name(std::string_view a, std::string_view b);
std::string lower_ascii(std::string_view text);

// Binary search in a list kept in less_name order (as every list of a schema is).
template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  const auto found = std::lower_bound(items.begin(), items.end(), name,
                                      [](const T& item, std::string_view n) { return less_name(item.name, n); });
  return found != items.end() && same_name(found->name, name) ? &*found : nullptr;
}

}  // namespace litemig

#include "litemig/schema.hpp"

#include "litemig/sql_tokens.hpp"

#include <algorithm>

namespace litemig {

namespace {

char lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string lower_ascii(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

bool less_name(std::string_view a, std::string_view b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return static_cast<unsigned char>(lower_char(x)) < static_cast<unsigned char>(lower_char(y));
  });
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_char(x) == lower_char(y); });
}

bool operator==(const foreign_key& a, const foreign_key& b) {
  return a.columns == b.columns && same_name(a.parent_table, b.parent_table) && a.parent_columns == b.parent_columns &&
         a.on_delete == b.on_delete && a.on_update == b.on_update && a.deferrable == b.deferrable;
}

bool operator==(const column& a, const column& b) {
  return same_name(a.name, b.name) && a.type == b.type && a.not_null == b.not_null && a.default_key == b.default_key &&
         a.collation == b.collation && a.checks == b.checks && a.generated_key == b.generated_key &&
         a.generated_stored == b.generated_stored && a.hidden == b.hidden;
}

bool operator==(const table& a, const table& b) {
  return same_name(a.name, b.name) && a.columns == b.columns && a.primary == b.primary && a.uniques == b.uniques &&
         a.checks == b.checks && a.foreign_keys == b.foreign_keys && a.without_rowid == b.without_rowid &&
         a.strict == b.strict;
}

// Columns keep their declared order: a linear search.
const column* table::find_column(std::string_view column_name) const {
  const auto found = std::find_if(columns.begin(), columns.end(), [&](const column& c) { return same_name(c.name, column_name); });
  return found == columns.end() ? nullptr : &*found;
}

bool table::has_integer_primary_key() const {
  if (without_rowid || !primary || primary->parts.size() != 1) return false;
  const auto* col = find_column(primary->parts.front().expression);
  return col != nullptr && col->type == "INTEGER";
}

bool table::is_rowid_alias(std::string_view column_name) const {
  if (!has_integer_primary_key()) return false;
  const auto& key = primary->parts.front().expression;
  return same_name(key, column_name) || key == lower_ascii(render_identifier(column_name));
}

std::string table::rowid_name() const {
  if (without_rowid) return {};
  for (const char* alias : {"rowid", "_rowid_", "oid"}) {
    if (!find_column(alias)) return alias;
  }
  return {};
}

bool table::column_in_unique_key(std::string_view column_name) const {
  const auto wanted = lower_ascii(column_name);
  const auto quoted = lower_ascii(render_identifier(column_name));
  const auto in_parts = [&](const std::vector<key_part>& parts) {
    return std::any_of(parts.begin(), parts.end(), [&](const key_part& p) { return p.expression == wanted || p.expression == quoted; });
  };
  return (primary && in_parts(primary->parts)) ||
         std::any_of(uniques.begin(), uniques.end(), [&](const auto& u) { return in_parts(u.parts); });
}

bool table::column_in_key(std::string_view column_name) const {
  const auto wanted = lower_ascii(column_name);
  if (column_in_unique_key(column_name)) return true;
  return std::any_of(foreign_keys.begin(), foreign_keys.end(), [&](const foreign_key& fk) {
    return std::find(fk.columns.begin(), fk.columns.end(), wanted) != fk.columns.end();
  });
}

const table* schema::find_table(std::string_view name) const { return find_named(tables, name); }
const index* schema::find_index(std::string_view name) const { return find_named(indexes, name); }
const view* schema::find_view(std::string_view name) const { return find_named(views, name); }
const trigger* schema::find_trigger(std::string_view name) const { return find_named(triggers, name); }
const virtual_table* schema::find_virtual_table(std::string_view name) const { return find_named(virtual_tables, name); }

bool schema::empty() const {
  return tables.empty() && indexes.empty() && views.empty() && triggers.empty() && virtual_tables.empty();
}

}  // namespace litemig

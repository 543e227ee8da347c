#include "litemig/data_check.hpp"

#include "litemig/sql_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

namespace litemig {
namespace {


std::string number_text(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<long long>(value));
  }
  return fmt::format("{:.17g}", value);
}

// Text that is exactly a number compares as that number: a type change may convert it.
std::string text_value(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())) ||
      std::isspace(static_cast<unsigned char>(text.back()))) {
    return text;
  }
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return text;
  return number_text(value);
}

std::optional<std::string> normalised_value(const sqlite::statement& row, int index) {
  switch (row.column_type(index)) {
    case sqlite::storage_class::integer: return std::to_string(row.column_int(index));
    case sqlite::storage_class::real: return number_text(row.column_double(index));
    case sqlite::storage_class::text: return text_value(row.column_text(index));
    case sqlite::storage_class::blob:
    case sqlite::storage_class::null: break;
  }
  if (row.is_null(index)) return std::nullopt;
  return "blob:" + row.column_text(index);
}

table_data read_rows(sqlite::database& db, const std::string& name, const std::string& select) {
  table_data data{name, {}, {}};
  auto statement = db.prepare(select);
  for (int i = 0; i < statement.column_count(); ++i) data.columns.push_back(statement.column_name(i));
  while (statement.step()) {
    std::vector<std::optional<std::string>> row;
    for (int i = 0; i < statement.column_count(); ++i) row.push_back(normalised_value(statement, i));
    data.rows.push_back(std::move(row));
  }
  return data;
}

using row_values = std::vector<std::optional<std::string>>;

std::vector<row_values> project(const table_data& data, const std::vector<std::size_t>& indexes) {
  std::vector<row_values> projected;
  projected.reserve(data.rows.size());
  for (const auto& row : data.rows) {
    row_values values;
    for (const auto i : indexes) values.push_back(row[i]);
    projected.push_back(std::move(values));
  }
  std::sort(projected.begin(), projected.end());
  return projected;
}

std::optional<std::size_t> column_index(const table_data& data, const std::string& name) {
  for (std::size_t i = 0; i < data.columns.size(); ++i) {
    if (same_name(data.columns[i], name)) return i;
  }
  return std::nullopt;
}

std::string describe_row(const std::vector<std::string>& names, const row_values& row) {
  std::string text;
  for (std::size_t i = 0; i < row.size() && i < names.size(); ++i) {
    auto value = row[i] ? *row[i] : std::string("NULL");
    if (value.size() > 40) value = value.substr(0, 37) + "...";
    text += fmt::format("{}{}={}", i ? ", " : "", printable(names[i]), printable(value));
  }
  return "(" + text + ")";
}

// The rows of OLD_TABLE and NEW_TABLE as multisets of the values at the given indexes: a line
// describing the first difference, or nothing.
std::optional<std::string> compare_rows(const table_data& old_table, const table_data& new_table,
                                        const std::vector<std::string>& names, const std::vector<std::size_t>& old_indexes,
                                        const std::vector<std::size_t>& new_indexes) {
  const auto old_rows = project(old_table, old_indexes);
  const auto new_rows = project(new_table, new_indexes);
  if (old_rows.size() != new_rows.size()) {
    return fmt::format("table {}: {} rows before, {} after", printable_name(old_table.name), old_rows.size(), new_rows.size());
  }
  if (old_rows == new_rows) return std::nullopt;
  const auto differs = std::mismatch(old_rows.begin(), old_rows.end(), new_rows.begin());
  return fmt::format("table {}: row {} lost or changed", printable_name(old_table.name), describe_row(names, *differs.first));
}

// A table of AFTER that BEFORE did not have, with the same number of rows and shared column names.
const table_data* renamed_table(const table_data& old_table, const database_data& before, const database_data& after) {
  const table_data* best = nullptr;
  std::size_t best_shared = 0;
  for (const auto& [key, candidate] : after) {
    if (before.count(key) || candidate.rows.size() != old_table.rows.size()) continue;
    std::size_t shared = 0;
    for (const auto& c : old_table.columns) shared += column_index(candidate, c).has_value() ? 1 : 0;
    if (shared > best_shared) {
      best = &candidate;
      best_shared = shared;
    }
  }
  return best;
}

// A column of AFTER not present in BEFORE that holds exactly the old column's values.
std::optional<std::size_t> renamed_column(const table_data& old_table, std::size_t old_index, const table_data& new_table,
                                          const std::set<std::size_t>& used) {
  const auto old_values = project(old_table, {old_index});
  for (std::size_t i = 0; i < new_table.columns.size(); ++i) {
    if (used.count(i) || column_index(old_table, new_table.columns[i])) continue;
    if (project(new_table, {i}) == old_values) return i;
  }
  return std::nullopt;
}

}  // namespace

database_data capture_data(sqlite::database& db, const schema& s) {
  database_data data;
  for (const auto& t : s.tables) {
    std::string columns;
    for (const auto& c : t.columns) {
      if (c.is_generated() || c.hidden) continue;
      columns += (columns.empty() ? "" : ", ") + sqlite::quote_identifier(c.name);
    }
    if (columns.empty()) columns = "count(*) AS row_count";
    data[lower_ascii(t.name)] =
        read_rows(db, t.name, fmt::format("SELECT {} FROM {}", columns, sqlite::quote_identifier(t.name)));
  }
  for (const auto& v : s.virtual_tables) {
    // A full-text table's rowids are what its users point at: they are data too.
    const auto select = v.is_full_text() ? "SELECT rowid, * FROM " : "SELECT * FROM ";
    data[lower_ascii(v.name)] = read_rows(db, v.name, select + sqlite::quote_identifier(v.name));
  }
  return data;
}

data_comparison compare_kept_data(const database_data& before, const database_data& after,
                                  const std::optional<kept_columns>& only) {
  data_comparison result;
  for (const auto& [key, old_table] : before) {
    if (only && !only->count(key)) continue;
    const table_data* new_table = nullptr;
    if (const auto found = after.find(key); found != after.end()) {
      new_table = &found->second;
    } else if (only) {
      result.problems.push_back(fmt::format("table {} with {} rows is gone", printable_name(old_table.name), old_table.rows.size()));
      continue;
    } else if ((new_table = renamed_table(old_table, before, after))) {
      result.notes.push_back(fmt::format("table {} renamed to {}", printable_name(old_table.name), printable_name(new_table->name)));
    } else {
      result.notes.push_back(fmt::format("table {} dropped ({} rows)", printable_name(old_table.name), old_table.rows.size()));
      continue;
    }

    std::vector<std::string> kept_names;
    std::vector<std::size_t> old_indexes, new_indexes;
    std::set<std::size_t> used;
    const auto keep = [&](std::size_t old_index, std::size_t new_index) {
      kept_names.push_back(old_table.columns[old_index]);
      old_indexes.push_back(old_index);
      new_indexes.push_back(new_index);
      used.insert(new_index);
    };
    for (std::size_t i = 0; i < old_table.columns.size(); ++i) {
      const auto& name = old_table.columns[i];
      if (only) {
        const auto& wanted = only->at(key);
        if (std::none_of(wanted.begin(), wanted.end(), [&](const auto& w) { return same_name(w, name); })) continue;
      }
      if (const auto same = column_index(*new_table, name)) {
        keep(i, *same);
      } else if (only) {
        result.problems.push_back(fmt::format("table {}: column {} is gone", printable_name(old_table.name), printable_name(name)));
      } else if (const auto renamed = renamed_column(old_table, i, *new_table, used)) {
        result.notes.push_back(fmt::format("column {}.{} renamed to {}", printable_name(old_table.name), printable_name(name),
                                           printable_name(new_table->columns[*renamed])));
        keep(i, *renamed);
      } else {
        result.notes.push_back(fmt::format("column {}.{} dropped", printable_name(old_table.name), printable_name(name)));
      }
    }
    result.kept[key] = kept_names;

    if (auto problem = compare_rows(old_table, *new_table, kept_names, old_indexes, new_indexes)) {
      result.problems.push_back(std::move(*problem));
    }
  }
  return result;
}

std::vector<std::string> compare_kept_tables(const database_data& before, const database_data& after,
                                             const std::vector<kept_table>& kept) {
  std::vector<std::string> problems;
  for (const auto& k : kept) {
    const auto old_table = before.find(lower_ascii(k.before));
    const auto new_table = after.find(lower_ascii(k.after));
    if (old_table == before.end()) continue;
    if (new_table == after.end()) {
      problems.push_back(fmt::format("table {} with {} rows is gone", printable_name(k.before), old_table->second.rows.size()));
      continue;
    }
    std::vector<std::string> names;
    std::vector<std::size_t> old_indexes, new_indexes;
    for (const auto& [old_name, new_name] : k.columns) {
      const auto old_index = column_index(old_table->second, old_name);
      const auto new_index = column_index(new_table->second, new_name);
      if (!old_index || !new_index) continue;
      names.push_back(old_name);
      old_indexes.push_back(*old_index);
      new_indexes.push_back(*new_index);
    }
    if (auto problem = compare_rows(old_table->second, new_table->second, names, old_indexes, new_indexes)) {
      problems.push_back(std::move(*problem));
    }
  }
  return problems;
}

}  // namespace litemig

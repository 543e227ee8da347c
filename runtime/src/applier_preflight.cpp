// Pre-flight: what the real data means for the next schema, counted before anything changes,
// so that a refusal names tables, columns, counts and example rows instead of a bare SQLite error.
#include "applier_internal.hpp"

#include "litemig/quantities.hpp"
#include "litemig/sql_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace litemig::detail {

namespace {

using sqlite::quote_identifier;

struct preflight_report {
  std::vector<std::string> refusals;  // data the new schema's constraints reject
  std::vector<std::string> notes;     // values the new schema drops
};

// A count, or nullopt when the question cannot be asked of the old data (e.g. the expression
// names a column the migration adds): the migration itself then has the last word.
std::optional<std::int64_t> count_rows(sqlite::database& db, const std::string& sql) {
  try {
    return db.query_int(sql).value_or(0);
  } catch (const sqlite::error&) {
    return std::nullopt;
  }
}

std::vector<std::string> key_columns(const table& t) {
  std::vector<std::string> keys;
  if (t.primary) {
    for (const auto& part : t.primary->parts) keys.push_back(part.expression);
  }
  if (keys.empty()) keys.push_back("rowid");
  return keys;
}

std::string render_value(sqlite::statement& row, int index) {
  switch (row.column_type(index)) {
    case sqlite::storage_class::null: return "NULL";
    case sqlite::storage_class::text: return sqlite::quote_literal(row.column_text(index));
    case sqlite::storage_class::blob: return "x'...'";
    case sqlite::storage_class::integer:
    case sqlite::storage_class::real: break;
  }
  return row.column_text(index);
}

// " (e.g. id=4, id=9, id=12)": up to three rows of T (aliased "c") matching WHERE, named by their key.
std::string example_keys(sqlite::database& db, const table& t, const std::string& where) {
  const auto keys = key_columns(t);
  std::string select;
  for (const auto& key : keys) select += (select.empty() ? "c." : ", c.") + key;
  std::vector<std::string> examples;
  try {
    auto rows = db.prepare(fmt::format("SELECT {} FROM {} AS c WHERE {} LIMIT 3", select, quote_identifier(t.name), where));
    while (rows.step()) {
      std::string example;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        example += fmt::format("{}{}={}", i == 0 ? "" : " ", keys[i], render_value(rows, static_cast<int>(i)));
      }
      examples.push_back(keys.size() > 1 ? "(" + example + ")" : example);
    }
  } catch (const sqlite::error&) {
    return {};
  }
  if (examples.empty()) return {};
  std::string text = " (e.g. ";
  for (std::size_t i = 0; i < examples.size(); ++i) text += (i == 0 ? "" : ", ") + examples[i];
  return text + ")";
}

struct unique_terms {
  std::vector<std::string> expressions;  // with COLLATE where the constraint names one
  std::string where;                     // partial index condition, "" for none
};

std::string with_collation(const key_part& part) {
  return part.collation.empty() ? part.expression : fmt::format("{} COLLATE {}", part.expression, part.collation);
}

unique_terms terms_of(const std::vector<key_part>& parts) {
  unique_terms terms;
  for (const auto& part : parts) terms.expressions.push_back(with_collation(part));
  return terms;
}

// The indexed expressions and WHERE clause of a CREATE INDEX statement, as written.
std::optional<unique_terms> terms_of(const std::string& create_index) {
  const auto tokens = tokenize(create_index);
  auto on = std::find_if(tokens.begin(), tokens.end(), [](const token& t) { return t.is_word("on"); });
  if (on == tokens.end() || std::distance(on, tokens.end()) < 3 || !(on + 2)->is_punct("(")) return std::nullopt;
  unique_terms terms;
  const auto text_between = [&](std::size_t first, std::size_t last) {
    const auto end = tokens[last].offset + tokens[last].text.size();
    return create_index.substr(tokens[first].offset, end - tokens[first].offset);
  };
  std::size_t begin = static_cast<std::size_t>(std::distance(tokens.begin(), on)) + 3;
  int depth = 0;
  for (std::size_t i = begin; i < tokens.size(); ++i) {
    if (tokens[i].is_punct("(")) ++depth;
    const bool closes = tokens[i].is_punct(")") && depth == 0;
    if (tokens[i].is_punct(")") && depth > 0 && !closes) --depth;
    if (closes || (tokens[i].is_punct(",") && depth == 0)) {
      std::size_t last = i - 1;
      if (last > begin && (tokens[last].is_word("asc") || tokens[last].is_word("desc"))) --last;
      if (last < begin) return std::nullopt;
      terms.expressions.push_back(text_between(begin, last));
      begin = i + 1;
    }
    if (closes) {
      if (i + 2 < tokens.size() && tokens[i + 1].is_word("where")) terms.where = text_between(i + 2, tokens.size() - 1);
      return terms;
    }
  }
  return std::nullopt;
}

void check_unique(sqlite::database& db, const table& t, const std::string& label, const unique_terms& terms,
                  std::vector<std::string>& refusals) {
  std::string group_by;
  std::string where = terms.where.empty() ? "1" : "(" + terms.where + ")";
  for (const auto& expression : terms.expressions) {
    group_by += (group_by.empty() ? "" : ", ") + expression;
    where += fmt::format(" AND ({}) IS NOT NULL", expression);
  }
  const auto groups_sql = fmt::format("SELECT {}, count(*) FROM {} WHERE {} GROUP BY {} HAVING count(*) > 1", group_by,
                                      quote_identifier(t.name), where, group_by);
  const auto groups = count_rows(db, fmt::format("SELECT count(*) FROM ({})", groups_sql));
  if (!groups || *groups == 0) return;
  const auto rows = count_rows(db, fmt::format("SELECT sum(n) FROM (SELECT count(*) AS n FROM {} WHERE {} GROUP BY {} "
                                               "HAVING count(*) > 1)",
                                               quote_identifier(t.name), where, group_by));
  std::string examples;
  auto duplicates = db.prepare(groups_sql + " LIMIT 3");
  const auto width = static_cast<int>(terms.expressions.size());
  while (duplicates.step()) {
    std::string values;
    for (int i = 0; i < width; ++i) values += (i == 0 ? "" : ", ") + render_value(duplicates, i);
    examples += fmt::format("{}({}) x{}", examples.empty() ? "" : ", ", values, duplicates.column_int(width));
  }
  refusals.push_back(fmt::format("table \"{}\" {}: {} {} more than once, in {} (e.g. {})", t.name, label,
                                 count_of(*groups, "value"), *groups == 1 ? "occurs" : "occur",
                                 count_of(rows.value_or(0), "row"), examples));
}

void check_condition(sqlite::database& db, const table& t, const std::string& label, const std::string& condition,
                     std::vector<std::string>& refusals) {
  // A CHECK fails only when its expression is false; NULL passes, as in SQLite.
  const auto where = fmt::format("NOT ({})", condition);
  const auto violating = count_rows(db, fmt::format("SELECT count(*) FROM {} WHERE {}", quote_identifier(t.name), where));
  if (!violating || *violating == 0) return;
  refusals.push_back(fmt::format("table \"{}\" {}: {} {} it{}", t.name, label, count_of(*violating, "row"),
                                 *violating == 1 ? "violates" : "violate", example_keys(db, t, where)));
}

void check_foreign_key(sqlite::database& db, const schema& before, const table& t, const foreign_key& key,
                       std::vector<std::string>& refusals) {
  const table* parent = before.find_table(key.parent_table);
  if (parent == nullptr) return;
  auto parent_columns = key.parent_columns;
  if (parent_columns.empty()) {
    for (const auto& column : key_columns(*parent)) parent_columns.push_back(column);
  }
  if (parent_columns.size() != key.columns.size()) return;
  std::string present;
  std::string matches;
  std::string columns;
  for (std::size_t i = 0; i < key.columns.size(); ++i) {
    const auto child = quote_identifier(key.columns[i]);
    present += fmt::format("{}c.{} IS NOT NULL", i == 0 ? "" : " AND ", child);
    matches += fmt::format("{}p.{} = c.{}", i == 0 ? "" : " AND ", parent_columns[i], child);
    columns += (i == 0 ? "" : ", ") + key.columns[i];
  }
  const auto where = fmt::format("{} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {})", present,
                                 quote_identifier(parent->name), matches);
  const auto orphans = count_rows(db, fmt::format("SELECT count(*) FROM {} AS c WHERE {}", quote_identifier(t.name), where));
  if (!orphans || *orphans == 0) return;
  refusals.push_back(fmt::format("table \"{}\" foreign key ({}) -> \"{}\": {} {} no row of \"{}\"{}", t.name, columns,
                                 parent->name, count_of(*orphans, "row"), *orphans == 1 ? "references" : "reference",
                                 parent->name, example_keys(db, t, where)));
}

// The name a table or column of the new schema had before the part, by its rename directives.
std::string old_table_name(const part_plan& plan, const std::string& name) {
  for (const auto& [from, to] : plan.renamed_tables) {
    if (lower_ascii(to) == lower_ascii(name)) return from;
  }
  return name;
}

std::string old_column_name(const part_plan& plan, const std::string& table_name, const std::string& name) {
  for (const auto& r : plan.renamed_columns) {
    if (lower_ascii(r.table) == lower_ascii(table_name) && lower_ascii(r.to) == lower_ascii(name)) return r.from;
  }
  return name;
}

void check_table(sqlite::database& db, const schema& before, const table& old_table, const table& new_table,
                 const part_plan& plan, preflight_report& report) {
  auto& refusals = report.refusals;
  for (const auto& column : new_table.columns) {
    const auto* old_column = old_table.find_column(old_column_name(plan, new_table.name, column.name));
    if (old_column == nullptr) continue;
    if (column.not_null && !column.default_key && !column.is_generated() && !old_column->not_null) {
      const auto where = fmt::format("{} IS NULL", quote_identifier(old_column->name));
      const auto nulls = count_rows(db, fmt::format("SELECT count(*) FROM {} WHERE {}", quote_identifier(old_table.name), where));
      if (nulls && *nulls > 0) {
        refusals.push_back(fmt::format(
            "table \"{}\" column \"{}\": {} NULL, which the new NOT NULL without a default rejects{}",
            new_table.name, column.name, count_of(*nulls, "row") + (*nulls == 1 ? " holds" : " hold"),
            example_keys(db, old_table, where)));
      }
    }
    for (const auto& check : column.checks) {
      if (std::find(old_column->checks.begin(), old_column->checks.end(), check) != old_column->checks.end()) continue;
      check_condition(db, old_table, fmt::format("column \"{}\" CHECK ({})", column.name, check), check, refusals);
    }
  }
  for (const auto& check : new_table.checks) {
    if (std::find(old_table.checks.begin(), old_table.checks.end(), check) != old_table.checks.end()) continue;
    check_condition(db, old_table, fmt::format("CHECK ({})", check), check, refusals);
  }
  for (const auto& unique : new_table.uniques) {
    if (std::find(old_table.uniques.begin(), old_table.uniques.end(), unique) != old_table.uniques.end()) continue;
    const auto terms = terms_of(unique.parts);
    std::string label;
    for (const auto& expression : terms.expressions) label += (label.empty() ? "" : ", ") + expression;
    check_unique(db, old_table, fmt::format("UNIQUE ({})", label), terms, refusals);
  }
  if (new_table.primary && new_table.primary != old_table.primary && !new_table.has_integer_primary_key()) {
    const auto terms = terms_of(new_table.primary->parts);
    std::string label;
    for (const auto& expression : terms.expressions) label += (label.empty() ? "" : ", ") + expression;
    check_unique(db, old_table, fmt::format("PRIMARY KEY ({})", label), terms, refusals);
  }
  for (const auto& key : new_table.foreign_keys) {
    if (std::find(old_table.foreign_keys.begin(), old_table.foreign_keys.end(), key) != old_table.foreign_keys.end()) continue;
    check_foreign_key(db, before, old_table, key, refusals);
  }
}

}  // namespace

part_plan derived_plan(const schema& before, const schema& after) {
  part_plan plan;
  for (const auto& old_table : before.tables) {
    const table* new_table = after.find_table(old_table.name);
    if (new_table == nullptr) {
      plan.dropped_tables.push_back(old_table.name);
      continue;
    }
    for (const auto& old_column : old_table.columns) {
      if (new_table->find_column(old_column.name) == nullptr) plan.dropped_columns.push_back({new_table->name, old_column.name});
    }
  }
  return plan;
}

std::vector<std::string> preflight(sqlite::database& db, const schema& before, const schema& after, const part_plan& plan) {
  preflight_report report;
  for (const auto& new_table : after.tables) {
    if (const table* old_table = before.find_table(old_table_name(plan, new_table.name))) {
      check_table(db, before, *old_table, new_table, plan, report);
    }
  }
  for (const auto& new_index : after.indexes) {
    if (!new_index.unique) continue;
    const index* old_index = before.find_index(new_index.name);
    if (old_index != nullptr && *old_index == new_index) continue;
    const table* old_table = before.find_table(old_table_name(plan, new_index.table));
    const auto terms = terms_of(new_index.sql);
    if (old_table == nullptr || !terms) continue;
    check_unique(db, *old_table, fmt::format("unique index \"{}\"", new_index.name), *terms, report.refusals);
  }
  return report.refusals;
}

std::vector<std::string> dropped_values(sqlite::database& db, const schema& before, const part_plan& plan) {
  preflight_report report;
  for (const auto& dropped : plan.dropped_columns) {
    const table* old_table = before.find_table(old_table_name(plan, dropped.table));
    const column* old_column = old_table ? old_table->find_column(dropped.column) : nullptr;
    if (old_column == nullptr || old_column->is_generated()) continue;
    const auto values = count_rows(db, fmt::format("SELECT count(*) FROM {} WHERE {} IS NOT NULL",
                                                   quote_identifier(old_table->name), quote_identifier(old_column->name)));
    if (values && *values > 0) {
      report.notes.push_back(fmt::format("table \"{}\" column \"{}\" is dropped with {} non-NULL values", old_table->name,
                                         old_column->name, *values));
    }
  }
  for (const auto& dropped : plan.dropped_tables) {
    const table* old_table = before.find_table(dropped);
    if (old_table == nullptr) continue;
    const auto rows = count_rows(db, fmt::format("SELECT count(*) FROM {}", quote_identifier(old_table->name)));
    if (rows && *rows > 0) report.notes.push_back(fmt::format("table \"{}\" is dropped with its {}", old_table->name, count_of(*rows, "row")));
  }
  return report.notes;
}

health_report foreign_key_violations(sqlite::database& db, const std::vector<std::string>& tables) {
  return examine(db, {.integrity = false, .foreign_key_tables = tables});
}

}  // namespace litemig::detail

#include "overloaded.hpp"

#include "litemig/render.hpp"

#include "litemig/normalize.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

namespace litemig {

namespace {

std::string q(std::string_view name) { return sqlite::quote_identifier(name); }

std::string statement(std::string sql) {
  while (!sql.empty() && (sql.back() == ';' || sql.back() == ' ' || sql.back() == '\n')) sql.pop_back();
  return sql + ";\n";
}

std::string temporary_name(const table& t) { return "litemig_new_" + t.name; }

// A renamed table was renamed before its rebuild: it goes by its new name throughout.
std::string render_rebuild(const step::rebuild_table& r) {
  const auto temp = temporary_name(*r.to);
  std::string columns;
  std::string values;
  if (r.copy_rowid) {
    columns = "rowid";
    values = "rowid";
  }
  for (const auto& [target, expression] : r.copies) {
    if (!columns.empty()) {
      columns += ", ";
      values += ", ";
    }
    columns += q(target->name);
    values += expression;
  }
  std::string sql = fmt::format("-- Rebuild table {} ({})\n", q(r.to->name), r.reason);
  sql += statement(rename_in_create(r.to->sql, temp));
  if (!columns.empty()) {
    sql += fmt::format("INSERT INTO {} ({})\n  SELECT {} FROM {};\n", q(temp), columns, values, q(r.to->name));
  }
  if (r.to->primary && r.to->primary->autoincrement) {
    // Keep the AUTOINCREMENT high-water mark so deleted ids are never handed out again.
    const auto current_name = sqlite::quote_literal(r.to->name);
    const auto new_name = sqlite::quote_literal(temp);
    sql += fmt::format(
        "UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = {}), 0))\n"
        "  WHERE name = {};\n",
        current_name, new_name);
    sql += fmt::format(
        "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence\n"
        "  WHERE name = {} AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = {});\n",
        new_name, current_name, new_name);
  }
  sql += fmt::format("DROP TABLE {};\n", q(r.to->name));
  sql += fmt::format("ALTER TABLE {} RENAME TO {};\n", q(temp), q(r.to->name));
  return sql;
}

std::string render_step(const plan_step& s) {
  return std::visit(
      overloaded{
          [](const step::drop_view& x) {
            return fmt::format("-- Drop view {} (recreated below when it is kept)\nDROP VIEW IF EXISTS {};\n", q(x.target->name), q(x.target->name));
          },
          [](const step::drop_trigger& x) {
            return fmt::format("-- Drop trigger {} (recreated below when it is kept)\nDROP TRIGGER IF EXISTS {};\n", q(x.target->name), q(x.target->name));
          },
          [](const step::drop_index& x) {
            return fmt::format("-- Drop index {}\nDROP INDEX IF EXISTS {};\n", q(x.target->name), q(x.target->name));
          },
          [](const step::drop_virtual_table& x) {
            return fmt::format("-- Drop virtual table {}\nDROP TABLE {};\n", q(x.target->name), q(x.target->name));
          },
          [](const step::rename_table& x) {
            return fmt::format("-- Rename table {} to {}\nALTER TABLE {} RENAME TO {};\n", q(x.from), q(x.to), q(x.from), q(x.to));
          },
          [](const step::rename_column& x) {
            return fmt::format("-- Rename column {}.{} to {}\nALTER TABLE {} RENAME COLUMN {} TO {};\n", q(x.table), q(x.from),
                               q(x.to), q(x.table), q(x.from), q(x.to));
          },
          [](const step::drop_column& x) {
            return fmt::format("-- Drop column {}.{}\nALTER TABLE {} DROP COLUMN {};\n", q(x.table), q(x.column), q(x.table), q(x.column));
          },
          [](const step::add_column& x) {
            return fmt::format("-- Add column {}.{}\nALTER TABLE {} ADD COLUMN {};\n", q(x.table), q(x.target->name), q(x.table),
                               x.target->definition_sql);
          },
          [](const step::rebuild_table& x) { return render_rebuild(x); },
          [](const step::drop_table& x) {
            return fmt::format("-- Drop table {}\nDROP TABLE {};\n", q(x.target->name), q(x.target->name));
          },
          [](const step::create_table& x) { return fmt::format("-- Create table {}\n{}", q(x.target->name), statement(x.target->sql)); },
          [](const step::create_virtual_table& x) {
            return fmt::format("-- Create virtual table {}\n{}", q(x.target->name), statement(x.target->sql));
          },
          [](const step::create_index& x) { return fmt::format("-- Create index {}\n{}", q(x.target->name), statement(x.target->sql)); },
          [](const step::create_view& x) { return fmt::format("-- Create view {}\n{}", q(x.target->name), statement(x.target->sql)); },
          [](const step::create_trigger& x) {
            return fmt::format("-- Create trigger {}\n{}", q(x.target->name), statement(x.target->sql));
          },
      },
      s);
}

std::string render_part(const char* marker, const migration_plan& plan) {
  std::string text = fmt::format("-- litemig:{}\n", marker);
  std::string tables;
  for (const auto& t : plan.foreign_key_check_tables) tables += " " + q(t);
  text += fmt::format("-- litemig:foreign-key-check{}\n", tables);
  if (plan.steps.empty()) text += "-- (no schema change)\n";
  for (const auto& s : plan.steps) text += "\n" + render_step(s);
  return text;
}

}  // namespace

std::string render_plan(const migration_plan& plan) {
  std::string text;
  for (const auto& s : plan.steps) text += (text.empty() ? "" : "\n") + render_step(s);
  return text;
}

std::string render_migration_file(std::int64_t version, const std::string& name, const migration_plan& up,
                                  const migration_plan& down) {
  std::string text = fmt::format(
      "-- litemig migration {:04}: {}\n"
      "-- Generated from the reference database. Review it; edit it for data changes if needed,\n"
      "-- then record the edit with `litemig hash --dir <this directory>`.\n"
      "-- Each part runs in one transaction with foreign keys off; the tables listed on the\n"
      "-- foreign-key-check line are checked before commit.\n\n",
      version, name);
  text += render_part("up", up);
  text += "\n";
  text += render_part("down", down);
  return text;
}

}  // namespace litemig

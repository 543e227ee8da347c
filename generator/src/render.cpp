#include "overloaded.hpp"

#include "litemig/render.hpp"

#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/normalize.hpp"
#include "litemig/sql_tokens.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace litemig {

namespace {

std::string q(std::string_view name) { return sqlite::quote_identifier(name); }

// A comment line: whatever names and reasons it holds, it cannot end early and start SQL.
std::string comment(std::string_view text) { return "-- " + printable(text) + "\n"; }

std::string statement(const std::string& sql) { return snapshot_statement(sql); }

std::string temporary_name(const table& t) { return "litemig_new_" + t.name; }

// A renamed table was renamed before its rebuild: it goes by its new name throughout.
std::string render_rebuild(const step::rebuild_table& r) {
  const auto temp = temporary_name(*r.to);
  std::string columns;
  std::string values;
  if (r.copy_rowid) {
    // Through names no column shadows: "rowid" may be an ordinary column.
    columns = r.to->rowid_name();
    values = r.from->rowid_name();
  }
  for (const auto& [target, expression] : r.copies) {
    if (!columns.empty()) {
      columns += ", ";
      values += ", ";
    }
    columns += q(target->name);
    values += expression;
  }
  std::string sql = comment(fmt::format("Rebuild table {} ({})", q(r.to->name), r.reason));
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

// The documented rebuild order for a full-text table: its shadow tables follow the rename.
std::string render_virtual_rebuild(const step::rebuild_virtual_table& r) {
  const auto temp = "litemig_new_" + r.to->name;
  std::string columns = "rowid";
  for (const auto& c : r.columns) columns += ", " + q(c);
  std::string sql = comment(fmt::format("Rebuild virtual table {}, keeping its rows", q(r.to->name)));
  sql += statement(rename_in_create(r.to->sql, temp));
  sql += fmt::format("INSERT INTO {} ({})\n  SELECT {} FROM {};\n", q(temp), columns, columns, q(r.to->name));
  sql += fmt::format("DROP TABLE {};\n", q(r.to->name));
  sql += fmt::format("ALTER TABLE {} RENAME TO {};\n", q(temp), q(r.to->name));
  return sql;
}

std::string render_step(const plan_step& s) {
  return std::visit(
      overloaded{
          [](const step::drop_view& x) {
            return comment(fmt::format("Drop view {} (recreated below when it is kept)", q(x.target->name))) +
                   fmt::format("DROP VIEW IF EXISTS {};\n", q(x.target->name));
          },
          [](const step::drop_trigger& x) {
            return comment(fmt::format("Drop trigger {} (recreated below when it is kept)", q(x.target->name))) +
                   fmt::format("DROP TRIGGER IF EXISTS {};\n", q(x.target->name));
          },
          [](const step::drop_index& x) {
            return comment("Drop index " + q(x.target->name)) + fmt::format("DROP INDEX IF EXISTS {};\n", q(x.target->name));
          },
          [](const step::drop_virtual_table& x) {
            return comment("Drop virtual table " + q(x.target->name)) + fmt::format("DROP TABLE {};\n", q(x.target->name));
          },
          [](const step::rename_table& x) {
            return comment(fmt::format("Rename table {} to {}", q(x.from), q(x.to))) +
                   fmt::format("ALTER TABLE {} RENAME TO {};\n", q(x.from), q(x.to));
          },
          [](const step::rename_column& x) {
            return comment(fmt::format("Rename column {}.{} to {}", q(x.table), q(x.from), q(x.to))) +
                   fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {};\n", q(x.table), q(x.from), q(x.to));
          },
          [](const step::drop_column& x) {
            return comment(fmt::format("Drop column {}.{}", q(x.table), q(x.column))) +
                   fmt::format("ALTER TABLE {} DROP COLUMN {};\n", q(x.table), q(x.column));
          },
          [](const step::add_column& x) {
            return comment(fmt::format("Add column {}.{}", q(x.table), q(x.target->name))) +
                   fmt::format("ALTER TABLE {} ADD COLUMN {};\n", q(x.table), x.target->definition_sql);
          },
          [](const step::rebuild_table& x) { return render_rebuild(x); },
          [](const step::drop_table& x) {
            return comment("Drop table " + q(x.target->name)) + fmt::format("DROP TABLE {};\n", q(x.target->name));
          },
          [](const step::create_table& x) { return comment("Create table " + q(x.target->name)) + statement(x.target->sql); },
          [](const step::create_virtual_table& x) {
            return comment("Create virtual table " + q(x.target->name)) + statement(x.target->sql);
          },
          [](const step::rebuild_virtual_table& x) { return render_virtual_rebuild(x); },
          [](const step::reindex_full_text& x) {
            return comment(fmt::format("Index the rows of {} in {}", q(*x.target->content), q(x.target->name))) +
                   fmt::format("INSERT INTO {} ({}) VALUES ('rebuild');\n", q(x.target->name), q(x.target->name));
          },
          [](const step::create_index& x) { return comment("Create index " + q(x.target->name)) + statement(x.target->sql); },
          [](const step::create_view& x) { return comment("Create view " + q(x.target->name)) + statement(x.target->sql); },
          [](const step::create_trigger& x) {
            return comment("Create trigger " + q(x.target->name)) + statement(x.target->sql);
          },
      },
      s);
}

// The planner's decisions as directive lines, in the names the applier parses them with.
std::string render_decisions(const migration_plan& plan) {
  const auto& d = plan.decisions;
  std::string text = render_directive(directive::foreign_key_check, plan.foreign_key_check_tables) + "\n";
  for (const auto& t : d.rebuilt_tables) text += render_directive(directive::rebuild, {t}) + "\n";
  for (const auto& [from, to] : d.renamed_tables) text += render_directive(directive::rename_table, {from, to}) + "\n";
  for (const auto& r : d.renamed_columns) text += render_directive(directive::rename_column, {r.table, r.from, r.to}) + "\n";
  for (const auto& t : d.dropped_tables) text += render_directive(directive::drop_table, {t}) + "\n";
  for (const auto& c : d.dropped_columns) text += render_directive(directive::drop_column, {c.table, c.column}) + "\n";
  return text;
}

std::string render_part(const char* marker, const migration_plan& plan, const std::optional<verified_result>& verified) {
  std::string text = fmt::format("-- litemig:{}\n", marker);
  text += render_decisions(plan);
  if (verified) text += render_directive(directive::schema_digest, {verified->schema, verified->snapshot}) + "\n";
  if (plan.steps.empty()) text += "-- (no schema change)\n";
  for (const auto& s : plan.steps) text += "\n" + render_step(s);
  return text;
}

// Whether a line of SQL would read as a directive of the migration file (its parser trims lines).
bool has_directive_line(std::string_view sql) {
  for (std::size_t start = 0; start < sql.size();) {
    const auto end = std::min(sql.size(), sql.find('\n', start));
    auto line = sql.substr(start, end - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    if (line.starts_with("-- litemig:")) return true;
    start = end + 1;
  }
  return false;
}

[[noreturn]] void refuse_name(std::string_view origin, const std::string& object) {
  throw failure(exit_code::usage, fmt::format("{}: {}: a name with a control character (a line break, a tab) cannot be "
                                              "written into a migration file; rename it",
                                              origin, object));
}

template <typename T>
void check_object(const T& o, std::string_view kind, std::string_view origin, const std::vector<column>& columns = {}) {
  const auto object = fmt::format("{} {}", kind, printable_name(o.name));
  if (has_control_character(o.name)) refuse_name(origin, object);
  for (const auto& c : columns) {
    if (has_control_character(c.name)) refuse_name(origin, fmt::format("{}: column {}", object, printable_name(c.name)));
  }
  if (has_directive_line(o.sql)) {
    throw failure(exit_code::usage, fmt::format("{}: {}: its SQL has a line starting with '-- litemig:', which a "
                                                "migration file reads as a directive",
                                                origin, object));
  }
}

}  // namespace

void check_writable(const schema& s, std::string_view origin) {
  for (const auto& t : s.tables) check_object(t, "table", origin, t.columns);
  for (const auto& v : s.virtual_tables) check_object(v, "virtual table", origin);
  for (const auto& i : s.indexes) check_object(i, "index", origin);
  for (const auto& v : s.views) check_object(v, "view", origin);
  for (const auto& t : s.triggers) check_object(t, "trigger", origin);
}

std::string render_plan(const migration_plan& plan) {
  std::string text;
  for (const auto& s : plan.steps) text += (text.empty() ? "" : "\n") + render_step(s);
  return text;
}

std::string render_migration_file(std::int64_t version, const std::string& name, const migration_plan& up,
                                  const migration_plan& down, const std::optional<verified_result>& up_verified,
                                  const std::optional<verified_result>& down_verified) {
  std::string text = comment(fmt::format("litemig migration {:04}: {}", version, name));
  text += fmt::format(
      "-- Generated from the reference database. Review it; edit it for data changes if needed,\n"
      "-- then record the edit with `litemig hash --dir <this directory>`.\n"
      "-- Each part runs in one transaction with foreign keys off; the tables listed on the\n"
      "-- foreign-key-check line are checked before commit. The other litemig: lines say what\n"
      "-- the part rebuilds, renames and drops: keep them in step with the SQL when you edit it. The\n"
      "-- schema-digest line lets the applier skip comparing a result that is, statement for statement,\n"
      "-- the schema this file was checked to produce; an edited part is compared in full.\n\n");
  text += render_part("up", up, up_verified);
  text += "\n";
  text += render_part("down", down, down_verified);
  return text;
}

}  // namespace litemig

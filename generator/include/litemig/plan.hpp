// Stage 4: the ordered steps that carry out a diff within SQLite's ALTER TABLE limits.
// This file and plan.cpp hold litemig's knowledge of when a plain ALTER TABLE is enough and
// when a table must be rebuilt (sqlite.org/lang_altertable.html).
#pragma once

#include "litemig/diff.hpp"
#include "litemig/migration.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace litemig {

namespace step {

struct drop_view { const view* target; };
struct drop_trigger { const trigger* target; };
struct drop_index { const index* target; };
struct drop_virtual_table { const virtual_table* target; };
struct rename_table { std::string from; std::string to; };
struct rename_column { std::string table; std::string from; std::string to; };
struct drop_column { std::string table; std::string column; };
struct add_column { std::string table; const column* target; };
// The twelve-step rebuild: new table, copy, drop, rename.
struct rebuild_table {
  const table* from;
  const table* to;
  std::vector<std::pair<const column*, std::string>> copies;  // target column, SELECT expression over FROM
  bool copy_rowid = false;
  std::string reason;
};
struct drop_table { const table* target; };
struct create_table { const table* target; };
struct create_virtual_table { const virtual_table* target; };
// A full-text table redefined with its rows: new table, copy (rowids and COLUMNS), drop, rename.
struct rebuild_virtual_table { const virtual_table* from; const virtual_table* to; std::vector<std::string> columns; };
// Re-index an external-content full-text table from its content table (FTS's 'rebuild' command).
struct reindex_full_text { const virtual_table* target; };
struct create_index { const index* target; };
struct create_view { const view* target; };
struct create_trigger { const trigger* target; };

}  // namespace step

using plan_step = std::variant<step::drop_view, step::drop_trigger, step::drop_index, step::drop_virtual_table,
                               step::rename_table, step::rename_column, step::drop_column, step::add_column,
                               step::rebuild_table, step::drop_table, step::create_table, step::create_virtual_table,
                               step::rebuild_virtual_table, step::create_index, step::create_view,
                               step::reindex_full_text, step::create_trigger>;

struct migration_plan {
  std::vector<plan_step> steps;
  // Tables whose foreign keys the migration could break: checked before commit.
  std::vector<std::string> foreign_key_check_tables;
  // What the planner decided about tables (rebuilds, renames, drops): written into the file as
  // directives, so that the applier reads it instead of guessing it from the SQL.
  part_plan decisions;
};

struct plan_settings {
  // The oldest SQLite the product links: native ALTER forms newer than it are not used.
  int min_sqlite_version = 0;  // 0: the SQLite litemig runs with
};

// Steps that turn FROM into TO as described by CHANGES (a diff without open decisions).
migration_plan make_plan(const schema& from, const schema& to, const schema_diff& changes, const plan_settings& settings);

}  // namespace litemig

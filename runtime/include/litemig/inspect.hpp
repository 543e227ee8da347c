// Stage 1: read the schema of a database (or a snapshot) into the model.
#pragma once

#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <filesystem>
#include <string>

namespace litemig {

// Whether an object of this name, or on a table of this name, is bookkeeping (litemig_*,
// alembic_version) or SQLite's own (sqlite_*), in any case: outside the schema for inspect,
// schema_digest and every "does this database hold anything" test alike.
bool is_bookkeeping(std::string_view name);

// Reads every user object of DB. Bookkeeping objects (litemig_*, alembic_version),
// SQLite's internal objects and virtual-table shadow tables are left out. Throws failure
// (exit 1) naming DB's file and the object whose CREATE statement litemig cannot read.
schema inspect(sqlite::database& db);

// Loads snapshot SQL into a scratch in-memory database and inspects it.
// Throws failure(exit_code::usage) naming ORIGIN when the SQL does not load.
schema inspect_sql(std::string_view snapshot_sql, const std::string& origin);

// A database file or a snapshot (.sql) file. Throws failure (exit 1) naming PATH when it is missing
// or unreadable.
schema inspect_file(const std::filesystem::path& path);

// The snapshot text of a schema: every CREATE statement as stored, in a deterministic order
// that loads into an empty database (tables, then indexes, views in dependency order, triggers).
std::string snapshot_sql(const schema& s);

// One statement of snapshot_sql() or of a migration: SQL as stored, ended by ";\n" (by "\n;\n"
// after a trailing line comment).
std::string snapshot_statement(const std::string& sql);

}  // namespace litemig

namespace litemig {
// Views ordered so that each comes after the views it reads from.
std::vector<const view*> views_in_dependency_order(const schema& s);
}  // namespace litemig

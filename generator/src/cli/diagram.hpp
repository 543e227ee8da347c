// A schema as a Mermaid erDiagram: tables, columns with their types and PK/FK/UK keys, and one
// relationship per foreign key.
#pragma once

#include "litemig/migration.hpp"
#include "litemig/schema.hpp"

#include <string>

namespace litemig::cli {

// The diagram of S; TITLE becomes a comment line at the top.
std::string er_diagram(const schema& s, const std::string& title);

// The diagram of a migration: the tables of AFTER and those BEFORE had, each changed object
// marked ("added", "dropped", "changed", "renamed from x") in a column comment and in a comment
// line at the top. PLAN's renames pair tables and columns across the two.
std::string er_diagram_of_change(const schema& before, const schema& after, const part_plan& plan, const std::string& title);

// The schema of MIGRATIONS' snapshot of VERSION; failure(exit_code::usage) naming the file when
// it is missing or unreadable.
schema snapshot_schema(const migration_set& migrations, std::int64_t version);

// The diagram of what migration VERSION of MIGRATIONS changes, from its two snapshots and its
// plan; failure(exit_code::usage) when there is no such migration.
std::string migration_diagram(const migration_set& migrations, std::int64_t version);

}  // namespace litemig::cli

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

}  // namespace litemig::cli

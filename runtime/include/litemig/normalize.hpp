// Stage 2: turn stored CREATE statements into the comparable model.
#pragma once

#include "litemig/schema.hpp"

#include <string>
#include <string_view>

namespace litemig {

// Parses a CREATE TABLE statement as SQLite stores it. Throws failure (exit 1, no location: the
// caller knows the file) on text SQLite itself would not have accepted.
table normalize_table(std::string_view create_sql);

// Parses a CREATE VIRTUAL TABLE statement: module, key and, for full-text modules, columns and
// content= option (see virtual_table).
virtual_table normalize_virtual_table(std::string_view create_sql);

// The comparison key of CREATE INDEX / VIEW / TRIGGER / VIRTUAL TABLE statements: canonical
// tokens without IF NOT EXISTS and the trailing semicolon.
std::string statement_key(std::string_view create_sql);

// The CREATE statement with its object name replaced by NEW_NAME (used for table rebuilds).
std::string rename_in_create(std::string_view create_sql, std::string_view new_name);

}  // namespace litemig

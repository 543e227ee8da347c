// Deterministic sample rows for any schema: what the migration verification tests (and the
// generator's tests) migrate when no real fixture database exists for a version.
#pragma once

#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <cstdint>

namespace litemig {

// Inserts up to ROWS_PER_TABLE rows into every table of SCHEMA (which DB already has), parents
// before children, with values that satisfy types (also STRICT), NOT NULL, UNIQUE, CHECK and
// foreign keys. A row no candidate values satisfy is skipped. Generated columns are left to
// SQLite; standalone full-text tables get text rows. The same SEED gives the same rows.
void insert_sample_rows(sqlite::database& db, const schema& s, int rows_per_table, std::uint32_t seed);

}  // namespace litemig

// generate's check of the migration it is about to write, on scratch databases.
#pragma once

#include "litemig/diff.hpp"
#include "litemig/migration.hpp"
#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <string>
#include <vector>

namespace litemig {

// Runs M on SCRATCH (which holds PREVIOUS with empty tables, and is used up): with sample rows in
// every table, up, down and up again must each give its schema (REFERENCE, PREVIOUS) and keep every
// row and every value the migration keeps (UP_DIFF says which). Throws failure(exit_code::failure):
// a mismatch is litemig's own bug, found before anything is written. When sample rows break a
// constraint of a part (rows made for PREVIOUS, then rows made for REFERENCE taken down), both parts
// still run on empty tables and the refusal is returned as a warning (the applier would roll such a
// part back and its pre-flight names the real rows).
std::vector<std::string> self_check(sqlite::database& scratch, const schema& previous, const schema& reference,
                                    const schema_diff& up_diff, const migration& m);

}  // namespace litemig

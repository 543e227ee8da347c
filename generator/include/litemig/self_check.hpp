// generate's check of the migration it is about to write, on scratch databases.
#pragma once

#include "litemig/diff.hpp"
#include "litemig/migration.hpp"
#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <string>
#include <vector>

namespace litemig {

// Runs M on SCRATCH (which holds PREVIOUS with empty tables): up must give REFERENCE and down
// PREVIOUS, first on empty tables, then on tables with sample rows through up, down and up again,
// every row and every value the migration keeps (UP_DIFF says which) intact after each part.
// Throws failure(exit_code::failure): a mismatch is litemig's own bug, found before anything is
// written. Returns warnings: a down part that sample rows make fail on a constraint (the
// applier would roll it back), or sample rows that no part accepts.
std::vector<std::string> self_check(sqlite::database& scratch, const schema& previous, const schema& reference,
                                    const schema_diff& up_diff, const migration& m);

}  // namespace litemig

// generate's check of the migration it is about to write, on scratch databases.
#pragma once

#include "litemig/data_check.hpp"
#include "litemig/migration.hpp"
#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <functional>
#include <string>
#include <vector>

namespace litemig {

// What a part from BEFORE to AFTER keeps, as its directives say (a hand-written part without them
// keeps tables and columns under the same names): every row of each table it neither drops nor
// replaces, and the values of each column it neither drops, computes nor makes NOT NULL (a default
// may replace NULLs). A full-text table's rowids count as a column.
std::vector<kept_table> kept_tables(const schema& before, const schema& after, const part_plan& plan);

// One stage of a round trip that lost or changed a kept row or value.
struct data_loss {
  std::string stage;  // "up", "down" or "up after down"
  std::string problem;
};

// The round trip of one migration, shared by generate's self-check and `litemig verify`: from a
// database with rows at the previous schema, up, down and up again, each compared with the rows
// before it. APPLY runs a part (true: up) and throws when it fails; CAPTURE reads the rows at the
// schema after (true) or before (false) the migration.
struct round_trip_steps {
  std::function<void(bool up)> apply;
  std::function<database_data(bool up)> capture;
};
std::vector<data_loss> round_trip(const std::vector<kept_table>& kept, const round_trip_steps& steps);

// Runs M on SCRATCH (which holds PREVIOUS with empty tables, and is used up): with sample rows in
// every table, up, down and up again must each give its schema (REFERENCE, PREVIOUS) and keep every
// row and every value the migration keeps (kept_tables). Throws failure(exit_code::failure):
// a mismatch is litemig's own bug, found before anything is written. When sample rows break a
// constraint of a part (rows made for PREVIOUS, then rows made for REFERENCE taken down), both parts
// still run on empty tables and the refusal is returned as a warning (the applier would roll such a
// part back and its pre-flight names the real rows).
// The schema digests (schema_digest) that the up and the down part left on the scratch database, each
// found equal to its schema by meaning: what the generator writes on each part's schema-digest line.
struct proven_digests {
  std::string up;
  std::string down;
};
std::vector<std::string> self_check(sqlite::database& scratch, const schema& previous, const schema& reference,
                                    const migration& m, proven_digests* digests = nullptr);

}  // namespace litemig

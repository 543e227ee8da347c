// The previous snapshot in a scratch database: inspected for the diff, then running the new
// migration for the self-check.
#pragma once

#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <string>

namespace litemig {

struct loaded_snapshot {
  sqlite::database db;
  schema inspected;
};

// Loads PREVIOUS_SQL (a snapshot) into a scratch database. When the reference (REFERENCE_DB,
// inspected as REFERENCE) differs from it in a few objects, a copy of the reference with those
// objects replaced is used instead: SQLite scans its whole schema table for every CREATE and
// DROP, so loading thousands of statements takes quadratic time. Throws sqlite::error when the
// snapshot does not load.
loaded_snapshot load_snapshot(const std::string& previous_sql, sqlite::database& reference_db, const schema& reference);

}  // namespace litemig

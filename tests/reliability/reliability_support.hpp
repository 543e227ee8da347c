// The reliability suite's own fixtures over the shared test support (scratch folders, files,
// processes): a small tune-and-note migrations directory and digests of database contents.
#pragma once

#include "test_support.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace litemig::reliability {

using namespace litemig::testing;
using reliability_test = scratch_test;

// Migration 1 creates tune(id, title); 2 creates note(id, tune_id, body) with a note per tune.
void write_tune_and_note_migrations(const fs::path& dir);

// Every user table's rows (ordered by rowid or primary key), the history and user_version, as
// one digest: two databases with the same digest hold the same data row for row.
std::string content_digest(const fs::path& db);
// The rows of one table, in key order, as one digest.
std::string table_digest(const fs::path& db, const std::string& table);

}  // namespace litemig::reliability

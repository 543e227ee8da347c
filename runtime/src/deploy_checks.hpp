// The checks deploy and restore run on a local copy of a database before trusting it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "litemig/errors.hpp"
#include "litemig/migration.hpp"

namespace litemig::deploy_checks {

// Opens FILE and runs integrity_check. Throws failure naming SHOWN_AS (default: FILE) when it is
// not a sound database.
void check_database(const std::filesystem::path& file, const std::string& shown_as = {});

// Throws failure naming FILE when a row violates a foreign key.
void check_foreign_keys(const std::filesystem::path& file);

// Throws failure(schema_mismatch) when FILE's schema differs by meaning from the snapshot of VERSION.
void check_schema(const std::filesystem::path& file, const migration_set& migrations, std::int64_t version);

// The views and triggers the migrate step would recreate (drift repair) in FILE, which has
// bookkeeping at VERSION: those that differ from the snapshot, and the triggers of those views.
// Throws failure(schema_mismatch) when a table differs: the migrate step would refuse it.
std::vector<std::string> drifted_views_and_triggers(const std::filesystem::path& file, const migration_set& migrations,
                                                    std::int64_t version);

// The refusal of FILE, which has no bookkeeping and matches no snapshot, located at SHOWN_AS:
// what differs and what would adopt it (a fixup or `litemig stamp`).
failure unmatched_schema(const std::filesystem::path& file, const migration_set& migrations,
                         const std::string& shown_as);

// Rows per user table (case-folded names).
std::map<std::string, std::int64_t> row_counts(const std::filesystem::path& file);

// "2026-11-25 13:32:12Z", for log lines.
std::string log_timestamp();

}  // namespace litemig::deploy_checks

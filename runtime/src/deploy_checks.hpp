// The checks deploy and restore run on a local copy of a database before trusting it.
#pragma once

#include "litemig/migration.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace litemig::deploy_checks {

// Opens FILE and runs integrity_check. Throws failure naming SHOWN_AS (default: FILE) when it is
// not a sound database.
void check_database(const std::filesystem::path& file, const std::string& shown_as = {});

// Throws failure naming FILE when a row violates a foreign key.
void check_foreign_keys(const std::filesystem::path& file);

// Throws failure(schema_mismatch) when FILE's schema differs by meaning from the snapshot of VERSION.
void check_schema(const std::filesystem::path& file, const migration_set& migrations, std::int64_t version);

// Rows per user table (case-folded names).
std::map<std::string, std::int64_t> row_counts(const std::filesystem::path& file);

// "20261125_133212": UTC, sortable, safe in file names.
std::string file_timestamp();
// "2026-11-25 13:32:12Z", for log lines.
std::string log_timestamp();

}  // namespace litemig::deploy_checks

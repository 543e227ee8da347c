// `litemig verify` and the migration.NNNN tests: one migration taken up, down and up again on a
// database with rows, through the runtime's applier.
#pragma once

#include "litemig/errors.hpp"
#include "litemig/migration.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace litemig {

// The fewest generated rows per table `litemig verify` accepts: enough for a lost or reordered row
// to show (empty tables prove nothing about data).
inline constexpr int fewest_verify_rows = 3;

struct verify_options {
  std::optional<std::filesystem::path> fixture;  // a database at version N-1 to start from (never modified)
  int rows = 25;                                 // generated rows per table without a fixture
  std::uint32_t seed = 1;
};

struct verify_report {
  std::vector<std::string> notes;     // what the check started from and saw, one line each
  std::vector<std::string> problems;  // "STAGE: cause", one line each; none: verified
  // The applier's refusal of a part (pre-flight, schema mismatch...), or exit_code::failure.
  exit_code code = exit_code::ok;
};

// Starts from a copy of the fixture, or from a database brought to N-1 and filled with generated
// rows, then applies migration VERSION of SET, reverts it and applies it again with the applier.
// After each part: the schema equals its snapshot, integrity_check passes, foreign_key_check finds
// no dangling reference beyond those the start had, and every row and kept value (kept_tables) is
// still there. Throws failure(exit_code::usage) when VERSION or the fixture does not fit.
verify_report verify_migration(const migration_set& set, std::int64_t version, const verify_options& options);

}  // namespace litemig

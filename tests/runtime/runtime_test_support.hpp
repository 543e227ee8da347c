// The runtime suite's fixtures over the shared test support: a small library of migrations and a
// database at its first version.
#pragma once

#include "test_support.hpp"

#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <cstdint>
#include <filesystem>

namespace litemig::testing {

using runtime_test = scratch_test;

// The library used by most tests: tunes (1), notes seeded from tunes (2), a mode column (3).
void write_library_migrations(const fs::path& dir);
inline constexpr std::int64_t library_latest = 3;
// Creates DB at version 1 of the library migrations with TUNES rows.
void create_library_database(const fs::path& db, const fs::path& migrations, int tunes);

}  // namespace litemig::testing

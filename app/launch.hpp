// What tunetrees does before touching its database: bring it to the schema the app was built for.
#pragma once

#include "litemig/migration.hpp"

#include <filesystem>

namespace tunetrees {

// The migrations built into the app (see litemig_add_migrations in app/CMakeLists.txt).
const litemig::migration_set& migrations();

// Creates DB when missing, or migrates it when migrations are pending (after an online backup
// unless BACKUP is false). Prints one line about what it did; nothing when DB is current.
void migrate_on_launch(const std::filesystem::path& db, bool backup);

}  // namespace tunetrees

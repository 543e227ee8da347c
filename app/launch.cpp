#include "launch.hpp"

#include "litemig/applier.hpp"
#include "litemig/embedded.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <iostream>

namespace tunetrees {

const litemig::migration_set& migrations() {
  static const auto set = litemig::migration_set::from_embedded(litemig::embedded::files());
  return set;
}

void migrate_on_launch(const std::filesystem::path& db, bool backup) {
  // The header is read directly, before SQLite opens the file: a FIFO would block that read.
  litemig::sqlite::refuse_non_regular_file(db);
  // The common case costs one header read: no parsing of migrations or schema.
  if (litemig::is_current(db, litemig::embedded::latest_version())) return;
  const bool existed = std::filesystem::exists(db);
  litemig::apply_options options;
  options.backup = backup && existed;
  const auto result = litemig::upgrade(db, migrations(), options);
  if (!existed) {
    std::cout << fmt::format("tunetrees: created {} at schema version {}\n", db.string(), result.to_version);
    return;
  }
  std::cout << fmt::format("tunetrees: migrated {} from schema version {} to {}", db.string(), result.from_version,
                           result.to_version);
  if (result.backup) std::cout << fmt::format(" (backup: {})", result.backup->string());
  std::cout << "\n";
}

}  // namespace tunetrees

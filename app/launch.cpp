#include "launch.hpp"

#include "litemig/applier.hpp"
#include "litemig/embedded.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>

namespace tunetrees {

const litemig::migration_set& migrations() {
  static const auto set = litemig::migration_set::from_embedded(litemig::embedded::files());
  return set;
}

namespace {

// Whether a migration after VERSION rebuilds a table: the planner says so in its directives.
bool rebuild_pending(const litemig::migration_set& set, std::int64_t version) {
  return std::any_of(set.migrations().begin(), set.migrations().end(), [&](const litemig::migration& m) {
    return m.version > version && !m.up.plan.rebuilt_tables.empty();
  });
}

}  // namespace

void migrate_on_launch(const std::filesystem::path& db, bool backup) {
  const bool existed = std::filesystem::exists(db);
  litemig::apply_options options;
  options.backup = backup && existed;
  // A user waiting for the window hears once that it can take a while: before a migration that
  // rebuilds a table, or as soon as migrating has taken a second (a migration written by hand).
  bool announced = false;
  const auto announce = [&] {
    if (announced || !existed) return;
    announced = true;
    std::cout << "tunetrees: migrating the database (this can take a while)" << std::endl;
  };
  std::optional<std::chrono::steady_clock::time_point> started;
  options.progress = [&](const litemig::progress_event&) {
    const auto now = std::chrono::steady_clock::now();
    if (!started) started = now;
    if (now - *started >= std::chrono::seconds(1)) announce();
  };
  // The common case costs one header read: no parsing of migrations or schema.
  const auto result = litemig::upgrade_if_needed(db, litemig::embedded::latest_version(), [&] {
    if (existed && rebuild_pending(migrations(), litemig::current(db).version)) announce();
    return migrations();
  }, options);
  if (!result) return;
  if (!existed) {
    std::cout << fmt::format("tunetrees: created {} at schema version {}\n", db.string(), result->to_version);
    return;
  }
  std::cout << fmt::format("tunetrees: migrated {} from schema version {} to {}", db.string(), result->from_version,
                           result->to_version);
  if (result->backup) std::cout << fmt::format(" (backup: {})", result->backup->string());
  std::cout << "\n";
}

}  // namespace tunetrees

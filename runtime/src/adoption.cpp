#include "adoption.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace litemig::detail {

namespace {

// Each object that differs, once ("table \"t\", view \"v\"").
std::vector<std::string> objects_named(const std::vector<schema_difference>& differences) {
  static constexpr const char* kinds[] = {"table", "index", "view", "trigger", "virtual table"};
  std::vector<std::string> objects;
  for (const auto& d : differences) {
    auto object = fmt::format("{} \"{}\"", kinds[static_cast<int>(d.kind)], d.name);
    if (std::find(objects.begin(), objects.end(), object) == objects.end()) objects.push_back(std::move(object));
  }
  return objects;
}

}  // namespace

failure unmatched_schema_failure(std::string_view shown_as, const snapshot_match& match, const migration_set& migrations,
                                 bool alembic) {
  const auto& differences = match.closest_differences;
  const auto snapshot = migrations.locate(snapshot_file_name(match.closest));
  const bool recreatable = std::all_of(differences.begin(), differences.end(),
                                       [](const schema_difference& d) { return d.is_recreated_from_snapshot(); });
  const auto objects = objects_named(differences);
  const bool one = objects.size() == 1;
  // An upgrade recreates drifted views and triggers from the snapshot of a version it migrates
  // from, so a stamp adopts such a database only below the newest version.
  const auto advice =
      recreatable && match.closest < migrations.latest_version()
          ? fmt::format("only {} differ{}, which hold{} no data: to adopt it, run `litemig stamp --to {} --db {}`; the "
                        "upgrade after it recreates {} from {}",
                        fmt::join(objects, ", "), one ? "s" : "", one ? "s" : "", match.closest, shown_as, one ? "it" : "them",
                        snapshot)
          : fmt::format("to adopt it, bring {} to the form {} gives {} (by hand, or with a deploy fixup), then upgrade again",
                        fmt::join(objects, ", "), snapshot, one ? "it" : "them");
  return failure(exit_code::schema_mismatch, std::string(shown_as),
                 fmt::format("no litemig bookkeeping{} and the schema matches no snapshot; closest is {}: {}; {}",
                             alembic ? " (an alembic_version table)" : "", snapshot, one_line(differences), advice));
}

}  // namespace litemig::detail

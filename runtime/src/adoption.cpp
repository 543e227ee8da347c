#include "adoption.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace litemig::detail {

namespace {

// Each object that differs, once ("table \"t\", view \"v\"").
std::vector<std::string> objects_named(const std::vector<schema_difference>& differences) {
  std::vector<std::string> objects;
  for (const auto& d : differences) {
    auto object = fmt::format("{} \"{}\"", d.kind_name(), d.name);
    if (std::find(objects.begin(), objects.end(), object) == objects.end()) objects.push_back(std::move(object));
  }
  return objects;
}

// An upgrade recreates drifted views and triggers from the snapshot of a version it migrates
// from, so a stamp adopts such a database only below the newest version.
std::string stamp_advice(std::string_view shown_as, const snapshot_match& match, const migration_set& migrations,
                         const std::vector<std::string>& objects, bool recreatable) {
  const auto snapshot = migrations.locate(snapshot_file_name(match.closest));
  const bool one = objects.size() == 1;
  return fmt::format(
      "closest is {}: {}; {}", snapshot, one_line(match.closest_differences),
      recreatable && match.closest < migrations.latest_version()
          ? fmt::format("only {} differ{}, which hold{} no data: to adopt it, run `litemig stamp --to {} "
                        "--db {}`; the upgrade after it recreates {} from {}",
                        fmt::join(objects, ", "), one ? "s" : "", one ? "s" : "", match.closest, shown_as,
                        one ? "it" : "them", snapshot)
          : fmt::format("to adopt it, bring {} to the form {} gives {} (by hand, or with a deploy fixup), "
                        "then upgrade again",
                        fmt::join(objects, ", "), snapshot, one ? "it" : "them"));
}

// A deploy runs fixups before it adopts: the one that would make the schema a snapshot's.
std::string fixup_advice(const snapshot_match& match, const std::vector<std::string>& objects, bool recreatable) {
  const auto v = match.closest;
  const auto named = fmt::format("{}", fmt::join(objects, ", "));
  return fmt::format(
      "{} {} except {} ({}); to adopt it, add a fixup (--fixups) that {} {} {}, or run `litemig stamp --to {}` on it "
      "after checking",
      recreatable ? "it matches snapshot" : "the closest is snapshot", v, named, one_line(match.closest_differences),
      recreatable ? "recreates" : "changes", named,
      recreatable ? fmt::format("as snapshot {} has it", v) : fmt::format("to match snapshot {}", v), v);
}

}  // namespace

failure unmatched_schema_failure(std::string_view shown_as, const snapshot_match& match,
                                 const migration_set& migrations, bool alembic, adoption_route route) {
  const auto bookkeeping = fmt::format("no litemig bookkeeping{}", alembic ? " (an alembic_version table)" : "");
  const auto& differences = match.closest_differences;
  if (differences.empty()) {
    return failure(exit_code::schema_mismatch, std::string(shown_as),
                   fmt::format("{} and no snapshot in {} to compare the schema with; run `litemig stamp --to N` on it "
                               "once you know its version N",
                               bookkeeping, migrations.origin()));
  }
  const bool recreatable = std::all_of(differences.begin(), differences.end(),
                                       [](const schema_difference& d) { return d.is_recreated_from_snapshot(); });
  const auto objects = objects_named(differences);
  const bool deploy = route == adoption_route::deploy;
  return failure(exit_code::schema_mismatch, std::string(shown_as),
                 fmt::format("{} and the schema matches no snapshot{} {}", bookkeeping, deploy ? ":" : ";",
                             deploy ? fixup_advice(match, objects, recreatable)
                                    : stamp_advice(shown_as, match, migrations, objects, recreatable)));
}

}  // namespace litemig::detail

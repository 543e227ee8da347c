// The recorded schema of each version, and finding which one a live schema is.
#include "applier_internal.hpp"

#include "litemig/inspect.hpp"

#include <fmt/format.h>

namespace litemig::detail {

const schema& snapshot_cache::at(std::int64_t version) {
  if (const auto found = schemas_.find(version); found != schemas_.end()) return found->second;
  const auto location = migrations_.locate(snapshot_file_name(version));
  const auto sql = migrations_.snapshot(version);
  if (!sql) {
    throw failure(exit_code::usage,
                  fmt::format("{}: missing: every migration needs the snapshot of the schema it produces", location));
  }
  try {
    return schemas_.emplace(version, inspect_sql(*sql, location)).first->second;
  } catch (const failure&) {
    throw;
  } catch (const std::exception& e) {
    throw failure(exit_code::usage, e.what());
  }
}

std::string one_line(const std::vector<schema_difference>& differences) {
  std::string text = describe(differences);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::string line;
  for (char c : text) line += c == '\n' ? std::string("; ") : std::string(1, c);
  return line;
}

snapshot_match match_snapshots(const schema& live, const migration_set& migrations, snapshot_cache& snapshots) {
  snapshot_match result;
  std::optional<std::size_t> fewest;
  for (std::int64_t version = 1; version <= migrations.latest_version(); ++version) {
    if (!migrations.snapshot(version)) continue;
    auto differences = compare(snapshots.at(version), live);
    if (differences.empty()) {
      result.matches.push_back(version);
    } else if (!fewest || differences.size() <= *fewest) {
      fewest = differences.size();
      result.closest = version;
      result.closest_differences = std::move(differences);
    }
  }
  return result;
}

}  // namespace litemig::detail

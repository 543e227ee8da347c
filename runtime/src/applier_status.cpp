// Questions about a database's migrations (current, history, check) and stamping a version.
#include "adoption.hpp"
#include "applier_internal.hpp"

#include "litemig/health.hpp"
#include "litemig/inspect.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace litemig {

namespace fs = std::filesystem;
using namespace detail;

namespace {

constexpr std::chrono::milliseconds default_busy_timeout{30000};

void require_existing(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error)) throw failure(exit_code::failure, path.string(), "no such database file");
}

sqlite::database open_existing(const fs::path& path, sqlite::open_mode mode) {
  require_existing(path);
  return open_database(path, mode, default_busy_timeout);
}

template <typename Body>
auto reporting_sqlite_errors(const fs::path& path, Body body) {
  try {
    return body();
  } catch (const sqlite::error& e) {
    throw sqlite_failure(e, path.string());
  }
}

}  // namespace

database_status current(const fs::path& path) {
  auto db = open_existing(path, sqlite::open_mode::read_only);
  return reporting_sqlite_errors(path, [&] {
    database_status status;
    status.version = db.user_version();
    status.has_bookkeeping = has_object(db, history_table);
    status.has_alembic_version = has_object(db, "alembic_version");
    status.empty = !has_user_objects(db);
    for (const auto& row : read_history(db)) {
      if (row.version != status.version) continue;
      status.name = row.name;
      status.applied_at = row.applied_at;
    }
    return status;
  });
}

std::vector<history_entry> history(const migration_set& migrations, const std::optional<fs::path>& path) {
  std::vector<history_entry> entries;
  for (const auto& m : migrations.migrations()) {
    entries.push_back({m.version, m.name, {}, std::nullopt, history_entry::state::pending});
  }
  if (!path) return entries;
  auto db = open_existing(*path, sqlite::open_mode::read_only);
  const auto rows = reporting_sqlite_errors(*path, [&] { return read_history(db); });
  for (const auto& row : rows) {
    const auto found =
        std::find_if(entries.begin(), entries.end(), [&](const history_entry& e) { return e.version == row.version; });
    if (found == entries.end()) {
      entries.push_back({row.version, row.name, row.checksum, row.applied_at, history_entry::state::unknown_file});
      continue;
    }
    found->checksum = row.checksum;
    found->applied_at = row.applied_at;
    found->status = row.checksum == migrations.find(row.version)->checksum ? history_entry::state::applied
                                                                          : history_entry::state::checksum_mismatch;
  }
  std::sort(entries.begin(), entries.end(),
            [](const history_entry& a, const history_entry& b) { return a.version < b.version; });
  return entries;
}

std::vector<schema_difference> check(const fs::path& path, const migration_set& migrations, std::int64_t* version_read) {
  auto db = open_existing(path, sqlite::open_mode::read_only);
  return reporting_sqlite_errors(path, [&] {
    const auto version = db.user_version();
    if (version_read != nullptr) *version_read = version;
    refuse_future(db, migrations, version);
    // Unchanged since it was found equal to this very snapshot text: nothing to load or compare.
    if (is_verified_against(db, version, snapshot_digest(migrations, version))) return std::vector<schema_difference>{};
    snapshot_cache snapshots(migrations);
    return examine(db, health_checks::schema_against(snapshots.at(version))).schema;
  });
}

std::int64_t stamp(const fs::path& path, const migration_set& migrations, std::optional<std::int64_t> version,
                   bool allow_checksum_mismatch) {
  if (version && (*version < 0 || *version > migrations.latest_version())) {
    throw failure(exit_code::usage, path.string(),
                  fmt::format("version {} is not a known migration (the newest in {} is {})", *version,
                              migrations.origin(), migrations.latest_version()));
  }
  // Refused before SQLite opens it: a writer's open would already roll back a hot journal.
  require_existing(path);
  sqlite::refuse_non_regular_file(path);
  if (!is_writable(path)) {
    throw failure(exit_code::failure, path.string(),
                  "the file is read-only, so no version can be stamped; nothing was changed");
  }
  auto db = open_existing(path, sqlite::open_mode::read_write);
  return reporting_sqlite_errors(path, [&] {
    std::optional<sqlite::transaction> transaction;
    try {
      transaction.emplace(db, sqlite::transaction_kind::immediate);
    } catch (const sqlite::error& e) {
      throw sqlite_failure(e, path.string());
    }
    // The protections of upgrade: a newer database, a history naming migrations this directory
    // lacks or files edited since they were applied are refused, not overwritten.
    const auto recorded = db.user_version();
    refuse_future(db, migrations, recorded);
    const auto rows = read_history(db);
    const auto newest_row = rows.empty() ? recorded : std::max(recorded, rows.back().version);
    verify_checksums(db, migrations, newest_row, allow_checksum_mismatch, {});
    std::int64_t chosen = version.value_or(0);
    snapshot_cache snapshots(migrations);
    bool matches_snapshot = false;
    if (!version && has_user_objects(db)) {
      const auto match = match_snapshots(inspect(db), migrations, snapshots);
      if (match.matches.empty()) {
        throw unmatched_schema_failure(path.string(), match, migrations, has_object(db, "alembic_version"));
      }
      chosen = match.matches.back();
      matches_snapshot = true;
    }
    record_stamp(db, migrations, chosen);
    // A schema equal to the version's snapshot needs no snapshot loaded by the next upgrade.
    if (!matches_snapshot && chosen > 0 && migrations.snapshot(chosen)) {
      matches_snapshot = compare(snapshots.at(chosen), inspect(db)).empty();
    }
    if (matches_snapshot) record_verified_schema(db, migrations, chosen);
    transaction->commit();
    return chosen;
  });
}

pending_run pending(const fs::path& path, const migration_set& migrations, std::optional<std::int64_t> target, bool up,
                    bool allow_checksum_mismatch) {
  const auto newest = migrations.latest_version();
  const auto goal = target.value_or(newest);
  if (goal < 0 || goal > newest) {
    throw failure(
        exit_code::usage, path.string(),
        fmt::format("version {} is not a known migration (the newest in {} is {})", goal, migrations.origin(), newest));
  }
  pending_run run;
  std::error_code error;
  if (fs::exists(fs::symlink_status(path, error))) {
    auto db = open_existing(path, sqlite::open_mode::read_only);
    reporting_sqlite_errors(path, [&] {
      run.from_version = db.user_version();
      refuse_future(db, migrations, run.from_version);
      run.adopting = !has_object(db, history_table) && has_user_objects(db);
      if (!run.adopting) {
        verify_checksums(db, migrations, run.from_version, allow_checksum_mismatch, {});
        return;
      }
      snapshot_cache snapshots(migrations);
      const auto match = match_snapshots(inspect(db), migrations, snapshots);
      if (match.matches.empty()) {
        throw unmatched_schema_failure(path.string(), match, migrations, has_object(db, "alembic_version"));
      }
      run.from_version = match.matches.back();
    });
  } else if (!up) {
    throw failure(exit_code::failure, path.string(), "no such database file");
  }
  if (up ? goal < run.from_version : goal > run.from_version) {
    throw failure(exit_code::usage, path.string(),
                  fmt::format("the database is at version {}, {} the requested {}; use {}", run.from_version,
                              up ? "past" : "before", goal, up ? "downgrade" : "upgrade"));
  }
  run.to_version = goal;
  for (const auto& m : migrations.migrations()) {
    if (up ? (m.version > run.from_version && m.version <= goal) : (m.version <= run.from_version && m.version > goal)) {
      run.migrations.push_back(&m);
    }
  }
  if (!up) std::reverse(run.migrations.begin(), run.migrations.end());
  return run;
}

}  // namespace litemig

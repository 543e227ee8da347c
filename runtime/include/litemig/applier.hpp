// Stage "apply": bring a database file to a version of a migration set, safely.
#pragma once

#include "litemig/compare.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace litemig {

// Where a migration stands, for a progress display: each statement of a migration and each
// check after it is a step that starts, runs (long ones report while they run) and finishes.
struct progress_event {
  enum class phase { started, running, finished };
  phase when = phase::started;
  std::int64_t version = 0;                  // the migration applied or reverted
  std::string step;                          // "copy the rows of \"t\"", "create index \"i\"", "check foreign keys"
  std::int64_t rows_done = 0;                // rows of the table the step scans, so far
  std::optional<std::int64_t> rows_total;    // that table's rows, when the step copies one
};

struct apply_options {
  std::optional<std::int64_t> target;                 // default: the newest
  bool backup = true;                                 // online backup before changing anything
  std::optional<std::filesystem::path> backup_dir;    // default: next to the database
  bool allow_checksum_mismatch = false;
  std::chrono::milliseconds busy_timeout{30000};
  bool create_if_missing = true;
  // VACUUM after the migrations committed when they left free pages (a rebuild frees the old
  // table's): the file shrinks back, at the cost of rewriting it once.
  bool vacuum = false;
  // Whether the note on the free pages a migration left suggests --vacuum: not where VACUUM cannot
  // run (a dqlite cluster, whose migrations are rehearsed on a copy of it).
  bool suggest_vacuum = true;
  // After a change that wrote a backup, keep only the newest N backups of the database (its own
  // naming scheme only; see remove_old_backups).
  std::optional<std::size_t> keep_backups;
  // Receives human-readable progress lines ("applying 0003_rename ..."); may be empty.
  std::function<void(const std::string&)> log;
  // Hears every step of every migration (see progress_event); may be empty.
  std::function<void(const progress_event&)> progress;
};

struct apply_result {
  std::int64_t from_version = 0;
  std::int64_t to_version = 0;
  std::vector<std::int64_t> applied;                 // in the order applied
  std::optional<std::int64_t> adopted_as;            // set when a database without bookkeeping was adopted
  std::optional<std::filesystem::path> backup;
};

// Cheap launch check: reads only the header's user_version. True when the file exists and is
// at LATEST; never parses the schema or the migrations.
bool is_current(const std::filesystem::path& db, std::int64_t latest);

// Throws litemig::failure (see errors.hpp) with a one-line message; the database is unchanged
// by a failing migration.
apply_result upgrade(const std::filesystem::path& db, const migration_set& migrations, const apply_options& options);

// An application's launch: only the header is read when DB is at LATEST (returns nullopt);
// otherwise LOAD supplies the migrations (e.g. from the embedded files) and DB is upgraded.
std::optional<apply_result> upgrade_if_needed(const std::filesystem::path& db, std::int64_t latest,
                                              const std::function<migration_set()>& load, const apply_options& options);
apply_result downgrade(const std::filesystem::path& db, const migration_set& migrations, std::int64_t target,
                       const apply_options& options);

struct database_status {
  std::int64_t version = 0;          // PRAGMA user_version
  bool has_bookkeeping = false;      // litemig_history exists
  bool has_alembic_version = false;
  bool empty = true;                 // no user objects
  std::optional<std::string> name;        // the history row of VERSION, when recorded
  std::optional<std::string> applied_at;
};
database_status current(const std::filesystem::path& db);

struct history_entry {
  std::int64_t version = 0;
  std::string name;
  std::string checksum;              // recorded when applied ("" when not applied)
  std::optional<std::string> applied_at;
  enum class state { pending, applied, checksum_mismatch, unknown_file } status = state::pending;
};
std::vector<history_entry> history(const migration_set& migrations, const std::optional<std::filesystem::path>& db);

// Differences of the live schema against the snapshot of the database's version. VERSION, when
// given, receives that version (read from the same connection).
std::vector<schema_difference> check(const std::filesystem::path& db, const migration_set& migrations,
                                     std::int64_t* version = nullptr);

// Records VERSION as applied without running anything. With AUTO, finds the snapshot the
// schema matches by meaning and returns its version. Like upgrade, refuses a read-only file, a
// database newer than MIGRATIONS (exit 5) and a history that disagrees with the files (exit 6,
// unless ALLOW_CHECKSUM_MISMATCH).
std::int64_t stamp(const std::filesystem::path& db, const migration_set& migrations, std::optional<std::int64_t> version,
                   bool allow_checksum_mismatch = false);

// What upgrade (UP) or downgrade would run on DB to reach TARGET (default: the newest), read
// without writing: a missing file is at version 0, a database without bookkeeping is at the
// snapshot its schema equals. Refuses what the applier would: a database newer than MIGRATIONS
// (exit 5), a target past the database in the wrong direction (exit 2), an unversioned schema
// matching no snapshot (exit 4), an applied migration whose file changed (exit 6, unless
// ALLOW_CHECKSUM_MISMATCH). The schema is not compared with its snapshot (check does that).
struct pending_run {
  std::int64_t from_version = 0;
  std::int64_t to_version = 0;
  bool adopting = false;                      // the database would first be adopted at FROM_VERSION
  std::vector<const migration*> migrations;   // in the order they would run
};
pending_run pending(const std::filesystem::path& db, const migration_set& migrations, std::optional<std::int64_t> target,
                    bool up, bool allow_checksum_mismatch = false);

// Backup retention: removes the backups upgrade and downgrade wrote of DB in BACKUP_DIR (default:
// beside DB) beyond the newest KEEP. Only regular files named by litemig's backup scheme
// (DB-STEM.20261125T133212Z.v1-v3.sqlite3) are touched. Returns the files removed.
std::vector<std::filesystem::path> remove_old_backups(const std::filesystem::path& db,
                                                      const std::optional<std::filesystem::path>& backup_dir,
                                                      std::size_t keep);

// The digest of DB's schema as stored: type, name, table and SQL of every object inspect reads
// (none that is_bookkeeping names). Equal digests mean the same stored statements, hence the
// same schema by meaning; litemig_verified_schema and a part's -- litemig:schema-digest line
// record it.
std::string schema_digest(sqlite::database& db);

// Name of the table that records applied migrations.
inline constexpr const char* history_table = "litemig_history";

}  // namespace litemig

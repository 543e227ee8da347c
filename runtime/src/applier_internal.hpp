// Pieces of the applier shared by its source files (not installed).
#pragma once

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/errors.hpp"
#include "litemig/health.hpp"
#include "litemig/migration.hpp"
#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litemig::detail {

// A SQLite failure as litemig's one-line failure about WHERE: busy -> exit 7, the rest -> exit 1.
failure sqlite_failure(const sqlite::error& error, std::string_view where);

// Refuses (exit 5) a database whose VERSION is newer than every known migration.
void refuse_future(sqlite::database& db, const migration_set& migrations, std::int64_t version);

// ---- bookkeeping (applier_bookkeeping.cpp)

// Opens PATH with a busy timeout and makes SQLite read its header and schema, so that a file
// that is not a database fails here, with one line naming it. A hot journal left by an
// interrupted write is rolled back when this process may write the file and its folder (even
// for a read-only MODE: that restores the committed content); otherwise it is one line saying so.
sqlite::database open_database(const std::filesystem::path& path, sqlite::open_mode mode,
                               std::chrono::milliseconds busy_timeout);

// Whether PATH has a write permission bit and this process may write it: a file its owner made
// read-only is not written, even by a user (root) whom the system would let write it.
bool is_writable(const std::filesystem::path& path);

struct recorded_migration {
  std::int64_t version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;
};

bool has_object(sqlite::database& db, std::string_view name);
// Whether the database holds tables, views, ... other than SQLite's and litemig's own.
bool has_user_objects(sqlite::database& db);
std::vector<recorded_migration> read_history(sqlite::database& db);
void create_history_table(sqlite::database& db);
void record_applied(sqlite::database& db, const migration& applied);
void record_reverted(sqlite::database& db, std::int64_t version);
// The schema as it stood when VERSION passed its check against the snapshot, as a digest of
// sqlite_schema, beside the SHA-256 of the snapshot's text it was checked against: while both still
// match, the schema cannot have drifted, and the snapshot need not be loaded to prove it.
void record_verified_schema(sqlite::database& db, const migration_set& migrations, std::int64_t version);
void record_verified_schema(sqlite::database& db, std::int64_t version, const std::string& digest,
                            const std::string& snapshot);
// SHA-256 of VERSION's snapshot text ("" when MIGRATIONS has none).
std::string snapshot_digest(const migration_set& migrations, std::int64_t version);
// DIGEST: schema_digest(db), computed once by the caller.
bool is_verified_schema(sqlite::database& db, std::int64_t version, const std::string& digest);
// Whether DB's schema is, digest for digest, the one recorded as checked at VERSION against the
// snapshot whose text has the SHA-256 SNAPSHOT.
bool is_verified_against(sqlite::database& db, std::int64_t version, const std::string& snapshot);
// Makes the history say exactly 1..VERSION are applied and sets user_version.
void record_stamp(sqlite::database& db, const migration_set& migrations, std::int64_t version);
// Refuses (exit 6) when a recorded migration up to VERSION differs from its file.
void verify_checksums(sqlite::database& db, const migration_set& migrations, std::int64_t version,
                      bool allow_mismatch, const std::function<void(const std::string&)>& log);
// "2025-01-28T12:00:00Z"
std::string utc_timestamp();

// Foreign keys off for the life of the guard (set outside any transaction), previous value restored.
class foreign_keys_off {
 public:
  explicit foreign_keys_off(sqlite::database& db);
  foreign_keys_off(const foreign_keys_off&) = delete;
  foreign_keys_off& operator=(const foreign_keys_off&) = delete;
  ~foreign_keys_off();

 private:
  sqlite::database& db_;
  bool was_on_;
};

// ---- snapshots

// Schemas of a migration set's snapshots. Loading one costs a scratch database and a CREATE per
// object, so each text is loaded once per process: a fleet upgrade shares them across databases.
class snapshot_cache {
 public:
  explicit snapshot_cache(const migration_set& migrations) : migrations_(migrations) {}
  // Throws failure(exit_code::usage) when the snapshot is missing or does not load.
  const schema& at(std::int64_t version);
  // VERSION's schema when this process already loaded it, without loading it.
  const schema* if_loaded(std::int64_t version);
  // Whether a schema of this schema_digest was found equal to VERSION's snapshot by this process:
  // the same stored statements inspect to the same schema, so the comparison need not run again.
  bool proven(std::int64_t version, const std::string& digest);
  void remember_proven(std::int64_t version, const std::string& digest);
  // snapshot_digest(VERSION), computed once per process for each snapshot text.
  std::string text_digest(std::int64_t version);
  // DB's schema, whose schema_digest is DIGEST: inspected once per process for each digest.
  const schema& live(sqlite::database& db, const std::string& digest);

 private:
  const migration_set& migrations_;
  std::map<std::int64_t, std::shared_ptr<const schema>> schemas_;
  std::shared_ptr<const schema> live_;
};

struct snapshot_match {
  std::vector<std::int64_t> matches;  // every version whose snapshot equals the schema
  std::int64_t closest = 0;           // otherwise, the snapshot with the fewest differences
  std::vector<schema_difference> closest_differences;
};
// The differences as one line: "table \"t\": column \"x\" is missing; view \"v\": ...".
std::string one_line(const std::vector<schema_difference>& differences);

snapshot_match match_snapshots(const schema& live, const migration_set& migrations, snapshot_cache& snapshots);

// ---- backup (applier_backup.cpp)

// Backup of DB_PATH, whose write lock DB holds, named after the time and both versions.
std::filesystem::path write_backup(sqlite::database& db, const std::filesystem::path& db_path,
                                   const std::optional<std::filesystem::path>& backup_dir, std::int64_t from,
                                   std::int64_t to, std::chrono::milliseconds busy_timeout);

// ---- pre-flight (applier_preflight.cpp)

// What the data of DB (at schema BEFORE) means for a migration part to schema AFTER that does
// what PLAN says (its renames are not drops): the data the new schema's constraints reject.
// Counted only once a part failed, from the savepoint before it, to say why.
std::vector<std::string> preflight(sqlite::database& db, const schema& before, const schema& after, const part_plan& plan);
// The values a part that does what PLAN says drops with its columns and tables, counted before it runs.
std::vector<std::string> dropped_values(sqlite::database& db, const schema& before, const part_plan& plan);
// The plan of a hand-written part, which carries no directives: what BEFORE has and AFTER lacks.
part_plan derived_plan(const schema& before, const schema& after);

// Foreign key violations per (child, parent) pair, for TABLES (all tables when empty).
health_report foreign_key_violations(sqlite::database& db, const std::vector<std::string>& tables);

}  // namespace litemig::detail

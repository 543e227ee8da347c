// litemig's own records in a database: litemig_history, litemig_verified_schema and PRAGMA user_version.
#include "applier_internal.hpp"
#include "litemig/inspect.hpp"
#include "names.hpp"
#include "sha256.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace litemig {

std::string schema_digest(sqlite::database& db) {
  detail::sha256 hasher;
  auto rows = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
  while (rows.step()) {
    if (is_bookkeeping(rows.column_text(1)) || is_bookkeeping(rows.column_text(2))) continue;
    for (int column = 0; column < 4; ++column) {
      hasher.update(rows.column_text(column));
      hasher.update(std::string_view("\x1f", 1));
    }
  }
  return hasher.hex();
}

}  // namespace litemig

namespace litemig::detail {

failure sqlite_failure(const sqlite::error& error, std::string_view where) {
  std::string cause = error.sqlite_message();
  // The statement as one line without the blank lines around it (SQLite hands over the rest of
  // the script from the end of the previous statement).
  const std::string_view whitespace = " \t\r\n";
  const auto& sql = error.sql();
  const auto first = sql.find_first_not_of(whitespace);
  if (first != std::string::npos) {
    const auto length = sql.find_last_not_of(whitespace) + 1 - first;
    std::string statement = sql.substr(first, std::min<std::size_t>(length, 120));
    for (char& c : statement) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    cause += fmt::format(" (in: {}{})", statement, length > 120 ? "..." : "");
  }
  if (error.is_busy()) {
    return failure(exit_code::busy, std::string(where), "the database stayed locked by another connection");
  }
  return failure(exit_code::failure, std::string(where), cause);
}

namespace {

sqlite::database open_validated(const std::filesystem::path& path, sqlite::open_mode mode,
                                std::chrono::milliseconds busy_timeout) {
  sqlite::database db(path, mode);
  db.set_busy_timeout(busy_timeout);
  db.validate();
  return db;
}

bool may_write_file_and_folder(const std::filesystem::path& path) {
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  return is_writable(path) && ::access(folder.c_str(), W_OK) == 0;
}

}  // namespace

bool is_writable(const std::filesystem::path& path) {
  std::error_code error;
  const auto permissions = std::filesystem::status(path, error).permissions();
  const auto write_bits = std::filesystem::perms::owner_write | std::filesystem::perms::group_write |
                          std::filesystem::perms::others_write;
  return !error && (permissions & write_bits) != std::filesystem::perms::none && ::access(path.c_str(), W_OK) == 0;
}

sqlite::database open_database(const std::filesystem::path& path, sqlite::open_mode mode,
                               std::chrono::milliseconds busy_timeout) {
  try {
    try {
      return open_validated(path, mode, busy_timeout);
    } catch (const sqlite::error& e) {
      if (!e.needs_recovery()) throw;
      if (!may_write_file_and_folder(path)) {
        throw failure(exit_code::failure, path.string(),
                      fmt::format("the database needs recovery: an interrupted write left its hot journal {}-journal, "
                                  "which only a process that may write the file and its folder can roll back (any "
                                  "litemig command run with that access does); nothing was read or changed",
                                  path.string()));
      }
      // A writer's first read rolls the journal back to the last committed state: the content a
      // reader sees is the same, so a read-only question may recover the file.
      open_validated(path, sqlite::open_mode::read_write, busy_timeout);
      return open_validated(path, mode, busy_timeout);
    }
  } catch (const sqlite::error& e) {
    if (e.is_not_a_database()) {
      throw failure(exit_code::failure, path.string(),
                    fmt::format("not a usable SQLite database ({})", e.sqlite_message()));
    }
    throw sqlite_failure(e, path.string());
  }
}

void refuse_future(sqlite::database& db, const migration_set& migrations, std::int64_t version) {
  if (version <= migrations.latest_version()) return;
  throw failure(exit_code::future_version, db.path(),
                fmt::format("the database is at version {}, newer than every known migration (newest {} in {}); "
                            "left untouched",
                            version, migrations.latest_version(), migrations.origin()));
}

bool has_object(sqlite::database& db, std::string_view name) {
  auto query = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = ?1");
  query.bind(1, name);
  return query.step();
}

bool has_user_objects(sqlite::database& db) {
  auto rows = db.prepare("SELECT name, tbl_name FROM sqlite_schema");
  while (rows.step()) {
    if (!is_bookkeeping(rows.column_text(0)) && !is_bookkeeping(rows.column_text(1))) return true;
  }
  return false;
}

std::vector<recorded_migration> read_history(sqlite::database& db) {
  std::vector<recorded_migration> rows;
  if (!has_object(db, history_table)) return rows;
  auto query = db.prepare(
      fmt::format("SELECT version, name, checksum, applied_at FROM {} ORDER BY version", history_table));
  while (query.step()) {
    rows.push_back({query.column_int(0), query.column_text(1), query.column_text(2), query.column_text(3)});
  }
  return rows;
}

void create_history_table(sqlite::database& db) {
  db.execute(fmt::format(
      "CREATE TABLE IF NOT EXISTS {}(version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
      "applied_at TEXT NOT NULL)",
      history_table));
}

void record_applied(sqlite::database& db, const migration& applied) {
  auto insert = db.prepare(fmt::format(
      "INSERT OR REPLACE INTO {}(version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)", history_table));
  insert.bind(1, applied.version).bind(2, applied.name).bind(3, applied.checksum).bind(4, utc_timestamp());
  insert.step();
  db.set_user_version(applied.version);
}

void record_reverted(sqlite::database& db, std::int64_t version) {
  auto remove = db.prepare(fmt::format("DELETE FROM {} WHERE version = ?1", history_table));
  remove.bind(1, version);
  remove.step();
  db.set_user_version(version - 1);
}

namespace {

constexpr const char* verified_schema_table = "litemig_verified_schema";

// Tables written before the snapshot's digest was recorded lack its column: it is added.
void create_verified_schema_table(sqlite::database& db) {
  if (!has_object(db, verified_schema_table)) {
    db.execute(fmt::format("CREATE TABLE {}(version INTEGER NOT NULL, digest TEXT NOT NULL, snapshot TEXT)",
                           verified_schema_table));
    return;
  }
  try {
    db.prepare(fmt::format("SELECT snapshot FROM {}", verified_schema_table));
  } catch (const sqlite::error&) {
    db.execute(fmt::format("ALTER TABLE {} ADD COLUMN snapshot TEXT", verified_schema_table));
  }
}

}  // namespace

std::string snapshot_digest(const migration_set& migrations, std::int64_t version) {
  return migrations.snapshot_checksum(version);
}

void record_verified_schema(sqlite::database& db, const migration_set& migrations, std::int64_t version) {
  record_verified_schema(db, version, schema_digest(db), snapshot_digest(migrations, version));
}

void record_verified_schema(sqlite::database& db, std::int64_t version, const std::string& digest,
                            const std::string& snapshot) {
  create_verified_schema_table(db);
  db.execute(fmt::format("DELETE FROM {}", verified_schema_table));
  auto insert =
      db.prepare(fmt::format("INSERT INTO {}(version, digest, snapshot) VALUES (?1, ?2, ?3)", verified_schema_table));
  insert.bind(1, version).bind(2, digest).bind(3, snapshot);
  insert.step();
}

bool is_verified_schema(sqlite::database& db, std::int64_t version, const std::string& digest) {
  if (!has_object(db, verified_schema_table)) return false;
  auto query = db.prepare(fmt::format("SELECT digest FROM {} WHERE version = ?1", verified_schema_table));
  query.bind(1, version);
  return query.step() && query.column_text(0) == digest;
}

bool is_verified_against(sqlite::database& db, std::int64_t version, const std::string& snapshot) {
  if (snapshot.empty() || !has_object(db, verified_schema_table)) return false;
  try {
    auto query = db.prepare(fmt::format("SELECT digest, snapshot FROM {} WHERE version = ?1", verified_schema_table));
    query.bind(1, version);
    return query.step() && query.column_optional_text(1) == snapshot && query.column_text(0) == schema_digest(db);
  } catch (const sqlite::error&) {
    return false;  // the table of an older litemig: no snapshot recorded
  }
}

void record_stamp(sqlite::database& db, const migration_set& migrations, std::int64_t version) {
  create_history_table(db);
  auto remove = db.prepare(fmt::format("DELETE FROM {} WHERE version > ?1", history_table));
  remove.bind(1, version);
  remove.step();
  auto insert = db.prepare(fmt::format(
      "INSERT OR IGNORE INTO {}(version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)", history_table));
  const auto now = utc_timestamp();
  for (const auto& m : migrations.migrations()) {
    if (m.version > version) break;
    insert.bind(1, m.version).bind(2, m.name).bind(3, m.checksum).bind(4, now);
    insert.step();
    insert.reset();
  }
  db.set_user_version(version);
}

void verify_checksums(sqlite::database& db, const migration_set& migrations, std::int64_t version,
                      bool allow_mismatch, const std::function<void(const std::string&)>& log) {
  for (const auto& row : read_history(db)) {
    const migration* file = migrations.find(row.version);
    if (row.version > version) {
      throw failure(exit_code::checksum_mismatch, db.path(),
                    fmt::format("records migration {:04} ({}) beyond its version {}; the history does not match the "
                                "database; nothing was changed",
                                row.version, row.name, version));
    }
    if (file == nullptr) {
      throw failure(exit_code::checksum_mismatch, db.path(),
                    fmt::format("records migration {:04} ({}), which {} does not have; nothing was changed",
                                row.version, row.name, migrations.origin()));
    }
    if (file->checksum == row.checksum) continue;
    const auto message =
        fmt::format("{}: checksum mismatch: the file changed after it was applied to {} on {} (recorded {}, now {})",
                    migrations.locate(file->file_name), db.path(), row.applied_at, row.checksum.substr(0, 12),
                    file->checksum.substr(0, 12));
    if (!allow_mismatch) throw failure(exit_code::checksum_mismatch, message);
    if (log) log(message + "; allowed");
  }
}

std::string utc_timestamp() { return format_utc_now("%Y-%m-%dT%H:%M:%SZ"); }

foreign_keys_off::foreign_keys_off(sqlite::database& db)
    : db_(db), was_on_(db.query_int("PRAGMA foreign_keys").value_or(0) != 0) {
  if (was_on_) db_.execute("PRAGMA foreign_keys = OFF");
}

foreign_keys_off::~foreign_keys_off() {
  if (!was_on_) return;
  try {
    db_.execute("PRAGMA foreign_keys = ON");
  } catch (const sqlite::error&) {
    // The connection is closing after a failure; the setting dies with it.
  }
}

}  // namespace litemig::detail

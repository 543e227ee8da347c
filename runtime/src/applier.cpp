// Upgrade and downgrade: every pending migration runs under one write lock, in one
// transaction, each checked before the next, so that a crash at any moment leaves the
// database as it was or fully migrated, and concurrent launches migrate exactly once.
#include "adoption.hpp"
#include "applier_internal.hpp"
#include "names.hpp"

#include "litemig/inspect.hpp"
#include "litemig/quantities.hpp"
#include "litemig/sql_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <set>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

namespace litemig {

namespace fs = std::filesystem;
using namespace detail;

namespace {

enum class direction { up, down };

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : "; ") + item;
  return text;
}

// A statement of a migration as a step people recognise.
std::string describe_step(const sqlite::statement_activity& a) {
  using kind = sqlite::statement_activity::kind;
  const auto name = sqlite::quote_identifier(a.target);
  switch (a.what) {
    case kind::insert:
      return a.source.empty() ? fmt::format("insert into {}", name)
                              : fmt::format("copy the rows of {} into {}", sqlite::quote_identifier(a.source), name);
    case kind::update: return fmt::format("update {}", name);
    case kind::delete_rows: return fmt::format("delete from {}", name);
    case kind::create_table: return fmt::format("create table {}", name);
    case kind::create_index: return fmt::format("create index {}", name);
    case kind::create_view: return fmt::format("create view {}", name);
    case kind::create_trigger: return fmt::format("create trigger {}", name);
    case kind::drop: return fmt::format("drop {}", name);
    case kind::alter_table: return fmt::format("alter table {}", name);
    case kind::analyze: return fmt::format("analyze {}", name);
    case kind::other: break;
  }
  return "run a statement";
}

// One savepoint per migration inside the run's single transaction: a failed part is undone to
// where it started, so that its pre-flight counts the data as it was, and the run still commits or
// rolls back as one. Migration files cannot name it: SAVEPOINT and RELEASE are refused in them.
class migration_savepoint {
 public:
  explicit migration_savepoint(sqlite::database& db) : db_(db) { db_.execute("SAVEPOINT litemig_migration"); }
  migration_savepoint(const migration_savepoint&) = delete;
  migration_savepoint& operator=(const migration_savepoint&) = delete;
  ~migration_savepoint() = default;  // unreleased: the transaction's rollback takes it

  // Undoes the part; false when SQLite already rolled back the whole transaction (a full disk).
  bool roll_back() {
    if (!db_.in_transaction()) return false;
    try {
      db_.execute("ROLLBACK TO litemig_migration");
      return true;
    } catch (const sqlite::error&) {
      return false;
    }
  }

  void release() { db_.execute("RELEASE litemig_migration"); }

 private:
  sqlite::database& db_;
};

class migrator {
 public:
  // PATH is the file DB has open; SHOWN is the name messages give it (a new database is built
  // under a private name and shown under the one it will have).
  migrator(sqlite::database& db, const fs::path& path, std::string shown, const migration_set& migrations,
           const apply_options& options, direction way, std::int64_t target, bool created)
      : db_(db), path_(path), shown_(std::move(shown)), migrations_(migrations), options_(options), way_(way),
        target_(target), created_(created), snapshots_(migrations) {}

  apply_result run() {
    try {
      step();
    } catch (...) {
      discard_unused_backup();
      throw;
    }
    handle_free_space();
    // After the commit: a refused attempt, whose backup is discarded, never thins out older ones.
    if (result_.backup && options_.keep_backups) {
      for (const auto& old : remove_old_backups(path_, options_.backup_dir, *options_.keep_backups)) {
        log(fmt::format("removed the old backup {}", old.string()));
      }
    }
    return result_;
  }

 private:
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  std::string where() const { return shown_; }

  // A backup of an attempt that committed nothing is a copy of a database that is still as it was:
  // a refused launch in a restart loop must not fill the disk with them.
  void discard_unused_backup() {
    if (!result_.backup || committed_) return;
    std::error_code error;
    if (fs::remove(*result_.backup, error)) {
      log(fmt::format("removed the backup {}: nothing was changed", result_.backup->string()));
    }
    result_.backup.reset();
  }

  bool pending(std::int64_t version) const { return way_ == direction::up ? version < target_ : version > target_; }

  // One write transaction: it validates and adopts, then applies every pending migration, each
  // checked on its own (foreign keys, schema against its snapshot) before the next starts.
  void step() {
    foreign_keys_off foreign_keys(db_);
    std::optional<sqlite::transaction> transaction;
    try {
      transaction.emplace(db_, sqlite::transaction_kind::immediate);
    } catch (const sqlite::error& e) {
      if (!e.is_busy()) throw sqlite_failure(e, where());
      throw failure(exit_code::busy, where(),
                    fmt::format("still locked by another connection after {} ms; nothing was changed",
                                options_.busy_timeout.count()));
    }
    std::int64_t version = db_.user_version();
    free_pages_before_ = db_.query_int("PRAGMA freelist_count").value_or(0);
    if (!started_) {
      result_.from_version = version;
      result_.to_version = version;
      started_ = true;
    }
    refuse_future(db_, migrations_, version);
    if (!validated_) {
      const bool adopting = !has_object(db_, history_table) && has_user_objects(db_);
      if (adopting || pending(version)) protect_before_change(version);
      const bool changed = validate_under_lock(version, adopting);
      validated_ = true;
      version = db_.user_version();
      result_.to_version = version;
      if (!pending(version)) {
        if (changed) commit(*transaction);
        return;
      }
    } else if (!pending(version)) {
      return;
    }
    // Every pending migration runs under this one lock: a launch that waited for it finds the
    // database current, never half-way, and only the process that migrates writes a backup.
    std::vector<std::int64_t> applied;
    while (pending(version)) {
      const std::int64_t next = way_ == direction::up ? version + 1 : version - 1;
      const migration& m = *migrations_.find(way_ == direction::up ? next : version);
      apply(m, version, next);
      applied.push_back(m.version);
      version = next;
    }
    // Each migration's result was checked against its snapshot: the last one is what stays.
    record_verified_schema(db_, version, verified_digest_, snapshots_.text_digest(version));
    commit(*transaction);
    result_.applied.insert(result_.applied.end(), applied.begin(), applied.end());
    result_.to_version = version;
  }

  void commit(sqlite::transaction& transaction) {
    transaction.commit();
    committed_ = true;
  }

  // Health check and backup, before the first change and under the write lock.
  void protect_before_change(std::int64_t version) {
    refuse_truncated();
    // A full quick_check reads every page: worth it on small files, too slow on large ones,
    // where a damaged page still fails its migration, which then rolls back.
    std::error_code error;
    if (fs::file_size(path_, error) <= quick_check_limit && !error) {
      auto check = db_.prepare("PRAGMA quick_check");
      if (check.step() && check.column_text(0) != "ok") {
        throw failure(exit_code::failure, where(),
                      fmt::format("the database is damaged ({}); nothing was changed", check.column_text(0)));
      }
    }
    if (!options_.backup || created_) return;
    result_.backup = write_backup(db_, path_, options_.backup_dir, version, target_, options_.busy_timeout);
    log(fmt::format("backup written to {}", result_.backup->string()));
  }

  void report(progress_event event) const {
    if (options_.progress) options_.progress(event);
  }

  // Runs WORK as the step STEP of migration VERSION, announced before and after.
  template <typename work_type>
  auto announced(std::int64_t version, std::string step, const work_type& work) {
    report({progress_event::phase::started, version, step, 0, std::nullopt});
    auto outcome = work();
    report({progress_event::phase::finished, version, std::move(step), 0, std::nullopt});
    return outcome;
  }

  // Follows each statement of a migration as SQLite describes it; empty without a listener.
  std::function<void(const sqlite::statement_activity&)> observer(std::int64_t version) {
    if (!options_.progress) return {};
    return [this, version, total = std::optional<std::int64_t>()](const sqlite::statement_activity& a) mutable {
      using phase = sqlite::statement_activity::phase;
      const bool copies = a.what == sqlite::statement_activity::kind::insert && !a.source.empty();
      if (a.when == phase::started) total = copies ? rows_in(a.source) : std::nullopt;
      report({a.when == phase::started    ? progress_event::phase::started
              : a.when == phase::running ? progress_event::phase::running
                                         : progress_event::phase::finished,
              version, describe_step(a), copies ? a.rows_scanned : 0, total});
    };
  }

  // About the rows of TABLE, cheaply: the planner's estimate where ANALYZE left one, else the
  // largest rowid (one b-tree descent), else a count.
  std::optional<std::int64_t> rows_in(const std::string& table) {
    const auto quoted = sqlite::quote_identifier(table);
    const auto first_of = [&](const std::string& sql) -> std::optional<std::int64_t> {
      try {
        return db_.query_int(sql);
      } catch (const sqlite::error&) {
        return std::nullopt;
      }
    };
    if (has_object(db_, "sqlite_stat1")) {
      if (auto estimate = first_of(fmt::format("SELECT max(CAST(stat AS INTEGER)) FROM sqlite_stat1 WHERE tbl = {}",
                                               sqlite::quote_literal(table)))) {
        return estimate;
      }
    }
    if (auto largest = first_of("SELECT max(rowid) FROM " + quoted)) return largest;
    return first_of("SELECT count(*) FROM " + quoted);
  }

  // Tables that have planner statistics now. A rebuild (DROP TABLE) deletes a table's rows of
  // sqlite_stat1; the planner would then guess.
  std::set<std::string> tables_with_statistics() {
    std::set<std::string> tables;
    if (!has_object(db_, "sqlite_stat1")) return tables;
    auto rows = db_.prepare("SELECT DISTINCT tbl FROM sqlite_stat1");
    while (rows.step()) tables.insert(rows.column_text(0));
    return tables;
  }

  // A sampled ANALYZE (analysis_limit) brings back the statistics of the tables among HAD that
  // still exist but lost them, at a small fraction of a full one.
  void restore_statistics(const std::set<std::string>& had, std::int64_t version) {
    const auto has = tables_with_statistics();
    std::vector<std::string> lost;
    for (const auto& t : had) {
      if (!has.contains(t) && has_object(db_, t)) lost.push_back(t);
    }
    if (lost.empty()) return;
    db_.execute("PRAGMA analysis_limit = 1000");
    for (const auto& t : lost) {
      announced(version, fmt::format("restore the statistics of {}", sqlite::quote_identifier(t)),
                [&] { return (db_.execute("ANALYZE " + sqlite::quote_identifier(t)), 0); });
    }
    db_.execute("PRAGMA analysis_limit = 0");
  }

  // Rebuilds leave the old pages free inside the file: say how much, and reclaim it when asked.
  void handle_free_space() {
    if (result_.applied.empty()) return;
    const auto page_size = db_.query_int("PRAGMA page_size").value_or(0);
    const auto bytes = [&](std::int64_t pages) { return describe_bytes(static_cast<double>(pages * page_size)); };
    const auto free_pages = db_.query_int("PRAGMA freelist_count").value_or(0);
    // Only the pages the migrations freed: those free before are not theirs to report.
    const auto freed = free_pages - free_pages_before_;
    if (freed <= 0) return;
    if (!options_.vacuum) {
      log(fmt::format("{} of free pages left by the migration{}", bytes(freed),
                      options_.suggest_vacuum ? "; --vacuum (or VACUUM) reclaims them" : ""));
      return;
    }
    try {
      db_.vacuum();
    } catch (const sqlite::error& e) {
      throw failure(e.is_busy() ? exit_code::busy : exit_code::failure,
                    fmt::format("{}: migrated to version {}, but VACUUM failed ({}); the {} of free pages remain",
                                where(), result_.to_version, e.sqlite_message(), bytes(freed)));
    }
    log(fmt::format("VACUUM reclaimed {}", bytes(free_pages - db_.query_int("PRAGMA freelist_count").value_or(0))));
  }

  // The header's page count against the file's size: a cut-off copy is refused untouched.
  void refuse_truncated() {
    if (db_.query_text("PRAGMA journal_mode").value_or("") == "wal") return;  // pages may live in the WAL
    const auto pages = db_.query_int("PRAGMA page_count").value_or(0);
    const auto page_size = db_.query_int("PRAGMA page_size").value_or(0);
    std::error_code error;
    const auto size = fs::file_size(path_, error);
    if (!error && size > 0 && static_cast<std::uintmax_t>(pages * page_size) > size) {  // 0 bytes: a new database
      throw failure(exit_code::failure, where(),
                    fmt::format("the file is truncated ({} bytes, its header says {}); nothing was changed", size,
                                pages * page_size));
    }
  }

  static constexpr std::uintmax_t quick_check_limit = 64 * 1024 * 1024;

  // Adoption, checksums and drift; true when it changed the database.
  bool validate_under_lock(std::int64_t version, bool adopting) {
    if (adopting) {
      adopt();
      return true;
    }
    if (way_ == direction::up && version > target_) {
      throw failure(
          exit_code::usage, where(),
          fmt::format("the database is at version {}, past the requested {}; use downgrade", version, target_));
    }
    if (way_ == direction::down && version < target_) {
      throw failure(
          exit_code::usage, where(),
          fmt::format("the database is at version {}, before the requested {}; use upgrade", version, target_));
    }
    verify_checksums(db_, migrations_, version, options_.allow_checksum_mismatch, options_.log);
    if (!pending(version)) return false;
    return repair_drift(version);
  }

  void adopt() {
    const bool alembic = has_object(db_, "alembic_version");
    const auto match = match_snapshots(inspect(db_), migrations_, snapshots_);
    if (match.matches.empty()) throw unmatched_schema_failure(where(), match, migrations_, alembic);
    const std::int64_t version = match.matches.back();
    record_stamp(db_, migrations_, version);
    record_verified_schema(db_, migrations_, version);
    result_.adopted_as = version;
    log(fmt::format("adopted as {} (its schema equals {})", version, migrations_.locate(snapshot_file_name(version))));
  }

  // Tables changed outside migrations are refused; views and triggers hold no data and are recreated.
  bool repair_drift(std::int64_t version) {
    const auto digest = schema_digest(db_);
    if (is_verified_schema(db_, version, digest) || snapshots_.proven(version, digest)) {
      verified_version_ = version;
      verified_digest_ = digest;
      return false;
    }
    const schema& expected = snapshots_.at(version);
    const auto differences = compare(expected, inspect(db_));
    if (differences.empty()) {
      snapshots_.remember_proven(version, digest);
      verified_version_ = version;
      verified_digest_ = digest;
      return false;
    }
    std::vector<schema_difference> refused;
    std::copy_if(differences.begin(), differences.end(), std::back_inserter(refused),
                 [](const schema_difference& d) { return !d.is_recreated_from_snapshot(); });
    if (!refused.empty()) {
      throw failure(exit_code::schema_mismatch, where(),
                    fmt::format("the schema was changed outside migrations (compared with {}): {}",
                                migrations_.locate(snapshot_file_name(version)), one_line(refused)));
    }
    std::set<std::string> views;
    std::set<std::string> triggers;
    for (const auto& d : differences) {
      (d.kind == schema_difference::object_kind::view ? views : triggers).insert(lower_ascii(d.name));
    }
    // Dropping a view drops its INSTEAD OF triggers, which then come back from the snapshot too.
    for (const auto& t : expected.triggers) {
      if (views.contains(lower_ascii(t.table))) triggers.insert(lower_ascii(t.name));
    }
    for (const auto& name : triggers) db_.execute("DROP TRIGGER IF EXISTS " + sqlite::quote_identifier(name));
    for (const auto& name : views) db_.execute("DROP VIEW IF EXISTS " + sqlite::quote_identifier(name));
    for (const auto& v : expected.views) {
      if (views.contains(lower_ascii(v.name))) db_.execute(v.sql);
    }
    for (const auto& t : expected.triggers) {
      if (triggers.contains(lower_ascii(t.name))) db_.execute(t.sql);
    }
    log(fmt::format("recreated drifted views and triggers from {}: {}", migrations_.locate(snapshot_file_name(version)),
                    one_line(differences)));
    return true;
  }

  // The schema at FROM, for a pre-flight: the snapshot when this process loaded it, else the live
  // schema when it is proven unchanged since its check (inspected before the part or back at its
  // savepoint), else the snapshot loaded.
  const schema& schema_before(std::int64_t from) {
    if (const schema* loaded = snapshots_.if_loaded(from)) return *loaded;
    return from == verified_version_ ? snapshots_.live(db_, verified_digest_) : snapshots_.at(from);
  }

  // Whether the generator's self-check proved that a result of schema digest DIGEST equals TO's
  // snapshot, this very text of it.
  bool proven_by_generator(const migration_part& part, std::int64_t to, const std::string& digest) {
    return part.verified && part.verified->schema == digest && part.verified->snapshot == snapshots_.text_digest(to);
  }

  // A part failed: back at its savepoint the data is as it was before, and the pre-flight says what
  // in it the new schema rejects ("" when nothing: the failure is then SQLite's to tell).
  std::string refused_data(migration_savepoint& savepoint, const part_plan& plan, std::int64_t from, std::int64_t to) {
    if (!savepoint.roll_back()) return {};
    try {
      const schema& after = snapshots_.at(to);
      return joined(preflight(db_, schema_before(from), after, plan));
    } catch (const std::exception&) {
      return {};  // a snapshot that does not load or a count that fails: the part's own error stays the cause
    }
  }

  void apply(const migration& m, std::int64_t from, std::int64_t to) {
    const migration_part& part = way_ == direction::up ? m.up : m.down;
    const std::string context = fmt::format("{}: {}", where(), m.file_name);
    log(fmt::format("{} {} ({} -> {})", way_ == direction::up ? "applying" : "reverting", m.file_name, from, to));

    // A hand-written part carries no plan: what it drops is derived from the snapshots.
    const part_plan plan = part.plan.declared ? part.plan : derived_plan(schema_before(from), snapshots_.at(to));
    if (!plan.dropped_tables.empty() || !plan.dropped_columns.empty()) {
      for (const auto& note : dropped_values(db_, schema_before(from), plan)) log(fmt::format("{}: {}", m.file_name, note));
    }
    // A directive naming no table: the generator proved the part cannot break a foreign key.
    const bool check_keys = !part.foreign_key_check_declared || !part.foreign_key_check_tables.empty();
    const auto violations_before =
        check_keys ? foreign_key_violations(db_, part.foreign_key_check_tables) : health_report{};

    const auto had_statistics = tables_with_statistics();
    migration_savepoint savepoint(db_);
    try {
      db_.execute_in_transaction(part.sql, observer(m.version));
      restore_statistics(had_statistics, m.version);
    } catch (const sqlite::error& e) {
      const auto refusals = refused_data(savepoint, plan, from, to);
      if (!refusals.empty()) {
        throw failure(exit_code::preflight, context,
                      fmt::format("pre-flight refused the data: {} (SQLite: {}); nothing was changed", refusals,
                                  e.sqlite_message()));
      }
      throw sqlite_failure(e, context);
    }

    std::vector<std::string> new_violations;
    const auto violations_after =
        check_keys ? announced(m.version, "check foreign keys",
                               [&] { return foreign_key_violations(db_, part.foreign_key_check_tables); })
                   : health_report{};
    for (const auto& d : violations_after.dangling_beyond(violations_before)) {
      new_violations.push_back(fmt::format("table {}: {} without a parent", d.pair(),
                                           count_of(d.rows - violations_before.dangling_rows_of(d), "row")));
    }
    std::sort(new_violations.begin(), new_violations.end());
    if (!new_violations.empty()) {
      const auto refusals = refused_data(savepoint, plan, from, to);
      throw failure(exit_code::preflight, context,
                    fmt::format("foreign key check failed: {}; nothing was changed",
                                refusals.empty() ? joined(new_violations) : refusals));
    }

    // The stored statements the generator's self-check left, or those of a schema this process
    // already found equal to the snapshot: the same schema, no snapshot to load.
    const auto digest = schema_digest(db_);
    if (!proven_by_generator(part, to, digest) && !snapshots_.proven(to, digest)) {
      const auto differences = announced(m.version, fmt::format("compare the schema with snapshot {}", to),
                                         [&] { return compare(snapshots_.at(to), inspect(db_)); });
      if (!differences.empty()) {
        throw failure(exit_code::schema_mismatch, context,
                      fmt::format("the schema after the migration differs from {}: {}; rolled back",
                                  migrations_.locate(snapshot_file_name(to)), one_line(differences)));
      }
      snapshots_.remember_proven(to, digest);
    }
    // The next migration starts from this schema, just proven equal to TO's snapshot.
    verified_version_ = to;
    verified_digest_ = digest;
    if (way_ == direction::up) {
      create_history_table(db_);
      record_applied(db_, m);
    } else {
      record_reverted(db_, m.version);
    }
    savepoint.release();
  }

  sqlite::database& db_;
  const fs::path& path_;
  const std::string shown_;
  const migration_set& migrations_;
  const apply_options& options_;
  direction way_;
  std::int64_t target_;
  bool created_;
  snapshot_cache snapshots_;
  apply_result result_;
  bool started_ = false;
  bool validated_ = false;
  bool committed_ = false;
  std::int64_t free_pages_before_ = 0;
  std::optional<std::int64_t> verified_version_;  // its schema proven unchanged since its check
  std::string verified_digest_;                    // and the schema_digest it has
};

// A file without write permission is refused before any lock, even for a user (root) whom the
// system would let write it: its owner made it read-only on purpose.
void refuse_read_only(const fs::path& path, bool existed) {
  if (!existed || is_writable(path)) return;
  throw failure(exit_code::failure, path.string(),
                "the file is read-only, so pending migrations cannot be applied; nothing was changed");
}

// After a failed write (a full disk, an I/O error) SQLite may leave a hot journal beside the
// file: a fresh connection that reads rolls it back, so the file is byte for byte as before.
void roll_back_hot_journal(const fs::path& path) {
  std::error_code error;
  auto journal = path;
  journal += "-journal";
  if (!fs::exists(journal, error)) return;
  try {
    sqlite::database fresh(path, sqlite::open_mode::read_write);
    fresh.validate();
  } catch (const sqlite::error&) {
    // The next read-write open will roll it back; the failure being reported stays the cause.
  }
}

// Migrates the existing database PATH (opened as OPENED, a new file when CREATED).
apply_result migrate_file(const fs::path& path, const std::string& shown, const migration_set& migrations,
                          std::int64_t target, const apply_options& options, direction way, bool created) {
  try {
    auto db = open_database(path, sqlite::open_mode::read_write, options.busy_timeout);
    try {
      // Nothing to do: the version plus the checksum comparison, no lock and no schema comparison.
      const auto version = db.user_version();
      refuse_future(db, migrations, version);
      if (version == target && has_object(db, history_table)) {
        verify_checksums(db, migrations, version, options.allow_checksum_mismatch, options.log);
        return apply_result{version, version, {}, std::nullopt, std::nullopt};
      }
      refuse_read_only(path, !created);
      // Freed pages are zeroed only where that costs no extra I/O: a rebuild's DROP TABLE would
      // otherwise rewrite and journal every page of the old table.
      db.execute("PRAGMA secure_delete = FAST");
      return migrator(db, path, shown, migrations, options, way, target, created).run();
    } catch (const sqlite::error& e) {
      throw sqlite_failure(e, shown);
    }
  } catch (...) {
    if (!created) roll_back_hot_journal(path);
    throw;
  }
}

// A missing database is built under a private name in its folder and linked into place only once
// complete: concurrent launches see no file or a whole database, and no launch ever deletes a file
// that another one may be migrating. Nullopt when another process created PATH meanwhile.
std::optional<apply_result> create_database(const fs::path& path, const migration_set& migrations, std::int64_t target,
                                            const apply_options& options) {
  const auto folder = fs::absolute(path).parent_path();
  const auto prefix = path.filename().string() + ".litemig-new-";
  // 0666: the umask decides, as for any database SQLite creates.
  new_file building(folder, prefix, 0666);
  const auto journal = fs::path(building.path().string() + "-journal");
  try {
    auto result = migrate_file(building.path(), path.string(), migrations, target, options, direction::up, true);
    if (!building.publish_if_absent(folder / path.filename())) return std::nullopt;
    return result;
  } catch (...) {
    std::error_code ignored;
    fs::remove(journal, ignored);
    throw;
  }
}

apply_result migrate(const fs::path& path, const migration_set& migrations, std::int64_t target,
                     const apply_options& options, direction way) {
  if (path.empty()) throw failure(exit_code::usage, "the database file name is empty");
  if (target < 0 || target > migrations.latest_version()) {
    throw failure(exit_code::usage, path.string(),
                  fmt::format("version {} is not a known migration (the newest in {} is {})", target,
                              migrations.origin(), migrations.latest_version()));
  }
  std::error_code error;
  if (!fs::exists(fs::symlink_status(path, error))) {
    if (way == direction::down || !options.create_if_missing) {
      throw failure(exit_code::failure, path.string(), "no such database file");
    }
    if (auto created = create_database(path, migrations, target, options)) return *created;
  }
  return migrate_file(path, path.string(), migrations, target, options, way, false);
}

}  // namespace

bool is_current(const fs::path& db, std::int64_t latest) {
  // Reading a FIFO would wait forever: such a path is for the full open to refuse in one line.
  struct stat status {};
  if (::stat(db.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) return false;
  std::array<unsigned char, 100> header{};
  {
    std::ifstream in(db, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(header.data()), header.size())) return false;
  }
  if (std::memcmp(header.data(), "SQLite format 3", 16) != 0) return false;
  const bool wal = header[18] == 2 || header[19] == 2;
  auto journal = db;
  journal += "-journal";
  std::error_code error;
  if (!wal && !fs::exists(journal, error)) {
    const std::int64_t version = (std::int64_t{header[60]} << 24) | (std::int64_t{header[61]} << 16) |
                                 (std::int64_t{header[62]} << 8) | std::int64_t{header[63]};
    return version == latest;
  }
  // In WAL mode, or with a journal that may need rolling back, only SQLite knows the committed value.
  try {
    sqlite::database connection(db, sqlite::open_mode::read_only);
    return connection.user_version() == latest;
  } catch (const sqlite::error&) {
    return false;
  }
}

apply_result upgrade(const fs::path& db, const migration_set& migrations, const apply_options& options) {
  return migrate(db, migrations, options.target.value_or(migrations.latest_version()), options, direction::up);
}

apply_result downgrade(const fs::path& db, const migration_set& migrations, std::int64_t target,
                       const apply_options& options) {
  return migrate(db, migrations, target, options, direction::down);
}

std::optional<apply_result> upgrade_if_needed(const fs::path& db, std::int64_t latest,
                                              const std::function<migration_set()>& load, const apply_options& options) {
  if (is_current(db, latest)) return std::nullopt;
  return upgrade(db, load(), options);
}

}  // namespace litemig

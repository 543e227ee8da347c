#include "litemig/sqlite.hpp"

#include "litemig/errors.hpp"

#include "file_kind.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cerrno>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace litemig::sqlite {

namespace {

std::string describe(int code, std::string_view message, std::string_view sql, std::string_view file) {
  std::string text = file.empty() ? std::string{} : fmt::format("{}: ", file);
  text += fmt::format("{} (SQLite code {})", message, code);
  if (!sql.empty()) {
    std::string one_line(sql.substr(0, 200));
    for (char& c : one_line) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    text += fmt::format(" in: {}{}", one_line, sql.size() > 200 ? "..." : "");
  }
  return text;
}

// The recorder in force on this thread, innermost first (see write_recorder).
thread_local write_recorder* active_recorder = nullptr;

bool same_file(const std::string& a, const std::string& b) {
  struct stat first {};
  struct stat second {};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 && first.st_dev == second.st_dev &&
         first.st_ino == second.st_ino;
}

int progress_trampoline(void* context) {
  auto* handler = static_cast<std::function<bool()>*>(context);
  return (*handler)() ? 1 : 0;
}

// The descriptor SQLite already has open on PATH, found by its device and inode. Only read from,
// never closed: closing any descriptor on the file would drop this process's POSIX locks on it.
std::optional<int> open_descriptor_of(const std::string& path) {
  struct stat wanted {};
  if (::stat(path.c_str(), &wanted) != 0) return std::nullopt;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    int fd = -1;
    const auto name = entry.path().filename().string();
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
    struct stat found {};
    if (::fstat(fd, &found) == 0 && S_ISREG(found.st_mode) && found.st_dev == wanted.st_dev &&
        found.st_ino == wanted.st_ino) {
      return fd;
    }
  }
  return std::nullopt;
}

// copy_file_range(2) of the first SIZE bytes of PATH: the kernel copies without a round trip
// through this process. Returns how many bytes it copied (0 where it cannot).
std::int64_t copy_in_kernel(const std::string& path, int destination_fd, std::int64_t size) {
  const auto source_fd = open_descriptor_of(path);
  if (!source_fd) return 0;
  loff_t in = 0;
  loff_t out = 0;
  while (in < size) {
    const auto n = ::copy_file_range(*source_fd, &in, destination_fd, &out, static_cast<std::size_t>(size - in), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  return in;
}

// PATH as a name SQLite takes literally: a relative path gets "./" in front, so that a file named
// "file:x.db" (which Debian's SQLite, built with SQLITE_USE_URI, reads as a URI even without
// SQLITE_OPEN_URI) or ":memory:" is that file.
std::string literal_file_name(const std::filesystem::path& path) {
  if (path.is_absolute()) return path.string();
  return "./" + path.string();
}

}  // namespace

write_recorder::write_recorder(const std::filesystem::path& path, write_listener listener)
    : path_(path), listener_(std::make_shared<const write_listener>(std::move(listener))), outer_(active_recorder) {
  active_recorder = this;
}

write_recorder::~write_recorder() { active_recorder = outer_; }

void refuse_non_regular_file(const std::filesystem::path& path) {
  // SQLite opens the journals beside the file too, and would wait as long on a FIFO there.
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    const auto name = path.string() + suffix;
    struct stat status {};
    if (::stat(literal_file_name(name).c_str(), &status) != 0 || S_ISREG(status.st_mode)) continue;
    throw failure(exit_code::failure, name,
                  fmt::format("not a regular file ({}); a database and its journals are files",
                              detail::file_kind(status.st_mode)));
  }
}

error::error(int code, std::string message, std::string sql, std::string file)
    : std::runtime_error(describe(code, message, sql, file)),
      code_(code),
      message_(std::move(message)),
      sql_(std::move(sql)),
      file_(std::move(file)) {}

bool error::is_busy() const noexcept { return primary_code() == SQLITE_BUSY || primary_code() == SQLITE_LOCKED; }
bool error::is_not_a_database() const noexcept { return primary_code() == SQLITE_NOTADB || primary_code() == SQLITE_CORRUPT; }
bool error::is_full() const noexcept { return primary_code() == SQLITE_FULL; }
bool error::is_constraint() const noexcept {
  return primary_code() == SQLITE_CONSTRAINT || primary_code() == SQLITE_MISMATCH;
}
bool error::is_read_only() const noexcept { return primary_code() == SQLITE_READONLY || primary_code() == SQLITE_CANTOPEN; }
bool error::needs_recovery() const noexcept { return code_ == SQLITE_READONLY_ROLLBACK; }

database::database(const std::filesystem::path& path, open_mode mode) : path_(path.string()) {
  refuse_non_regular_file(path);
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case open_mode::read_only: flags |= SQLITE_OPEN_READONLY; break;
    case open_mode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
    case open_mode::create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
  }
  open(literal_file_name(path), flags, mode != open_mode::create);
  listen_if_recorded();
}

void database::listen_if_recorded() {
  for (const auto* recorder = active_recorder; recorder != nullptr; recorder = recorder->outer_) {
    if (same_file(literal_file_name(recorder->path_), literal_file_name(path_))) {
      writes_ = recorder->listener_;
      return;
    }
  }
}

database database::in_memory() {
  database db;
  db.path_ = ":memory:";
  db.open(db.path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, false);
  return db;
}

namespace {

// SQLite counts every allocation under one process-wide mutex unless told not to: with --jobs,
// the connections of all threads would take turns on it. Nothing in litemig reads those counts.
// When the product initialised SQLite first, the setting is refused and nothing else changes.
void configure_library_once() {
  static const int initialised = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize();
  }();
  static_cast<void>(initialised);
}

}  // namespace

void database::open(const std::string& name, int flags, bool must_exist) {
  configure_library_once();
  const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    if (rc == SQLITE_CANTOPEN && must_exist && !std::filesystem::exists(name)) message = "no such file";
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw error(rc, message, {}, path_);
  }
  sqlite3_extended_result_codes(db_, 1);
  // litemig never attaches a database: SQL it runs (a migration, a snapshot) reaches no other file.
  sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, 0);
}

database::database(database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      progress_(std::move(other.progress_)),
      writes_(std::move(other.writes_)) {
  if (progress_ && db_) sqlite3_progress_handler(db_, 1000, progress_trampoline, &progress_);
}

database& database::operator=(database&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    progress_ = std::move(other.progress_);
    writes_ = std::move(other.writes_);
    if (progress_ && db_) sqlite3_progress_handler(db_, 1000, progress_trampoline, &progress_);
  }
  return *this;
}

database::~database() {
  if (db_) sqlite3_close_v2(db_);
}

void database::fail(int code, std::string_view sql) const {
  throw error(code, db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code), std::string(sql), path_);
}

// What the authorizer refused, and what it saw the statement being prepared do.
struct transaction_keeper {
  std::string refusal;
  const std::function<void(const statement_activity&)>* observe = nullptr;
  statement_activity activity;
};

// What the authorizer tells while a statement is prepared: the keeper's verdicts; whether the
// statement is PRAGMA journal_mode, which sqlite3_stmt_readonly counts as a write even as a query;
// and whether it sets a pragma that changes what later statements write, which it counts as a read.
struct preparing {
  transaction_keeper* keeper = nullptr;
  bool journal_mode = false;
  bool sets_behaviour = false;
};

namespace {

bool is_internal(const char* name) { return name == nullptr || std::string_view(name).starts_with("sqlite_"); }

// The statement's own work: a definition outranks the rows written to sqlite_schema for it, and
// the first table written or read is the one that counts.
void note_activity(statement_activity& activity, int action, const char* first, const char* second) {
  using kind = statement_activity::kind;
  const auto define = [&](kind what, const char* name) {
    if (activity.what == kind::other || activity.what == kind::insert || activity.what == kind::update ||
        activity.what == kind::delete_rows) {
      activity.what = what;
      activity.target = name ? name : "";
    }
  };
  const auto write = [&](kind what, const char* table) {
    if (activity.what == kind::other && !is_internal(table)) {
      activity.what = what;
      activity.target = table;
    }
  };
  switch (action) {
    case SQLITE_INSERT: write(kind::insert, first); break;
    case SQLITE_UPDATE: write(kind::update, first); break;
    case SQLITE_DELETE: write(kind::delete_rows, first); break;
    case SQLITE_READ:
      if (activity.source.empty() && !is_internal(first)) activity.source = first;
      break;
    case SQLITE_CREATE_TABLE: define(kind::create_table, first); break;
    case SQLITE_CREATE_INDEX: define(kind::create_index, first); break;
    case SQLITE_CREATE_VIEW: define(kind::create_view, first); break;
    case SQLITE_CREATE_TRIGGER: define(kind::create_trigger, first); break;
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_TRIGGER: define(kind::drop, first); break;
    case SQLITE_ALTER_TABLE: define(kind::alter_table, second); break;
    case SQLITE_ANALYZE: define(kind::analyze, first); break;
    default: break;
  }
}

// Connection settings that change what later statements write or whether they fail.
constexpr std::array behaviour_pragmas{"analysis_limit",     "case_sensitive_like", "defer_foreign_keys",
                                       "legacy_alter_table", "max_page_count",      "recursive_triggers"};

int watch_prepare(void* context, int action, const char* first, const char* second, const char*, const char*) {
  auto& watch = *static_cast<preparing*>(context);
  if (action == SQLITE_PRAGMA && first != nullptr) {
    if (sqlite3_stricmp(first, "journal_mode") == 0) watch.journal_mode = true;
    const auto is_named = [&](const char* name) { return sqlite3_stricmp(first, name) == 0; };
    if (second != nullptr && std::any_of(behaviour_pragmas.begin(), behaviour_pragmas.end(), is_named)) {
      watch.sets_behaviour = true;
    }
  }
  if (watch.keeper == nullptr) return SQLITE_OK;
  auto& keeper = *watch.keeper;
  if (keeper.observe) note_activity(keeper.activity, action, first, second);
  switch (action) {
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
      keeper.refusal = "a statement that would end or nest the migration's transaction";
      return SQLITE_DENY;
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      keeper.refusal = "ATTACH and DETACH are not allowed in a migration";
      return SQLITE_DENY;
    default:
      return SQLITE_OK;
  }
}

}  // namespace

void database::execute(std::string_view sql) { run_script(sql, nullptr, {}); }

void database::run_script(std::string_view sql, transaction_keeper* keeper,
                          const std::function<void(std::string_view)>& after_each) {
  // Passed with its terminating NUL: otherwise SQLite copies the rest of the script before
  // preparing each statement, which is quadratic on a schema of thousands of statements.
  const std::string text(sql);
  const char* cursor = text.c_str();
  const char* end = cursor + text.size();
  while (cursor < end) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    // The authorizer judges the statement as written, at prepare time; what SQLite or a module
    // runs on its behalf while it steps (FTS5 creating its tables) is not the script's.
    if (keeper) keeper->activity = {};
    preparing watch{keeper};
    const int rc = prepare_watched(cursor, static_cast<int>(end - cursor) + 1, &raw, &tail, watch);
    if (rc != SQLITE_OK) {
      const std::string_view rest(cursor, static_cast<std::size_t>(end - cursor));
      if ((rc & 0xff) == SQLITE_AUTH && keeper && !keeper->refusal.empty()) {
        throw error(rc, keeper->refusal, std::string(rest), path_);
      }
      fail(rc, rest);
    }
    if (raw == nullptr) break;  // only whitespace or comments remain
    {
      statement stmt(*this, raw);
      stmt.note_kind(watch);
      if (keeper && keeper->observe) {
        follow(stmt, *keeper);
      } else {
        while (stmt.step()) {
        }
      }
    }
    if (after_each) after_each(std::string_view(cursor, static_cast<std::size_t>(tail - cursor)));
    cursor = tail;
  }
}

void database::follow(statement& stmt, transaction_keeper& keeper) {
  auto& activity = keeper.activity;
  const auto& observe = *keeper.observe;
  activity.when = statement_activity::phase::started;
  observe(activity);
  activity.when = statement_activity::phase::running;
  // Every 100,000 virtual-machine instructions: a few thousand calls on a rebuild of millions of rows.
  std::pair<transaction_keeper*, sqlite3_stmt*> context{&keeper, stmt.stmt_};
  sqlite3_progress_handler(db_, 100000, [](void* pointer) {
    auto& [keeper_ref, raw] = *static_cast<std::pair<transaction_keeper*, sqlite3_stmt*>*>(pointer);
    keeper_ref->activity.rows_scanned = sqlite3_stmt_status(raw, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
    (*keeper_ref->observe)(keeper_ref->activity);
    return 0;
  }, &context);
  try {
    while (stmt.step()) {
    }
  } catch (...) {
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    throw;
  }
  sqlite3_progress_handler(db_, 0, nullptr, nullptr);
  activity.rows_scanned = sqlite3_stmt_status(stmt.stmt_, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
  activity.when = statement_activity::phase::finished;
  observe(activity);
}

void database::execute_in_transaction(std::string_view sql,
                                      const std::function<void(const statement_activity&)>& observe) {
  if (!in_transaction()) throw error(SQLITE_MISUSE, "no transaction is open", std::string(sql), path_);
  transaction_keeper keeper;
  if (observe) keeper.observe = &observe;
  run_script(sql, &keeper, [this](std::string_view ran) {
    if (!in_transaction()) throw error(SQLITE_MISUSE, "the statement ended the migration's transaction", std::string(ran), path_);
  });
}

void database::vacuum() {
  // VACUUM copies through a temporary attached database.
  sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, 1);
  try {
    execute("VACUUM");
  } catch (...) {
    sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, 0);
    throw;
  }
  sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, 0);
}

statement database::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  preparing watch;
  const int rc = prepare_watched(sql.data(), static_cast<int>(sql.size()), &raw, nullptr, watch);
  if (rc != SQLITE_OK) fail(rc, sql);
  if (raw == nullptr) throw error(SQLITE_MISUSE, "empty statement", std::string(sql), path_);
  statement prepared(*this, raw);
  prepared.note_kind(watch);
  return prepared;
}

int database::prepare_watched(const char* sql, int size, sqlite3_stmt** raw, const char** tail, preparing& watch) {
  // Only a keeper or a recorder needs to hear the authorizer; other statements prepare unwatched.
  const bool watched = watch.keeper != nullptr || writes_ != nullptr;
  if (watched) sqlite3_set_authorizer(db_, watch_prepare, &watch);
  const int rc = sqlite3_prepare_v2(db_, sql, size, raw, tail);
  if (watched) sqlite3_set_authorizer(db_, nullptr, nullptr);
  return rc;
}

std::optional<std::int64_t> database::query_int(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt.step() || stmt.is_null(0)) return std::nullopt;
  return stmt.column_int(0);
}

std::optional<std::string> database::query_text(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt.step()) return std::nullopt;
  return stmt.column_optional_text(0);
}

void database::validate() { query_int("SELECT count(*) FROM sqlite_schema"); }

std::int64_t database::user_version() { return query_int("PRAGMA user_version").value_or(0); }

void database::set_user_version(std::int64_t version) { execute(fmt::format("PRAGMA user_version = {}", version)); }

void database::set_busy_timeout(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

bool database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

std::int64_t database::total_changes() const { return sqlite3_total_changes64(db_); }

void database::set_progress_handler(int instructions, std::function<bool()> handler) {
  progress_ = std::move(handler);
  sqlite3_progress_handler(db_, instructions, progress_trampoline, &progress_);
}

void database::clear_progress_handler() {
  sqlite3_progress_handler(db_, 0, nullptr, nullptr);
  progress_ = nullptr;
}

void database::backup_to(const std::filesystem::path& destination) {
  database target(destination, open_mode::create);
  copy_main_into(target);
}

database database::in_memory_copy() {
  auto copy = in_memory();
  copy_main_into(copy);
  return copy;
}

void database::copy_main_into(database& target) {
  sqlite3_backup* backup = sqlite3_backup_init(target.db_, "main", db_, "main");
  if (backup == nullptr) target.fail(sqlite3_errcode(target.db_));
  // A writer holding the source may make a step busy: retry for up to 30 seconds, not forever.
  int rc = SQLITE_OK;
  int busy_retries = 0;
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (++busy_retries > 3000) break;
      sqlite3_sleep(10);
    }
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) throw error(rc, sqlite3_errstr(rc), {}, target.path_);
}

void database::copy_file_to(int destination_fd) {
  sqlite3_file* file = nullptr;
  int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc != SQLITE_OK || file == nullptr || file->pMethods == nullptr) fail(rc == SQLITE_OK ? SQLITE_MISUSE : rc);
  sqlite3_int64 size = 0;
  rc = file->pMethods->xFileSize(file, &size);
  if (rc != SQLITE_OK) throw error(rc, sqlite3_errstr(rc), {}, path_);
  sqlite3_int64 copied = copy_in_kernel(path_, destination_fd, size);
  // Where the kernel cannot copy between these files: large reads through SQLite's handle.
  constexpr sqlite3_int64 chunk = 8 * 1024 * 1024;
  std::vector<char> buffer(static_cast<std::size_t>(std::min(size - copied, chunk)));
  while (copied < size) {
    const auto length = static_cast<int>(std::min(size - copied, chunk));
    rc = file->pMethods->xRead(file, buffer.data(), length, copied);
    if (rc != SQLITE_OK) throw error(rc, sqlite3_errstr(rc), {}, path_);
    for (int written = 0; written < length;) {
      const auto n = ::pwrite(destination_fd, buffer.data() + written, static_cast<std::size_t>(length - written),
                              copied + written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw error(SQLITE_IOERR_WRITE, std::generic_category().message(n < 0 ? errno : ENOSPC));
      written += static_cast<int>(n);
    }
    copied += length;
  }
  if (::fsync(destination_fd) != 0) throw error(SQLITE_IOERR_FSYNC, std::generic_category().message(errno));
}

statement::statement(statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), running_(other.running_), journal_mode_(other.journal_mode_), sets_behaviour_(other.sets_behaviour_), bound_(std::move(other.bound_)) {}

statement& statement::operator=(statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    running_ = other.running_;
    journal_mode_ = other.journal_mode_;
    sets_behaviour_ = other.sets_behaviour_;
    bound_ = std::move(other.bound_);
  }
  return *this;
}

void statement::note_kind(const preparing& watch) {
  journal_mode_ = watch.journal_mode;
  sets_behaviour_ = watch.sets_behaviour;
}

bool statement::is_recorded_kind() const {
  return sets_behaviour_ || (sqlite3_stmt_readonly(stmt_) == 0 && !journal_mode_);
}

void statement::remember(int index, bound_value bound) {
  if (!db_->writes_ || index < 1) return;
  if (bound_.size() < static_cast<std::size_t>(index)) bound_.resize(static_cast<std::size_t>(index));
  bound_[static_cast<std::size_t>(index) - 1] = std::move(bound);
}

statement::~statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

statement& statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_->fail(rc, sql());
  remember(index, value);
  return *this;
}

statement& statement::bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) db_->fail(rc, sql());
  remember(index, value);
  return *this;
}

statement& statement::bind(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_->fail(rc, sql());
  remember(index, std::string(value));
  return *this;
}

statement& statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) db_->fail(rc, sql());
  remember(index, std::monostate{});
  return *this;
}

bool statement::step() {
  // Judged before the step: COMMIT leaves the transaction, and only a run's first step starts it.
  const bool recorded = !running_ && db_->writes_ && db_->in_transaction() && is_recorded_kind();
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    // After DONE the next step runs the statement again (SQLite resets it), with the same values.
    running_ = rc == SQLITE_ROW;
    if (recorded) {
      auto values = bound_;
      values.resize(static_cast<std::size_t>(sqlite3_bind_parameter_count(stmt_)));
      (*db_->writes_)(written_statement{sql(), std::move(values)});
    }
    return rc == SQLITE_ROW;
  }
  const std::string text = sql();
  sqlite3_reset(stmt_);
  running_ = false;
  db_->fail(rc, text);
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  running_ = false;
  bound_.clear();
}

int statement::column_count() const { return sqlite3_column_count(stmt_); }

std::string statement::column_name(int index) const {
  const char* name = sqlite3_column_name(stmt_, index);
  return name ? name : "";
}

bool statement::is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

std::int64_t statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

double statement::column_double(int index) const { return sqlite3_column_double(stmt_, index); }

std::string statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::optional<std::string> statement::column_optional_text(int index) const {
  if (is_null(index)) return std::nullopt;
  return column_text(index);
}

storage_class statement::column_type(int index) const {
  return static_cast<storage_class>(sqlite3_column_type(stmt_, index));
}

std::string statement::sql() const {
  const char* text = sqlite3_sql(stmt_);
  return text ? text : "";
}

transaction::transaction(database& db, transaction_kind kind) : db_(db) {
  switch (kind) {
    case transaction_kind::deferred: db_.execute("BEGIN"); break;
    case transaction_kind::immediate: db_.execute("BEGIN IMMEDIATE"); break;
    case transaction_kind::exclusive: db_.execute("BEGIN EXCLUSIVE"); break;
  }
}

transaction::~transaction() {
  if (open_ && db_.in_transaction()) {
    try {
      db_.execute("ROLLBACK");
    } catch (const error&) {
      // The connection already rolled back (e.g. after SQLITE_FULL); nothing is left to undo.
    }
  }
}

void transaction::commit() {
  db_.execute("COMMIT");
  open_ = false;
}

void transaction::rollback() {
  open_ = false;
  if (db_.in_transaction()) db_.execute("ROLLBACK");
}

std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  quoted += '"';
  return quoted;
}

std::string quote_literal(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  quoted += '\'';
  return quoted;
}

bool is_complete_statement(const std::string& text) { return sqlite3_complete(text.c_str()) != 0; }

int library_version_number() { return sqlite3_libversion_number(); }

std::string library_version() { return sqlite3_libversion(); }

}  // namespace litemig::sqlite

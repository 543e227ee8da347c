// The one layer over the SQLite C API. Nothing else in litemig calls sqlite3_* directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace litemig::sqlite {

// A failure reported by SQLite: its result code, the failing SQL (if any) and the file.
class error : public std::runtime_error {
 public:
  error(int code, std::string message, std::string sql = {}, std::string file = {});
  int code() const noexcept { return code_; }
  // The primary result code (SQLITE_BUSY, SQLITE_FULL, ...) without extended bits.
  int primary_code() const noexcept { return code_ & 0xff; }
  const std::string& sql() const noexcept { return sql_; }
  const std::string& file() const noexcept { return file_; }
  const std::string& sqlite_message() const noexcept { return message_; }
  bool is_busy() const noexcept;
  bool is_not_a_database() const noexcept;
  bool is_full() const noexcept;
  bool is_read_only() const noexcept;
  // A value the schema refuses: a constraint (NOT NULL, UNIQUE, CHECK, ...) or a datatype mismatch.
  bool is_constraint() const noexcept;
  // A read-only connection met a hot journal (an interrupted write) that only a writer can roll back.
  bool needs_recovery() const noexcept;

 private:
  int code_;
  std::string message_;
  std::string sql_;
  std::string file_;
};

enum class open_mode { read_only, read_write, create };

// SQLite's storage class of a value.
enum class storage_class { integer = 1, real = 2, text = 3, blob = 4, null = 5 };

// Throws litemig::failure (exit 1) naming the file when PATH, or its PATH-journal, -wal or -shm,
// exists but is not a regular file (a directory, a FIFO, a device): SQLite would fail obscurely
// on some and wait forever reading a FIFO. Every database opens through this check; call it
// before reading a database file by other means.
void refuse_non_regular_file(const std::filesystem::path& path);

class statement;
struct transaction_keeper;
struct preparing;

// A value bound to a statement's parameter, with its type: NULL, integer, real or text.
using bound_value = std::variant<std::monostate, std::int64_t, double, std::string>;

// A statement that wrote to a database inside a transaction: its SQL as prepared and the values
// bound to its parameters 1..N when it ran (NULL where none was bound).
struct written_statement {
  std::string sql;
  std::vector<bound_value> values;
};
using write_listener = std::function<void(const written_statement&)>;

// While it lives, every connection this thread opens on the file PATH (the same file: device and
// inode) tells LISTENER each statement that writes (sqlite3_stmt_readonly is false, so never
// BEGIN, COMMIT, ROLLBACK, SAVEPOINT or RELEASE; nor PRAGMA journal_mode) or sets a pragma that
// changes later writes (legacy_alter_table, analysis_limit, max_page_count, ...) and runs inside a
// transaction, once its first step succeeded, in the order they ran. The values are those given to the layer's bind calls, never
// read back from SQL text. Replayed in order on a copy of the file as it was at BEGIN, they make
// the same changes (a cluster migration is rehearsed on a copy this way, then replayed).
class write_recorder {
 public:
  write_recorder(const std::filesystem::path& path, write_listener listener);
  write_recorder(const write_recorder&) = delete;
  write_recorder& operator=(const write_recorder&) = delete;
  ~write_recorder();

 private:
  friend class database;
  std::filesystem::path path_;
  std::shared_ptr<const write_listener> listener_;
  write_recorder* outer_;
};

// What one statement of a script does, as SQLite's authorizer reported it while preparing the
// statement (never guessed from its text), and how far it has got.
struct statement_activity {
  enum class phase { started, running, finished };
  enum class kind { other, insert, update, delete_rows, create_table, create_index, create_view, create_trigger, drop,
                    alter_table, analyze };
  phase when = phase::started;
  kind what = kind::other;
  std::string target;               // the table written, or the object created, dropped or altered
  std::string source;               // the first table the statement reads ("" for none)
  std::int64_t rows_scanned = 0;    // rows of full table scans so far (an INSERT ... SELECT's source)
};

class database {
 public:
  // Opens the file PATH (never a URI, never a directory or FIFO); with open_mode::create a
  // missing file is created. Throws sqlite::error naming the file when it cannot be opened.
  explicit database(const std::filesystem::path& path, open_mode mode = open_mode::read_write);
  // A private scratch database in memory.
  static database in_memory();

  database(database&& other) noexcept;
  database& operator=(database&& other) noexcept;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database();

  // Runs every statement of SQL in order (SQLite itself splits the text).
  void execute(std::string_view sql);
  // Runs SQL inside the connection's open transaction and keeps it there: statements that would
  // end, nest or leave it (BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE, ATTACH, DETACH) are
  // refused before they run, and after every statement the transaction is checked to be still open.
  // OBSERVE, when set, hears when each statement starts and finishes and, while it runs, how far.
  void execute_in_transaction(std::string_view sql, const std::function<void(const statement_activity&)>& observe = {});
  // VACUUM, the one statement that attaches a database (litemig connections refuse ATTACH).
  void vacuum();
  statement prepare(std::string_view sql);

  // Runs SQL and returns the first column of the first row (or nullopt for no row / NULL).
  std::optional<std::int64_t> query_int(std::string_view sql);
  std::optional<std::string> query_text(std::string_view sql);

  // Forces SQLite to read the header and schema: fails on files that are not databases.
  void validate();

  std::int64_t user_version();
  void set_user_version(std::int64_t version);
  void set_busy_timeout(std::chrono::milliseconds timeout);
  bool in_transaction() const;
  std::int64_t total_changes() const;

  // Called every N virtual-machine instructions; returning true interrupts the statement.
  void set_progress_handler(int instructions, std::function<bool()> handler);
  void clear_progress_handler();

  // Online backup (SQLite's backup API) of the main database into DESTINATION.
  void backup_to(const std::filesystem::path& destination);
  // The main database copied into a new private in-memory database, by the same API.
  database in_memory_copy();
  // The main database file copied byte for byte into the open file DESTINATION_FD (then synced),
  // read through SQLite's own handle: opening and closing a second descriptor on the file would
  // drop this process's POSIX locks. Consistent only while this connection holds a lock that keeps
  // writers out, has written nothing yet, and the database is not in WAL mode.
  void copy_file_to(int destination_fd);

  const std::string& path() const noexcept { return path_; }
  sqlite3* handle() const noexcept { return db_; }

 private:
  database() = default;
  void open(const std::string& name, int flags, bool must_exist);
  [[noreturn]] void fail(int code, std::string_view sql = {}) const;
  // Prepares and steps each statement of SQL, calling AFTER_EACH with its text once it has run;
  // with a KEEPER, statements that would leave the transaction are refused at prepare time and
  // the keeper's observer follows each statement.
  void run_script(std::string_view sql, transaction_keeper* keeper,
                  const std::function<void(std::string_view)>& after_each);
  // Steps STMT to its end, telling KEEPER's observer where it stands.
  void follow(statement& stmt, transaction_keeper& keeper);
  void copy_main_into(database& target);
  void listen_if_recorded();
  // sqlite3_prepare_v2 with the authorizer telling WATCH what the statement does.
  int prepare_watched(const char* sql, int size, sqlite3_stmt** raw, const char** tail, preparing& watch);

  sqlite3* db_ = nullptr;
  std::string path_;
  std::function<bool()> progress_;
  std::shared_ptr<const write_listener> writes_;
  friend class statement;
};

class statement {
 public:
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  statement& bind(int index, std::int64_t value);
  statement& bind(int index, double value);
  statement& bind(int index, std::string_view value);
  statement& bind_null(int index);

  // Advances to the next row; false when done.
  bool step();
  void reset();

  int column_count() const;
  std::string column_name(int index) const;
  bool is_null(int index) const;
  std::int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;
  std::optional<std::string> column_optional_text(int index) const;
  storage_class column_type(int index) const;
  std::string sql() const;

 private:
  friend class database;
  statement(database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  // Keeps what was bound at INDEX while the connection's writes are recorded.
  void remember(int index, bound_value bound);
  void note_kind(const preparing& watch);
  // Whether a run of this statement goes into the record: a write, or a setting that changes writes.
  bool is_recorded_kind() const;
  database* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool running_ = false;      // stepped to a row; false: the next step starts a new run
  bool journal_mode_ = false;  // PRAGMA journal_mode: not a write of the database's content
  bool sets_behaviour_ = false;  // PRAGMA legacy_alter_table = ON and the like: later writes depend on it
  std::vector<bound_value> bound_;  // only while the connection's writes are recorded
};

enum class transaction_kind { deferred, immediate, exclusive };

// BEGIN on construction; ROLLBACK in the destructor unless committed.
class transaction {
 public:
  explicit transaction(database& db, transaction_kind kind = transaction_kind::deferred);
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();
  void commit();
  void rollback();

 private:
  database& db_;
  bool open_ = true;
};

// "name" with embedded quotes doubled: always safe as an SQL identifier.
std::string quote_identifier(std::string_view name);
// 'text' with embedded quotes doubled.
std::string quote_literal(std::string_view text);
// sqlite3_complete(): whether TEXT ends with a complete SQL statement.
bool is_complete_statement(const std::string& text);
// The SQLite library version in use, e.g. 3040001.
int library_version_number();
std::string library_version();

}  // namespace litemig::sqlite

// Migration files and the set of migrations known to a program (from a directory or embedded).
//
// File format (NNNN_slug.sql), plain SQL that people review and edit:
//   -- litemig:up
//   -- litemig:foreign-key-check "child" "parent"     (optional directive lines: the planner's
//   -- litemig:rebuild "parent"                        decisions, see namespace directive)
//   ...statements...
//   -- litemig:down
//   ...statements...
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace litemig {

// The directives of a migration part, written by the generator and read by the applier with
// these same names: "-- litemig:NAME" followed by its arguments, each a quoted identifier.
namespace directive {
inline constexpr std::string_view prefix = "-- litemig:";
inline constexpr std::string_view foreign_key_check = "foreign-key-check";  // "table"... (none: cannot break a key)
inline constexpr std::string_view rebuild = "rebuild";                      // "table" (its final name)
inline constexpr std::string_view rename_table = "rename-table";            // "from" "to"
inline constexpr std::string_view rename_column = "rename-column";          // "table" "from" "to" (table's final name)
inline constexpr std::string_view drop_table = "drop-table";                // "table"
inline constexpr std::string_view drop_column = "drop-column";              // "table" "column" (table's final name)
// "schema" "snapshot": the generator's self-check ran the part and found the schema it left, of this
// schema digest (applier), equal to the snapshot of this text digest (SHA-256 of the file).
inline constexpr std::string_view schema_digest = "schema-digest";
}  // namespace directive

// "-- litemig:NAME "a" "b"": one line; a name holding a line break or other control character
// cannot be written on one and is refused (failure, exit_code::usage).
std::string render_directive(std::string_view name, const std::vector<std::string>& arguments);

struct column_rename {
  std::string table;
  std::string from;
  std::string to;
  bool operator==(const column_rename&) const = default;
};

struct column_reference {
  std::string table;
  std::string column;
  bool operator==(const column_reference&) const = default;
};

// What a part does to tables, as the planner decided it. A hand-written part carries no such
// directives: the applier then derives drops from the snapshots before and after.
struct part_plan {
  std::vector<std::string> rebuilt_tables;
  std::vector<std::pair<std::string, std::string>> renamed_tables;
  std::vector<column_rename> renamed_columns;
  std::vector<std::string> dropped_tables;
  std::vector<column_reference> dropped_columns;
  bool declared = false;  // the part carries the planner's directives (a generated part always does)
  bool operator==(const part_plan&) const = default;
};

// What the generator's self-check proved of a part: its result, of schema digest SCHEMA, equals the
// snapshot whose text has the SHA-256 SNAPSHOT.
struct verified_result {
  std::string schema;
  std::string snapshot;
  bool operator==(const verified_result&) const = default;
};

struct migration_part {
  std::string sql;
  std::vector<std::string> foreign_key_check_tables;  // from -- litemig:foreign-key-check
  // A directive naming no table declares that the part cannot break a foreign key.
  bool foreign_key_check_declared = false;
  part_plan plan;
  std::optional<verified_result> verified;  // from -- litemig:schema-digest
};

struct migration {
  std::int64_t version = 0;
  std::string name;       // the slug
  std::string file_name;  // NNNN_slug.sql
  std::string text;       // whole file, what the checksum covers
  std::string checksum;   // hex SHA-256 of text
  migration_part up;
  migration_part down;
};

// Parses one migration file. Throws failure(exit_code::usage) naming FILE_NAME on bad input.
migration parse_migration(std::string_view file_name, std::string_view text);

// Hex SHA-256 (GNU Nettle).
std::string sha256_hex(std::string_view data);

// State of a directory's litemig.sum against the files it lists.
enum class sum_state { absent, matches, mismatch };

// The text of litemig.sum for FILES (name relative to the directory -> text): a first line
// "total <sha256 of the rest>", then "<sha256> <name>" per file, sorted by name.
std::string render_sum(const std::map<std::string, std::string>& files);

inline constexpr const char* sum_file_name = "litemig.sum";

struct embedded_file {
  std::string_view name;  // "0001_initial.sql", "snapshots/0001.sql", "litemig.sum"
  std::string_view text;
};

class migration_set {
 public:
  // Reads DIR/NNNN_*.sql and DIR/snapshots/NNNN.sql; a missing directory is an empty set.
  static migration_set from_directory(const std::filesystem::path& dir);
  static migration_set from_embedded(std::span<const embedded_file> files);
  // FILES as read_migration_directory gives them; messages name them inside the folder ORIGIN.
  static migration_set from_files(const std::map<std::string, std::string>& files, const std::filesystem::path& origin);

  const std::vector<migration>& migrations() const { return migrations_; }
  const migration* find(std::int64_t version) const;
  std::int64_t latest_version() const;
  // The snapshot SQL of the schema at VERSION (0: the empty schema).
  std::optional<std::string> snapshot(std::int64_t version) const;
  // The hex SHA-256 of that snapshot's text, hashed when the set was read ("" when there is none).
  std::string snapshot_checksum(std::int64_t version) const;
  std::string origin() const { return origin_; }
  // Where a message should point for a file of the set: "DIR/0003_x.sql" or "embedded:0003_x.sql".
  std::string locate(std::string_view file_name) const;

  // Whether litemig.sum matches the files it lists (informational: the applier relies on the
  // per-migration checksums recorded in each database).
  sum_state integrity() const { return integrity_; }
  // Why the sum does not match ("" when it does or is absent).
  const std::string& integrity_problem() const { return integrity_problem_; }

 private:
  void add_file(std::string_view name, std::string_view text);
  void validate();
  void check_integrity();
  std::vector<migration> migrations_;
  std::map<std::int64_t, std::string> snapshots_;
  std::map<std::string, std::string> digests_;  // file name -> hex SHA-256, every file but the sum
  std::string origin_;
  std::string sum_text_;
  bool has_sum_ = false;
  sum_state integrity_ = sum_state::absent;
  std::string integrity_problem_;
};

// Throws failure(exit_code::checksum_mismatch) when SET's files differ from its litemig.sum: a
// committed migration or snapshot was edited, added or removed without `litemig hash`. generate,
// embed, verify, upgrade, downgrade and deploy refuse such a directory alike.
void refuse_edited_migrations(const migration_set& set);

// Every file the runtime reads from a migrations directory, by name relative to DIR:
// NNNN_*.sql, snapshots/NNNN.sql, litemig.sum and the further files the sum lists.
// A missing directory gives none.
std::map<std::string, std::string> read_migration_directory(const std::filesystem::path& dir);

// The snapshot file name for VERSION inside a migrations directory.
std::string snapshot_file_name(std::int64_t version);

}  // namespace litemig

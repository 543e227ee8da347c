// Helpers shared by the commands that drive the applier (upgrade, downgrade, current, history,
// check, stamp).
#pragma once

#include "options.hpp"

#include "litemig/applier.hpp"
#include "litemig/json.hpp"
#include "litemig/migration.hpp"
#include "litemig/schema.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace litemig::cli {

// The migrations of DIR, or the program's embedded ones when DIR names them; a missing directory
// is a usage error (a typo, not an empty set).
migration_set load_migrations(const std::string& dir);

// Adds --no-backup, --backup-dir, --allow-checksum-mismatch and --busy-timeout to SPEC.
void add_apply_options(command_spec& spec);
// Reads those options into apply_options.
apply_options read_apply_options(const po::variables_map& values);
// --dry-run or --sql (both added by add_apply_options): print the SQL instead of running it.
bool wants_dry_run(const po::variables_map& values);

// A --to value: a version number, "head" (the newest migration), or "+N" / "-N" (N migrations
// after or before the version the database is at).
struct target_spec {
  std::string text;         // as given, for messages
  std::int64_t number = 0;  // the version, or the step when RELATIVE
  bool head = false;
  bool relative = false;
};
// Throws failure(exit_code::usage) for anything else.
target_spec parse_target(const std::string& text);
// The version TARGET names for DB (read only when TARGET is relative; a missing file is at 0,
// a database without bookkeeping at the snapshot its schema equals).
// Throws failure(exit_code::usage) when it falls outside 0..the newest migration.
std::int64_t resolve_target(const target_spec& target, const migration_set& migrations, const std::string& db);
// The --to option's help text.
inline constexpr const char* target_help = "N, head (the newest), or +N / -N relative to the database's version";

// Prints the SQL of RUN (upgrade's up parts, downgrade's down parts) as a script, each
// migration under a comment naming its file.
std::string pending_sql(const std::string& db, const pending_run& run, bool up);
// RUN as a JSON object.
std::string pending_json(const std::string& db, const pending_run& run, bool up);

// A cluster address (dqlite://...) where COMMAND works only on files: exit 2, one line.
void refuse_cluster(const std::string& text, std::string_view command);
// The --db help of the commands that also take a cluster.
inline constexpr const char* db_or_cluster_help = "the database file, or a dqlite cluster: dqlite://HOST:PORT[,HOST:PORT...]/DATABASE";
// What upgrade (UP) or downgrade would run on DB, a file or a cluster (see litemig::pending).
pending_run pending_on(const std::string& db, const migration_set& migrations, std::optional<std::int64_t> target, bool up,
                       bool allow_checksum_mismatch);

// The schema of a database file or a snapshot (.sql) file, read only; failures name the file.
schema load_schema(const std::string& path);

// A JSON string literal, or null.
std::string json_optional_string(const std::optional<std::string>& text);

// Shows each step of a migration. On a terminal, a line on stderr redrawn while a long step runs:
// "0003_rebuild.sql: copy the rows of "t" into "litemig_new_t": 1,200,000 of 5,000,000 rows (24%),
// 3 s, about 9 s left". Otherwise (CI logs), a line on stdout for each step that took 0.1 s or
// more, with its duration.
class progress_reporter {
 public:
  explicit progress_reporter(const migration_set& migrations);
  progress_reporter(const progress_reporter&) = delete;
  progress_reporter& operator=(const progress_reporter&) = delete;
  ~progress_reporter();
  void attach(apply_options& options);
  // Erases the progress line, before other output.
  void clear();

 private:
  void report(const progress_event& event);
  std::string step_line(const progress_event& event, std::chrono::steady_clock::duration elapsed) const;
  const migration_set& migrations_;
  bool terminal_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_;
  bool shown_ = false;
};

}  // namespace litemig::cli

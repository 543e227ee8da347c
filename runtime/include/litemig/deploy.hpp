// Production deploy and restore: fetch a database (local path or ssh://), back it up on both
// sides, apply fixups, migrate, verify, and put the result back without ever half-writing it.
#pragma once

#include "litemig/errors.hpp"
#include "litemig/migration.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace litemig {

// The OpenSSH programs used for ssh:// locations; started directly, never through a shell.
struct ssh_tools {
  std::string ssh = "ssh";
  std::string scp = "scp";
  std::vector<std::string> options;  // each passed to both as "-o OPTION", e.g. "IdentityFile=key"
};

// Receives one line per event, already prefixed with a timestamp.
using log_function = std::function<void(const std::string&)>;

// Receives the bytes of a transfer ("fetch" or "upload") done so far and its total, a few times
// a second and once at its end.
using transfer_progress = std::function<void(const std::string& transfer, std::uint64_t done, std::uint64_t total)>;

struct deploy_options {
  std::string source;                               // PATH, file://PATH or ssh://[user@]host[:port]/path
  std::optional<std::int64_t> target;               // default: the newest migration
  std::filesystem::path backup_dir = "backups";
  std::string backup_prefix;                        // local backup name prefix; "" = the source's file stem
  std::optional<std::filesystem::path> fixups_dir;  // *.sql applied in name order, each when its header says so
  std::optional<std::filesystem::path> work_dir;    // where the migrated copy is kept; default: backup_dir
  bool upload = false;
  bool dry_run = false;
  bool vacuum = false;                     // VACUUM the migrated copy (when it has free pages) before the upload
  std::optional<std::size_t> keep_backups;  // after a deploy, keep only the newest N backups on each side
  ssh_tools tools;
  log_function log;
  transfer_progress progress;  // may be empty
  // Asked before uploading; returning false cancels. Empty: no question.
  std::function<bool(const std::string& question)> confirm;
};

struct planned_sql {
  std::string name;  // fixup file name or migration file name
  std::string sql;
  std::string why;   // a fixup's: why it applies, or why it was skipped
};

struct deploy_result {
  std::string source;
  std::int64_t from_version = 0;
  std::int64_t to_version = 0;
  std::optional<std::int64_t> adopted_as;
  std::vector<std::string> fixups_applied;
  std::vector<planned_sql> fixups_skipped;  // with why (no SQL)
  std::vector<std::int64_t> migrations_applied;
  std::optional<std::filesystem::path> local_backup;
  std::optional<std::string> remote_backup;
  std::optional<std::filesystem::path> migrated_copy;  // kept when not uploaded
  bool uploaded = false;
  bool nothing_to_upload = false;  // --upload, but the migrated copy equals the source: left untouched
  bool vacuumed = false;
  std::vector<std::string> removed_backups;  // by --keep-backups
  bool dry_run = false;
  std::vector<planned_sql> planned_fixups;      // dry run
  std::vector<planned_sql> planned_migrations;  // dry run
  std::vector<std::string> planned_repairs;     // dry run: views and triggers the migrate step would recreate
};

// A failed deploy: the message names the step, the cause and where the backups are.
class deploy_failure : public failure {
 public:
  deploy_failure(exit_code code, const std::string& message, std::string step)
      : failure(code, message), step_(std::move(step)) {}
  const std::string& step() const noexcept { return step_; }

 private:
  std::string step_;
};

// Runs the six steps, stopping at the first failure (thrown as deploy_failure). The source file
// is changed only by the final rename of a checked upload.
deploy_result deploy(const migration_set& migrations, const deploy_options& options);

struct restore_options {
  std::string backup;  // local path or ssh:// location of the backup
  std::string target;  // local path or ssh:// location of the database to replace
  ssh_tools tools;
  log_function log;
  // Asked before replacing the database; returning false cancels. Empty: no question.
  std::function<bool(const std::string& question)> confirm;
};

struct restore_result {
  std::string target;
  std::int64_t version = 0;
  bool has_bookkeeping = false;
  std::optional<std::string> previous_kept_as;  // where the replaced file was kept
};

// Checks the backup (carrying the commits of a -wal file beside it), asks, keeps the file it
// replaces, and renames the backup into place with the replaced file's owner and mode.
restore_result restore(const restore_options& options);

}  // namespace litemig

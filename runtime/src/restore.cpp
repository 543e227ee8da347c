#include "litemig/deploy.hpp"

#include "deploy_checks.hpp"
#include "transfer.hpp"

#include "litemig/applier.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace litemig {

namespace {

// Fetches the backup's -wal and -journal files beside COPY, when it has them, and folds them into
// COPY on this private copy: committed pages of a WAL are checkpointed, a hot journal is rolled
// back. Without this the restored file would lack the commits still in the -wal. True when
// there was anything to fold in.
bool fold_in_companions(const transfer::endpoint& backup, const fs::path& copy) {
  bool found = false;
  for (const char* suffix : {"-wal", "-journal"}) found = backup.fetch_companion(suffix, copy.string() + suffix) || found;
  if (!found) return false;
  {
    sqlite::database db(copy);
    db.validate();
    if (db.query_text("PRAGMA journal_mode").value_or("") == "wal" &&
        db.query_int("PRAGMA wal_checkpoint(TRUNCATE)").value_or(1) != 0) {
      throw failure(exit_code::failure, backup.describe(), "cannot checkpoint its -wal file");
    }
  }
  std::error_code missing;
  if (fs::file_size(copy.string() + "-wal", missing) > 0 && !missing) {
    throw failure(exit_code::failure, backup.describe(),
                  "the commits of its -wal file could not be carried into the copy");
  }
  return true;
}

}  // namespace

restore_result restore(const restore_options& options) {
  const auto log = [&](const std::string& line) {
    if (options.log) options.log(fmt::format("[{}] {}", deploy_checks::log_timestamp(), line));
  };
  const auto backup = transfer::open_endpoint(transfer::location::parse(options.backup), options.tools);
  const auto target = transfer::open_endpoint(transfer::location::parse(options.target), options.tools);
  restore_result result;
  result.target = target->describe();
  if (!target->folder_exists()) {
    throw failure(exit_code::failure, target->describe(), "the folder to restore into does not exist");
  }
  try {
    const transfer::scratch_directory scratch;
    const auto copy = scratch.path() / "restore.sqlite3";
    log(fmt::format("checking the backup {}", backup->describe()));
    backup->fetch(copy, {});
    if (fold_in_companions(*backup, copy)) log("  carried the commits of the backup's -wal or -journal file");
    deploy_checks::check_database(copy, backup->describe());
    const auto status = current(copy);
    result.version = status.version;
    result.has_bookkeeping = status.has_bookkeeping;
    log(fmt::format("  integrity ok; version {}{}", status.version, status.has_bookkeeping ? "" : " (no bookkeeping)"));

    const bool replacing = target->exists();
    const std::string question = fmt::format("Replace {}{} with the backup {} (version {})?", target->describe(),
                                             replacing ? "" : " (a new file)", backup->describe(), status.version);
    if (options.confirm && !options.confirm(question)) throw failure(exit_code::failure, "restore declined");
    std::optional<std::string> replaced_sha256;
    if (replacing) replaced_sha256 = target->sha256();
    // Kept once the new file is ready: a refused restore leaves the folder as it was.
    const auto keep_replaced = [&] {
      if (!replacing) return;
      const std::string stem = detail::backup_stem(transfer::file_stem(target->path()), "replaced");
      result.previous_kept_as = target->copy_beside(stem, detail::backup_extension(target->path()), *replaced_sha256);
      log(fmt::format("kept the file being replaced as {}", *result.previous_kept_as));
    };
    target->replace(copy, replaced_sha256, keep_replaced, {});
    log(fmt::format("restored {} (temporary name checked, then renamed)", target->describe()));
  } catch (...) {
    const auto error = classify(std::current_exception());
    throw failure(error.code(), error.location(), fmt::format("{}; {} is unchanged", error.cause(), target->describe()));
  }
  return result;
}

}  // namespace litemig

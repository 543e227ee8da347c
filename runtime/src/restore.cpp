#include "litemig/deploy.hpp"

#include "deploy_checks.hpp"
#include "transfer.hpp"

#include "litemig/applier.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

namespace litemig {

restore_result restore(const restore_options& options) {
  const auto log = [&](const std::string& line) {
    if (options.log) options.log(fmt::format("[{}] {}", deploy_checks::log_timestamp(), line));
  };
  const auto backup = transfer::open_endpoint(transfer::location::parse(options.backup), options.tools);
  const auto target = transfer::open_endpoint(transfer::location::parse(options.target), options.tools);
  restore_result result;
  result.target = target->describe();
  try {
    const transfer::scratch_directory scratch;
    const auto copy = scratch.path() / "restore.sqlite3";
    log(fmt::format("checking the backup {}", backup->describe()));
    backup->fetch(copy);
    deploy_checks::check_database(copy, backup->describe());
    const auto status = current(copy);
    result.version = status.version;
    result.has_bookkeeping = status.has_bookkeeping;
    log(fmt::format("  integrity ok; version {}{}", status.version, status.has_bookkeeping ? "" : " (no bookkeeping)"));

    std::optional<std::string> replaced_sha256;
    if (target->exists()) {
      replaced_sha256 = target->sha256();
      const std::string stem =
          fmt::format("backup_{}_{}", transfer::file_stem(target->path()), deploy_checks::file_timestamp());
      result.previous_kept_as = target->copy_beside(stem, ".sqlite3", *replaced_sha256);
      log(fmt::format("kept the file being replaced as {}", *result.previous_kept_as));
    }
    target->replace(copy, replaced_sha256);
    log(fmt::format("restored {} (temporary name checked, then renamed)", target->describe()));
  } catch (const failure& e) {
    throw failure(e.code(), fmt::format("{}; {} is unchanged", e.what(), target->describe()));
  } catch (const sqlite::error& e) {
    throw failure(e.is_busy() ? exit_code::busy : exit_code::failure,
                  fmt::format("{}; {} is unchanged", e.what(), target->describe()));
  }
  return result;
}

}  // namespace litemig

// The online backup written before a database changes version.
#include "applier_internal.hpp"
#include "names.hpp"

#include <fmt/format.h>

#include <system_error>

namespace litemig::detail {

namespace fs = std::filesystem;

fs::path write_backup(sqlite::database& db, const fs::path& db_path, const std::optional<fs::path>& backup_dir,
                      std::int64_t from, std::int64_t to, std::chrono::milliseconds busy_timeout) {
  // Beside the file itself when the path is a symbolic link, as SQLite puts its journal there.
  const fs::path folder = backup_dir ? *backup_dir : fs::absolute(resolve_database_path(db_path)).parent_path();
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    throw failure(exit_code::failure, folder.string(),
                  fmt::format("cannot create the backup folder: {}", error.message()));
  }
  const auto extension = backup_extension(db_path);
  const auto stem = backup_stem(db_path.stem().string(), fmt::format("v{}-v{}", from, to));
  // Written under an unpredictable temporary name first, so a crash never leaves a half backup that
  // looks whole. It gets the database's owner and permissions before a byte is written: a backup is
  // never readable by users the database was not readable by, even if the process dies mid-copy.
  try {
    new_file partial(folder, stem + ".partial-");
    partial.take_owner_and_mode(db_path, ownership::best_effort);
    if (db.query_text("PRAGMA journal_mode").value_or("") != "wal") {
      // DB holds the write lock and has changed nothing: the file is the state the migrations
      // start from, and a plain copy of it is the fastest consistent backup.
      db.copy_file_to(partial.fd());
    } else {
      // In WAL mode committed pages may still live in the WAL: SQLite's backup API reads through it.
      sqlite::database reader(db_path, sqlite::open_mode::read_only);
      reader.set_busy_timeout(busy_timeout);
      reader.backup_to(partial.path());
    }
    return partial.publish_as_new(stem, extension, '-');
  } catch (const sqlite::error& e) {
    throw failure(exit_code::failure, db_path.string(),
                  fmt::format("backup to {} failed: {}", (folder / (stem + extension)).string(), e.sqlite_message()));
  } catch (const failure& e) {
    throw failure(e.code(), db_path.string(), fmt::format("backup failed: {}", e.what()));
  }
}

}  // namespace litemig::detail

namespace litemig {

std::vector<std::filesystem::path> remove_old_backups(const std::filesystem::path& db,
                                                      const std::optional<std::filesystem::path>& backup_dir,
                                                      std::size_t keep) {
  const auto folder = backup_dir ? *backup_dir : std::filesystem::absolute(detail::resolve_database_path(db)).parent_path();
  std::error_code missing;
  if (!std::filesystem::is_directory(folder, missing)) return {};
  return detail::remove_backups_beyond(folder, db.stem().string(), detail::backup_extension(db), keep);
}

}  // namespace litemig

// The online backup written before a database changes version.
#include "applier_internal.hpp"
#include "names.hpp"

#include <fmt/format.h>

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <system_error>

namespace litemig::detail {

namespace fs = std::filesystem;

namespace {

// "<stem>.<time>.v<from>-v<to><ext>", with a counter when two backups land in the same second.
fs::path free_backup_name(const fs::path& folder, const fs::path& db_path, std::int64_t from, std::int64_t to) {
  const auto extension = db_path.has_extension() ? db_path.extension().string() : std::string(".sqlite3");
  const auto stem = fmt::format("{}.{}.v{}-v{}", db_path.stem().string(), format_utc_now("%Y%m%dT%H%M%SZ"), from, to);
  return unused_name(folder, stem, extension, '-');
}

// Closes the backup file however the copy ends.
struct descriptor {
  explicit descriptor(int opened) : fd(opened) {}
  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;
  ~descriptor() { ::close(fd); }
  const int fd;
};

}  // namespace

fs::path write_backup(sqlite::database& db, const fs::path& db_path, const std::optional<fs::path>& backup_dir,
                      std::int64_t from, std::int64_t to, std::chrono::milliseconds busy_timeout) {
  const fs::path folder = backup_dir ? *backup_dir : fs::absolute(db_path).parent_path();
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    throw failure(exit_code::failure,
                  fmt::format("{}: cannot create the backup folder: {}", folder.string(), error.message()));
  }
  const auto destination = free_backup_name(folder, db_path, from, to);
  // Written under a temporary name first, so a crash never leaves a half backup that looks whole.
  auto partial = destination;
  partial += ".partial";
  // The partial file gets the source's permissions before a byte is written: a backup is never
  // readable by users the database was not readable by, even if the process dies mid-copy.
  const auto mode = static_cast<mode_t>(fs::status(db_path).permissions() & fs::perms::mask);
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw failure(exit_code::failure, fmt::format("{}: cannot create the backup {}: {}", db_path.string(), partial.string(),
                                                  std::generic_category().message(errno)));
  }
  ::fchmod(fd, mode);
  try {
    const descriptor partial_file(fd);
    if (db.query_text("PRAGMA journal_mode").value_or("") != "wal") {
      // DB holds the write lock and has changed nothing: the file is the state the migrations
      // start from, and a plain copy of it is the fastest consistent backup.
      db.copy_file_to(partial_file.fd);
    } else {
      // In WAL mode committed pages may still live in the WAL: SQLite's backup API reads through it.
      sqlite::database reader(db_path, sqlite::open_mode::read_only);
      reader.set_busy_timeout(busy_timeout);
      reader.backup_to(partial);
    }
  } catch (const sqlite::error& e) {
    fs::remove(partial, error);
    throw failure(exit_code::failure,
                  fmt::format("{}: backup to {} failed: {}", db_path.string(), destination.string(), e.sqlite_message()));
  }
  fs::permissions(partial, fs::status(db_path).permissions(), fs::perm_options::replace, error);
  if (!error) fs::rename(partial, destination, error);
  if (error) {
    const auto cause = error.message();
    fs::remove(partial, error);
    throw failure(exit_code::failure,
                  fmt::format("{}: cannot finish the backup {}: {}", db_path.string(), destination.string(), cause));
  }
  return destination;
}

}  // namespace litemig::detail

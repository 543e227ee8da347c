// The cluster's database as a local file: dumped by the leader, its WAL checkpointed into it, and
// published as a backup by the applier's naming scheme.
#include "cluster_internal.hpp"
#include "names.hpp"

#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace litemig::cluster::detail {

namespace fs = std::filesystem;

namespace {

failure unreachable(const address& where, const failure& cause) {
  return failure(cause.code(), fmt::format("{}: {}; nothing was changed", where.text, cause.what()));
}

// The leader, asked of each node in turn until one knows it, without opening a database.
connection leader_node(const address& where) {
  const auto deadline = std::chrono::steady_clock::now() + connect_timeout;
  std::string last;
  for (;;) {
    for (const auto& node : where.nodes) {
      try {
        auto asked = connection::to_node(node, connect_timeout);
        const auto leader = asked.leader().address;
        if (leader == asked.address()) return asked;
        if (!leader.empty()) return connection::to_node(leader, connect_timeout);
        last = fmt::format("dqlite node {}: no leader elected yet", node);
      } catch (const failure& e) {
        if (e.code() == exit_code::usage) throw;
        last = e.what();
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw failure(exit_code::failure, fmt::format("no leader reachable within {} ms ({})", connect_timeout.count(), last));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void write_new_file(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw failure(exit_code::failure, fmt::format("{}: cannot create the file: {}", path.string(), std::strerror(errno)));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      ::close(fd);
      throw failure(exit_code::failure, fmt::format("{}: cannot write the file: {}", path.string(), std::strerror(error)));
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

// The page size a WAL's header records (big-endian, bytes 8 to 11).
std::uint32_t wal_page_size(std::string_view wal) {
  std::uint32_t size = 0;
  for (std::size_t i = 8; i < 12 && i < wal.size(); ++i) size = (size << 8) | static_cast<unsigned char>(wal[i]);
  return size;
}

}  // namespace

connection connect(const address& where) {
  try {
    auto leader = connection::to_leader(where.nodes, where.database, connect_timeout);
    leader.set_timeout(statement_timeout);
    return leader;
  } catch (const failure& e) {
    throw unreachable(where, e);
  }
}

failure no_such_database(const address& where) {
  return failure(exit_code::failure, fmt::format("{}: no such database on the cluster", where.text));
}

local_copy fetch_copy(const address& where, const fs::path& folder) {
  std::vector<dumped_file> files;
  try {
    auto leader = leader_node(where);
    leader.set_timeout(statement_timeout);
    files = leader.dump(where.database);
  } catch (const failure& e) {
    throw unreachable(where, e);
  }
  std::string main;
  std::string wal;
  for (auto& file : files) {  // moved, not copied: a dump is as large as the database
    if (file.name == where.database) main = std::move(file.bytes);
    if (file.name == where.database + "-wal") wal = std::move(file.bytes);
  }
  // Until dqlite's first checkpoint every page lives in the WAL; SQLite deletes the WAL of an empty
  // file, so the file gets one blank page, which the WAL's own page 1 replaces.
  // A WAL of only its 32-byte header holds no page: nothing was ever written.
  if (main.empty() && wal.size() <= 32) {
    write_new_file(folder / where.database, {});
    return {folder / where.database, false};
  }
  if (main.empty()) main.assign(std::max<std::uint32_t>(wal_page_size(wal), 512), '\0');
  const auto path = folder / where.database;
  write_new_file(path, main);
  if (!wal.empty()) write_new_file(fs::path(path.string() + "-wal"), wal);
  const auto unusable = [&](const std::string& cause) {
    return failure(exit_code::failure,
                   fmt::format("{}: the leader's copy of the database is not usable ({}); nothing was changed", where.text, cause));
  };
  std::string check;
  try {
    sqlite::database db(path, sqlite::open_mode::read_write);
    db.validate();
    // Checkpoints the WAL into the file and removes it, and marks the header for a rollback
    // journal (dqlite's is marked WAL): one file that sqlite3 opens, even from a read-only folder.
    db.query_text("PRAGMA journal_mode = DELETE");
    check = db.query_text("PRAGMA quick_check").value_or("");
  } catch (const sqlite::error& e) {
    throw unusable(e.sqlite_message());
  }
  if (check != "ok") throw unusable(fmt::format("quick_check: {}", check));
  return {path, true};
}

fs::path publish_backup(const fs::path& copy, const address& where, const std::optional<fs::path>& backup_dir,
                        std::int64_t from, std::int64_t to) {
  const fs::path folder = backup_dir ? *backup_dir : fs::current_path();
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    throw failure(exit_code::failure, fmt::format("{}: cannot create the backup folder: {}", folder.string(), error.message()));
  }
  const fs::path named(where.database);
  const auto stem = litemig::detail::backup_stem(named.stem().string(), fmt::format("v{}-v{}", from, to));
  litemig::detail::remove_abandoned_backups(folder, named.stem().string(), litemig::detail::backup_extension(named));
  litemig::detail::new_file partial(folder, stem + ".partial-");
  partial.copy_from(copy);
  return partial.publish_as_new(stem, litemig::detail::backup_extension(named), '-');
}

std::string relabel(std::string text, const fs::path& copy, const address& where) {
  if (copy.empty()) return text;
  const auto name = copy.string();
  for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + where.text.size())) {
    text.replace(at, name.size(), where.text);
  }
  return text;
}

}  // namespace litemig::cluster::detail

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

// A file of the local copy, written as the leader's bytes arrive; never one that exists already.
class new_local_file {
 public:
  explicit new_local_file(fs::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      throw failure(exit_code::failure, path_.string(), fmt::format("cannot create the file: {}", std::strerror(errno)));
    }
  }
  new_local_file(const new_local_file&) = delete;
  new_local_file& operator=(const new_local_file&) = delete;
  ~new_local_file() { ::close(fd_); }

  void write(std::string_view bytes) {
    if (start_.size() < 32) start_.append(bytes.substr(0, 32 - start_.size()));
    litemig::detail::write_all(fd_, bytes, path_);
    size_ += bytes.size();
  }
  std::uint64_t size() const { return size_; }
  // The first 32 bytes written (a WAL's header).
  const std::string& start() const { return start_; }

 private:
  fs::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::string start_;
};

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
  const auto path = folder / where.database;
  const auto wal_path = fs::path(path.string() + "-wal");
  // Streamed into the two files as it arrives: the copy costs disk, not memory.
  std::optional<new_local_file> main;
  std::optional<new_local_file> wal;
  try {
    auto leader = leader_node(where);
    leader.set_timeout(statement_timeout);
    leader.dump_into(where.database, [&](const std::string& name, std::uint64_t) {
      auto& file = name == where.database ? main : wal;
      const bool ours = name == where.database || name == where.database + "-wal";
      if (!ours || file) return std::function<void(std::string_view)>([](std::string_view) {});
      file.emplace(name == where.database ? path : wal_path);
      return std::function<void(std::string_view)>([&file](std::string_view bytes) { file->write(bytes); });
    });
  } catch (const failure& e) {
    throw unreachable(where, e);
  }
  if (!main) main.emplace(path);
  const auto drop_wal = [&] {
    wal.reset();
    std::error_code ignored;
    fs::remove(wal_path, ignored);
  };
  // Until dqlite's first checkpoint every page lives in the WAL; SQLite deletes the WAL of an empty
  // file, so the file gets one blank page, which the WAL's own page 1 replaces.
  // A WAL of only its 32-byte header holds no page: nothing was ever written.
  if (wal && wal->size() <= (main->size() == 0 ? 32 : 0)) drop_wal();
  if (main->size() == 0 && !wal) return {path, false};
  if (main->size() == 0) main->write(std::string(std::max<std::uint32_t>(wal_page_size(wal->start()), 512), '\0'));
  main.reset();
  wal.reset();
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

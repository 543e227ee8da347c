// Pieces of the cluster target shared by its source files (not installed).
#pragma once

#include "cluster_wire.hpp"
#include "transfer.hpp"

#include "litemig/cluster.hpp"
#include "litemig/errors.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace litemig::cluster::detail {

// How long finding and reaching the leader may take (an election included).
inline constexpr std::chrono::milliseconds connect_timeout{10000};
// How long one statement may run on the leader before the node counts as unreachable: a rebuild
// of millions of rows takes minutes; a killed node closes the connection at once.
inline constexpr std::chrono::milliseconds statement_timeout{std::chrono::minutes(30)};

// The private folder (mode 0700) where a dumped copy lives, removed with it.
using scratch_folder = transfer::scratch_directory;

// The leader, with WHERE's database open (dqlite creates a database it does not hold yet).
connection connect(const address& where);

struct local_copy {
  std::filesystem::path path;
  bool held = true;  // false: the cluster holds no such database (or an empty one); PATH is empty
};
// The database as the leader holds it, written into FOLDER under its own name as one file in
// rollback-journal mode (its WAL checkpointed into it): a file sqlite3 opens. Asking creates
// nothing on the cluster.
local_copy fetch_copy(const address& where, const std::filesystem::path& folder);

// "ADDRESS: no such database on the cluster", exit 1, as for a missing file.
failure no_such_database(const address& where);

// The copy COPY of WHERE's database, published in BACKUP_DIR (default: the current folder) by the
// applier's backup scheme (DATABASE-STEM.TIME.vFROM-vTO.EXT) and flushed.
std::filesystem::path publish_backup(const std::filesystem::path& copy, const address& where,
                                     const std::optional<std::filesystem::path>& backup_dir, std::int64_t from,
                                     std::int64_t to);

// Messages about the local copy COPY name the cluster instead.
std::string relabel(std::string text, const std::filesystem::path& copy, const address& where);

// Runs BODY with a fresh local copy of the cluster database named by TEXT; failures name the cluster.
// A database the cluster does not hold is refused, unless MAY_BE_MISSING (then the copy is empty).
template <typename body_type>
auto with_copy(std::string_view text, const body_type& body, bool may_be_missing = false) {
  const auto where = parse_address(text);
  scratch_folder folder;
  std::filesystem::path copy;
  try {
    const auto fetched = fetch_copy(where, folder.path());
    copy = fetched.path;
    if (!fetched.held && !may_be_missing) throw no_such_database(where);
    return body(copy);
  } catch (const failure& e) {
    throw failure(e.code(), relabel(e.what(), copy, where));
  }
}

}  // namespace litemig::cluster::detail

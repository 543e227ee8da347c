// A dqlite cluster (Raft-replicated SQLite) as a migration target, addressed as
// dqlite://HOST:PORT[,HOST:PORT...]/DATABASE. The ordinary applier rehearses the migrations on a
// copy the cluster dumps; the leader then replays exactly the writes that proved themselves
// there, in one replicated transaction (docs/cluster.md).
#pragma once

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/migration.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litemig {

// Whether TEXT names a cluster rather than a file: it starts with "dqlite:" (any case). A file of
// such a name is reached as ./dqlite:...
bool is_cluster_address(std::string_view text);

namespace cluster {

struct address {
  std::vector<std::string> nodes;  // "HOST:PORT", as given
  std::string database;            // the cluster's database name
  std::string text;                // the address as given, for messages
};

// Throws failure(exit_code::usage) naming the address and the form it must have.
address parse_address(std::string_view text);

// As litemig::upgrade and downgrade, on the cluster's leader. The backup (a single file that
// sqlite3 opens) goes to options.backup_dir, default the current directory. Refuses --vacuum
// (exit 2): dqlite forbids VACUUM.
apply_result upgrade(std::string_view address, const migration_set& migrations, const apply_options& options);
apply_result downgrade(std::string_view address, const migration_set& migrations, std::int64_t target,
                       const apply_options& options);

// As the file functions of the same names, read from a copy the leader dumps.
database_status current(std::string_view address);
std::vector<history_entry> history(const migration_set& migrations, std::string_view address);
std::vector<schema_difference> check(std::string_view address, const migration_set& migrations,
                                      std::int64_t* version = nullptr);
pending_run pending(std::string_view address, const migration_set& migrations, std::optional<std::int64_t> target,
                    bool up, bool allow_checksum_mismatch = false);

}  // namespace cluster
}  // namespace litemig

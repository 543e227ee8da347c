// Questions about a cluster's database (current, history, check, pending), answered by the file
// functions on a copy the leader dumps: they refuse on a cluster everything they refuse on a file.
#include "cluster_internal.hpp"

namespace litemig::cluster {

using detail::with_copy;

database_status current(std::string_view address) {
  return with_copy(address, [](const std::filesystem::path& copy) { return litemig::current(copy); });
}

std::vector<history_entry> history(const migration_set& migrations, std::string_view address) {
  return with_copy(address, [&](const std::filesystem::path& copy) { return litemig::history(migrations, copy); });
}

std::vector<schema_difference> check(std::string_view address, const migration_set& migrations, std::int64_t* version) {
  return with_copy(address, [&](const std::filesystem::path& copy) { return litemig::check(copy, migrations, version); });
}

pending_run pending(std::string_view address, const migration_set& migrations, std::optional<std::int64_t> target,
                    bool up, bool allow_checksum_mismatch) {
  // As a missing file, a database the cluster does not hold is at version 0 for an upgrade.
  return with_copy(
      address,
      [&](const std::filesystem::path& copy) { return litemig::pending(copy, migrations, target, up, allow_checksum_mismatch); },
      up);
}

}  // namespace litemig::cluster

#include "litemig/errors.hpp"
#include "litemig/migration.hpp"

#include <fmt/format.h>

namespace litemig {

void refuse_edited_migrations(const migration_set& set) {
  if (set.integrity() != sum_state::mismatch) return;
  throw failure(exit_code::checksum_mismatch,
                fmt::format("{} (if the edit is deliberate, record it with: litemig hash --dir {})", set.integrity_problem(),
                            set.origin()));
}

}  // namespace litemig

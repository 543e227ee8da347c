// What litemig says about a database without bookkeeping whose schema matches no snapshot.
#pragma once

#include "applier_internal.hpp"

#include <string>
#include <string_view>

namespace litemig::detail {

// The refusal (exit 4) of SHOWN_AS, unversioned and matching no snapshot of MIGRATIONS: the
// closest snapshot, what differs from it, and what would adopt the database. Views and
// triggers hold no data, so `stamp` then `upgrade` recreates them; a table must first be
// brought to the snapshot's form.
failure unmatched_schema_failure(std::string_view shown_as, const snapshot_match& match, const migration_set& migrations,
                                 bool alembic);

}  // namespace litemig::detail

// What litemig says about a database without bookkeeping whose schema matches no snapshot.
#pragma once

#include "applier_internal.hpp"

#include <string>
#include <string_view>

namespace litemig::detail {

// Who reads the advice: a command's user adopts with `stamp` then `upgrade`; a deploy's user can
// also hand it a fixup (--fixups) that brings the schema to a snapshot's form.
enum class adoption_route { stamp, deploy };

// The refusal (exit 4, located at SHOWN_AS) of a database unversioned and matching no snapshot
// of MIGRATIONS: the closest snapshot, what differs from it, and what would adopt the database.
// Views and triggers hold no data, so `stamp` then `upgrade` recreates them; a table must first
// be brought to the snapshot's form.
failure unmatched_schema_failure(std::string_view shown_as, const snapshot_match& match,
                                 const migration_set& migrations, bool alembic,
                                 adoption_route route = adoption_route::stamp);

}  // namespace litemig::detail

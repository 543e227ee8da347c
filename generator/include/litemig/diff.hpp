// Stage 3: what changed between two schemas, as a closed set of change kinds, plus the
// decisions litemig will not take on its own (drops, renames, fills).
#pragma once

#include "litemig/hints.hpp"
#include "litemig/schema.hpp"

#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace litemig {

namespace change {

struct table_created { const table* to; };
struct table_dropped { const table* from; };
struct table_renamed { const table* from; const table* to; };
// A table present on both sides (possibly renamed) whose definition changed.
struct table_altered {
  const table* from;
  const table* to;
  // For each column of TO: the column of FROM it takes its values from (nullptr: a new column).
  std::vector<const column*> sources;
  // For each column of TO: the SQL that fills it for existing rows (a fill hint), or nothing.
  std::vector<std::optional<std::string>> fills;
  std::vector<const column*> dropped;  // columns of FROM that have no place in TO
};
struct index_created { const index* to; };
struct index_dropped { const index* from; };
struct view_created { const view* to; };
struct view_dropped { const view* from; };
struct trigger_created { const trigger* to; };
struct trigger_dropped { const trigger* from; };
struct virtual_table_created { const virtual_table* to; };
struct virtual_table_dropped { const virtual_table* from; };
// A full-text table redefined in place: its rows are copied across (rowids kept), COLUMNS (named
// as in both) with their values; the other columns of TO start empty.
struct virtual_table_rebuilt {
  const virtual_table* from;
  const virtual_table* to;
  std::vector<std::string> columns;
};

}  // namespace change

using schema_change = std::variant<change::table_created, change::table_dropped, change::table_renamed,
                                   change::table_altered, change::index_created, change::index_dropped,
                                   change::view_created, change::view_dropped, change::trigger_created,
                                   change::trigger_dropped, change::virtual_table_created,
                                   change::virtual_table_dropped, change::virtual_table_rebuilt>;

// A change that needs the user's word: the hint lines that would settle it and what they mean.
struct decision {
  std::vector<hint> choices;  // first the suggested one, then alternatives
  std::string meaning;
};

// How the diff settles what hints settle for a user.
enum class decision_policy {
  ask,        // up migrations: only hints decide; anything else becomes a decision
  automatic,  // down migrations: drop what the up part added, fill with the old default or a neutral value
};

struct schema_diff {
  std::vector<schema_change> changes;
  std::vector<decision> decisions;
  std::set<const hint*> used_hints;  // the hints that settled a change
};

// Changes that turn FROM into TO. The result points into FROM, TO and HINTS: keep them alive.
schema_diff diff(const schema& from, const schema& to, const hints& given, decision_policy policy);

// The hints that reverse RENAME hints (for the down part).
hints reversed_renames(const hints& given);

// A value of COLUMN's type that satisfies NOT NULL when nothing better is known: 0, '' or x''.
std::string neutral_value(const column& col);

// One value per row of FROM for COLUMN (its rowid, or its row number), of COLUMN's type: what a
// restored UNIQUE or PRIMARY KEY column is filled with.
std::string distinct_value(const table& from, const column& col);

}  // namespace litemig

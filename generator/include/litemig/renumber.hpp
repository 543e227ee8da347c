// `litemig renumber`: the newest migration of a branch, generated again after a rebase with the
// next free number (two branches that both generated 0014).
#pragma once

#include "litemig/generate.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace litemig {

struct renumber_options {
  generate_options generate;  // reference, directory, hints, oldest SQLite (the name is the old one's)
  bool confirmed = false;     // --yes: change the directory; otherwise only say what would change
};

struct renumber_result {
  std::string removed;                   // the migration taken out, "NNNN_slug.sql"
  std::optional<std::string> snapshot;   // its snapshot, when it goes too ("snapshots/NNNN.sql")
  std::string reason;                    // why this one
  generate_result generated;             // what generate gives against the remaining directory
  bool changed = false;                  // the directory was changed
};

// Picks the migration to regenerate: of two with one number, the one litemig.sum does not list
// (the sum and snapshots of the other branch are taken, the branch's own file left over);
// without a number taken twice, the newest. Generates it again against the remaining directory
// under its old name, in a scratch copy; with CONFIRMED and a migration written (or no change
// left), removes the old file (and its own snapshot), writes the new one and its snapshot and
// records the sum. Decisions leave the directory as it was. Throws failure(exit_code::usage)
// when the directory does not say which migration is the branch's.
renumber_result renumber(const renumber_options& options);

}  // namespace litemig

// Stage 5: plans as reviewable SQL, and the migration file that holds the up and down parts.
#pragma once

#include "litemig/plan.hpp"

#include <cstdint>
#include <string>

namespace litemig {

// The statements of PLAN, each step preceded by a comment naming the schema change it implements.
std::string render_plan(const migration_plan& plan);

// A whole migration file: header comment, `-- litemig:up` part, `-- litemig:down` part.
std::string render_migration_file(std::int64_t version, const std::string& name, const migration_plan& up,
                                  const migration_plan& down);

}  // namespace litemig

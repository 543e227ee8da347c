// Stage 5: plans as reviewable SQL, and the migration file that holds the up and down parts.
#pragma once

#include "litemig/plan.hpp"
#include "litemig/schema.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace litemig {

// Throws failure(exit_code::usage) "ORIGIN: OBJECT: cause" when S holds something a migration file
// cannot carry as it is: a name with a control character (a line break would end a comment or a
// directive line, and no SQL escape can write it on one line), or SQL text with a line that reads
// as a `-- litemig:` directive.
void check_writable(const schema& s, std::string_view origin);

// The statements of PLAN, each step preceded by a comment naming the schema change it implements.
std::string render_plan(const migration_plan& plan);

// A whole migration file: header comment, `-- litemig:up` part, `-- litemig:down` part. UP_VERIFIED and
// DOWN_VERIFIED, when given, are what the self-check proved of each part (a schema-digest line).
std::string render_migration_file(std::int64_t version, const std::string& name, const migration_plan& up,
                                  const migration_plan& down, const std::optional<verified_result>& up_verified = {},
                                  const std::optional<verified_result>& down_verified = {});

}  // namespace litemig

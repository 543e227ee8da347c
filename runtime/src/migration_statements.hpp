// What a migration may contain. Every statement of a migration runs inside the applier's one
// transaction, together with its history row: a statement that ends or leaves that transaction,
// or that SQLite refuses or ignores inside one, would let a failure half-apply the migration.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace litemig::detail {

struct statement_refusal {
  std::size_t offset = 0;  // where the refused statement starts in the text
  std::string problem;     // "COMMIT would end litemig's transaction"
};

// The first statement of SQL that may not run inside a migration's transaction.
std::optional<statement_refusal> find_refused_statement(std::string_view sql);

}  // namespace litemig::detail

// The user's decisions for changes litemig will not guess: renames, drops and fills.
//
//   rename table OLD to NEW
//   rename column TABLE.OLD to NEW
//   drop table NAME
//   drop column TABLE.COLUMN
//   fill TABLE.COLUMN with SQL-EXPRESSION
//   name WORDS                      (the next migration's name: NNNN_words.sql)
//
// One per line, '#' starts a comment, identifiers may be double-quoted SQL-style.
#pragma once

#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace litemig {

struct hint {
  enum class kind { rename_table, rename_column, drop_table, drop_column, fill, name };
  kind what;
  std::string table;       // the table (old name for rename_table)
  std::string column;      // the column (old name for rename_column); empty for table hints
  std::string new_name;    // rename target; the migration's name for a name hint
  std::string expression;  // fill expression, SQL as written
  int line = 0;            // line number in the hints file (0 when made by litemig)

  // The line a user writes for this hint; parse_hints(text()) gives it back.
  std::string text() const;
};

struct hints {
  std::vector<hint> entries;
  std::string origin;  // file name for messages

  // Each find_* gives the matching hint, nullptr without one; a diff records the hints it used.
  const hint* find_column_rename(std::string_view table, std::string_view old_column) const;
  const hint* find_drop_table(std::string_view table) const;
  const hint* find_drop_column(std::string_view table, std::string_view column) const;
  const hint* find_fill(std::string_view table, std::string_view column) const;
  // The name line; nullptr without one.
  const hint* migration_name() const;
  // The entries not in USED, in file order.
  std::vector<const hint*> unused(const std::set<const hint*>& used) const;
};

// Throws failure(exit_code::usage) "ORIGIN:LINE: cause" on a malformed line.
hints parse_hints(std::string_view text, const std::string& origin);
hints read_hints_file(const std::string& path);

// Every fill of GIVEN that a diff used (USED) must be exactly one SQL expression over one row of its
// table in FROM (held by DB): SQLite prepares `SELECT 0 + (EXPRESSION) FROM "table" WHERE 0`,
// nothing may follow the expression, and an aggregate (which would fold the table's rows into
// one) is refused. Throws failure(exit_code::usage) "ORIGIN:LINE: cause". An unused fill is never
// written into a migration.
void check_fills(const hints& given, const std::set<const hint*>& used, sqlite::database& db, const schema& from);

}  // namespace litemig

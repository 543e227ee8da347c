// What a migration must not lose: every row and every kept value. Used by `litemig verify`.
#pragma once

#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace litemig {

// The rows of one table; values normalised so that equal meaning compares equal across a type
// change ('5' and 5, 2.0 and 2). NULL is nullopt.
struct table_data {
  std::string name;
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// By lower-cased table name; generated and hidden columns are left out.
using database_data = std::map<std::string, table_data>;

database_data capture_data(sqlite::database& db, const schema& s);

// Kept columns by lower-cased table name of the earlier database, as named there.
using kept_columns = std::map<std::string, std::vector<std::string>>;

struct data_comparison {
  std::vector<std::string> problems;  // one line each: rows or values lost or changed
  std::vector<std::string> notes;     // tables and columns the migration dropped or renamed
  kept_columns kept;
};

// Checks that every row of BEFORE is still in AFTER with the values of the columns both have.
// Without ONLY, a table or column missing in AFTER is matched to a new one holding the same
// values (a rename) or else noted as dropped. With ONLY, exactly those columns are compared,
// under the same names.
data_comparison compare_kept_data(const database_data& before, const database_data& after,
                                  const std::optional<kept_columns>& only = std::nullopt);

// One table whose rows a migration keeps: its name before and after, and the columns whose values
// it keeps, as (name before, name after).
struct kept_table {
  std::string before;
  std::string after;
  std::vector<std::pair<std::string, std::string>> columns;
};

// One line per table of KEPT whose rows in AFTER are not exactly those of BEFORE: a different row
// count, or a row whose kept values are not found in AFTER (rows compared as multisets).
std::vector<std::string> compare_kept_tables(const database_data& before, const database_data& after,
                                             const std::vector<kept_table>& kept);

}  // namespace litemig

// One health report of a database: integrity, dangling foreign keys and the live schema against
// its snapshot. verify, deploy's checks and check read it; each words what it finds its own way.
#pragma once

#include "litemig/compare.hpp"
#include "litemig/schema.hpp"
#include "litemig/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace litemig {

// The rows of CHILD whose foreign key refers to a missing row of PARENT.
struct dangling_references {
  std::string child;
  std::string parent;
  std::int64_t rows = 0;
  std::optional<std::int64_t> first_row;  // the rowid of the first such row (none: WITHOUT ROWID)
  // "\"child\" -> \"parent\""
  std::string pair() const;
};

struct health_checks {
  bool integrity = true;
  int integrity_limit = 100;        // integrity_check stops after this many findings
  bool foreign_keys = true;
  std::vector<std::string> foreign_key_tables{};  // the child tables checked (none: every table)
  const schema* expected = nullptr;  // when set, the live schema is compared with it by meaning

  // Only the live schema against EXPECTED.
  static health_checks schema_against(const schema& expected) { return {false, 0, false, {}, &expected}; }
};

struct health_report {
  std::vector<std::string> integrity;                // integrity_check's findings; none: sound
  std::vector<dangling_references> foreign_keys;     // by (child, parent) in the order SQLite reports them
  std::vector<schema_difference> schema;             // the live schema against health_checks::expected

  std::int64_t dangling_rows() const;
  // The pairs with more dangling rows than BASELINE has for them (a real database may carry its own).
  std::vector<dangling_references> dangling_beyond(const health_report& baseline) const;
  // Dangling rows BASELINE has for the pair of REFERENCES (0 when none).
  std::int64_t dangling_rows_of(const dangling_references& references) const;
};

// Runs the checks CHECKS asks for on DB. SQLite's errors (a file that is not a database) are
// thrown as sqlite::error.
health_report examine(sqlite::database& db, const health_checks& checks = {});

}  // namespace litemig

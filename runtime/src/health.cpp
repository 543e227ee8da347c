#include "litemig/health.hpp"
#include "applier_internal.hpp"

#include "litemig/inspect.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace litemig {

std::string dangling_references::pair() const { return fmt::format("\"{}\" -> \"{}\"", child, parent); }

std::int64_t health_report::dangling_rows() const {
  std::int64_t rows = 0;
  for (const auto& d : foreign_keys) rows += d.rows;
  return rows;
}

std::int64_t health_report::dangling_rows_of(const dangling_references& references) const {
  const auto found = std::find_if(foreign_keys.begin(), foreign_keys.end(), [&](const dangling_references& d) {
    return d.child == references.child && d.parent == references.parent;
  });
  return found == foreign_keys.end() ? 0 : found->rows;
}

std::vector<dangling_references> health_report::dangling_beyond(const health_report& baseline) const {
  std::vector<dangling_references> beyond;
  std::copy_if(foreign_keys.begin(), foreign_keys.end(), std::back_inserter(beyond),
               [&](const dangling_references& d) { return d.rows > baseline.dangling_rows_of(d); });
  return beyond;
}

namespace {

std::vector<std::string> integrity_findings(sqlite::database& db, int limit) {
  std::vector<std::string> findings;
  auto check = db.prepare(fmt::format("PRAGMA integrity_check({})", limit));
  while (check.step()) {
    if (auto line = check.column_text(0); line != "ok") findings.push_back(std::move(line));
  }
  return findings;
}

void tally_dangling(sqlite::database& db, const std::string& pragma, std::vector<dangling_references>& found) {
  auto check = db.prepare(pragma);
  while (check.step()) {
    const auto child = check.column_text(0);
    const auto parent = check.column_text(2);
    auto same = std::find_if(found.begin(), found.end(),
                             [&](const dangling_references& d) { return d.child == child && d.parent == parent; });
    if (same == found.end()) {
      found.push_back({child, parent, 0, check.is_null(1) ? std::nullopt : std::optional(check.column_int(1))});
      same = std::prev(found.end());
    }
    ++same->rows;
  }
}

std::vector<dangling_references> foreign_key_findings(sqlite::database& db, const std::vector<std::string>& tables) {
  std::vector<dangling_references> found;
  if (tables.empty()) tally_dangling(db, "PRAGMA foreign_key_check", found);
  for (const auto& name : tables) {
    // A table the migration part drops or has not created yet has no rows to check.
    if (detail::has_object(db, name))
      tally_dangling(db, fmt::format("PRAGMA foreign_key_check({})", sqlite::quote_identifier(name)), found);
  }
  return found;
}

}  // namespace

health_report examine(sqlite::database& db, const health_checks& checks) {
  health_report report;
  if (checks.integrity) report.integrity = integrity_findings(db, checks.integrity_limit);
  if (checks.foreign_keys) report.foreign_keys = foreign_key_findings(db, checks.foreign_key_tables);
  if (checks.expected) report.schema = compare(*checks.expected, inspect(db));
  return report;
}

}  // namespace litemig

#include "deploy_checks.hpp"
#include "adoption.hpp"
#include "applier_internal.hpp"
#include "names.hpp"

#include "litemig/quantities.hpp"
#include "litemig/compare.hpp"
#include "litemig/errors.hpp"
#include "litemig/health.hpp"
#include "litemig/inspect.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>

namespace fs = std::filesystem;

namespace litemig::deploy_checks {

namespace {

[[noreturn]] void fail(const fs::path& file, std::string_view cause, exit_code code = exit_code::failure) {
  throw failure(code, file.string(), fmt::format("{}", cause));
}

// Several lines of a report as one line, for a one-line message.
std::string one_line(const std::string& text) {
  std::string line;
  for (const char c : text) {
    if (c == '\n') {
      if (!line.empty() && line.back() != ' ') line += "; ";
    } else {
      line += c;
    }
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == ';')) line.pop_back();
  return line;
}

}  // namespace

void check_database(const fs::path& file, const std::string& shown_as) {
  const fs::path named = shown_as.empty() ? file : fs::path(shown_as);
  try {
    sqlite::database db(file, sqlite::open_mode::read_only);
    db.validate();
    const auto findings = examine(db, {.integrity_limit = 5, .foreign_keys = false}).integrity;
    if (!findings.empty()) fail(named, fmt::format("integrity_check failed: {}", fmt::join(findings, "; ")));
  } catch (const sqlite::error& e) {
    fail(named, fmt::format("not a usable database: {}", e.sqlite_message()));
  }
}

void check_foreign_keys(const fs::path& file) {
  sqlite::database db(file, sqlite::open_mode::read_only);
  const auto health = examine(db, {.integrity = false});
  if (health.foreign_keys.empty()) return;
  const auto& first = health.foreign_keys.front();
  fail(file, fmt::format("foreign_key_check found {}, first: table \"{}\" row {} refers to a missing row of \"{}\"",
                         count_of(health.dangling_rows(), "violation"), first.child,
                         first.first_row ? std::to_string(*first.first_row) : std::string("?"), first.parent));
}

void check_schema(const fs::path& file, const migration_set& migrations, std::int64_t version) {
  const auto snapshot = migrations.snapshot(version);
  if (!snapshot) {
    fail(file, fmt::format("no snapshot of version {} to compare with ({})", version,
                           migrations.locate(snapshot_file_name(version))));
  }
  sqlite::database db(file, sqlite::open_mode::read_only);
  const auto expected = inspect_sql(*snapshot, migrations.locate(snapshot_file_name(version)));
  const auto differences = examine(db, health_checks::schema_against(expected)).schema;
  if (!differences.empty()) {
    fail(file, fmt::format("schema differs from snapshot {}: {}", version, one_line(describe(differences))),
         exit_code::schema_mismatch);
  }
}

std::vector<std::string> drifted_views_and_triggers(const fs::path& file, const migration_set& migrations,
                                                    std::int64_t version) {
  detail::snapshot_cache snapshots(migrations);
  const schema& expected = snapshots.at(version);
  sqlite::database db(file, sqlite::open_mode::read_only);
  const auto differences = examine(db, health_checks::schema_against(expected)).schema;
  std::vector<schema_difference> tables;
  std::copy_if(differences.begin(), differences.end(), std::back_inserter(tables),
               [](const schema_difference& d) { return d.kind != schema_difference::object_kind::view &&
                                                       d.kind != schema_difference::object_kind::trigger; });
  if (!tables.empty()) {
    fail(file, fmt::format("the schema was changed outside migrations (compared with {}): {}; the migrate step would refuse it",
                           migrations.locate(snapshot_file_name(version)), detail::one_line(tables)),
         exit_code::schema_mismatch);
  }
  std::vector<std::string> objects;
  for (const auto& d : differences) {
    objects.push_back(fmt::format("{} \"{}\" ({})", d.kind == schema_difference::object_kind::view ? "view" : "trigger",
                                  d.name, d.description));
    if (d.kind != schema_difference::object_kind::view) continue;
    // Dropping a view drops its INSTEAD OF triggers, which come back from the snapshot too.
    for (const auto& t : expected.triggers) {
      if (lower_ascii(t.table) == lower_ascii(d.name)) objects.push_back(fmt::format("trigger \"{}\" (on that view)", t.name));
    }
  }
  return objects;
}

failure unmatched_schema(const fs::path& file, const migration_set& migrations, const std::string& shown_as) {
  detail::snapshot_cache snapshots(migrations);
  sqlite::database db(file, sqlite::open_mode::read_only);
  const auto match = detail::match_snapshots(inspect(db), migrations, snapshots);
  return detail::unmatched_schema_failure(shown_as, match, migrations, detail::has_object(db, "alembic_version"),
                                          detail::adoption_route::deploy);
}

std::map<std::string, std::int64_t> row_counts(const fs::path& file) {
  sqlite::database db(file, sqlite::open_mode::read_only);
  std::map<std::string, std::int64_t> counts;
  for (const auto& t : inspect(db).tables) {
    counts[lower_ascii(t.name)] = db.query_int("SELECT count(*) FROM " + sqlite::quote_identifier(t.name)).value_or(0);
  }
  return counts;
}


std::string log_timestamp() { return detail::format_utc_now("%Y-%m-%d %H:%M:%SZ"); }

}  // namespace litemig::deploy_checks

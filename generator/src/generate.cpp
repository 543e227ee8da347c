#include "overloaded.hpp"

#include "litemig/generate.hpp"

#include "litemig/compare.hpp"
#include "litemig/errors.hpp"
#include "litemig/files.hpp"
#include "litemig/inspect.hpp"
#include "litemig/migration.hpp"
#include "litemig/plan.hpp"
#include "litemig/render.hpp"
#include "litemig/self_check.hpp"
#include "litemig/sql_tokens.hpp"
#include "litemig/sqlite.hpp"

#include "previous_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace litemig {

namespace {

struct reference_database {
  sqlite::database db;
  schema inspected;
};

reference_database load_reference(const fs::path& path) {
  if (!fs::exists(path)) throw failure(exit_code::failure, path.string(), "reference database not found");
  try {
    sqlite::database db(path, sqlite::open_mode::read_only);
    db.validate();
    auto s = inspect(db);
    check_writable(s, path.string());
    for (const auto& v : s.views) {
      try {
        db.prepare(fmt::format("SELECT * FROM {} LIMIT 0", sqlite::quote_identifier(v.name)));
      } catch (const sqlite::error& e) {
        throw failure(exit_code::failure, path.string(),
                      fmt::format("view {} does not compile: {}", printable_name(v.name), e.sqlite_message()));
      }
    }
    return {std::move(db), std::move(s)};
  } catch (const sqlite::error& e) {
    const auto cause = e.is_not_a_database() ? "not an SQLite database (or a damaged one)" : e.sqlite_message();
    throw failure(exit_code::failure, path.string(), fmt::format("cannot read the reference database: {}", cause));
  }
}

// The SQL of the newest snapshot of SET ("" without migrations).
std::string latest_snapshot(const migration_set& set) {
  const auto latest = set.latest_version();
  if (latest == 0) return {};
  const auto snapshot = set.snapshot(latest);
  if (!snapshot) {
    throw failure(exit_code::usage, set.locate(snapshot_file_name(latest)),
                  fmt::format("missing; it records the schema of migration {:04}", latest));
  }
  return *snapshot;
}

// PREVIOUS_SQL, the newest snapshot of SET, in a scratch database.
loaded_snapshot load_previous(const migration_set& set, const std::string& previous_sql, reference_database& reference) {
  try {
    return load_snapshot(previous_sql, reference.db, reference.inspected);
  } catch (const sqlite::error& e) {
    throw failure(exit_code::usage, set.locate(snapshot_file_name(set.latest_version())),
                  fmt::format("does not load: {}", e.sqlite_message()));
  }
}

std::string slug_of(const std::string& text) {
  std::string slug;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      slug += static_cast<char>(std::tolower(u));
    } else if (!slug.empty() && slug.back() != '_') {
      slug += '_';
    }
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  if (slug.size() > 60) slug.resize(60);
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  return slug.empty() ? "change" : slug;
}

// What one altered table went through, in the words a reviewer would use.
std::string describe_alteration(const change::table_altered& a, const migration_plan& up) {
  std::vector<std::string> added, renamed;
  for (std::size_t i = 0; i < a.to->columns.size(); ++i) {
    const auto* source = a.sources[i];
    if (!source) added.push_back(a.to->columns[i].name);
    if (source && !same_name(source->name, a.to->columns[i].name)) renamed.push_back(source->name + " to " + a.to->columns[i].name);
  }
  const auto& t = a.to->name;
  const auto rebuilt = std::any_of(up.decisions.rebuilt_tables.begin(), up.decisions.rebuilt_tables.end(),
                                   [&](const std::string& name) { return same_name(name, t); });
  const bool only_added = !added.empty() && renamed.empty() && a.dropped.empty();
  if (only_added && added.size() <= 2 && !rebuilt) return fmt::format("add {} to {}", fmt::join(added, " and "), t);
  if (added.empty() && renamed.empty() && a.dropped.size() == 1 && !rebuilt) {
    return fmt::format("drop {} from {}", a.dropped.front()->name, t);
  }
  if (added.empty() && a.dropped.empty() && renamed.size() == 1 && !rebuilt) return fmt::format("rename {} {}", t, renamed.front());
  return (rebuilt ? "rebuild " : "change ") + t;
}

// One phrase per changed object: what it is and what happened to it. An object dropped and
// created again under its name (a view, an index, a trigger redefined) is changed, not dropped.
std::vector<std::string> describe_changes(const schema_diff& d, const migration_plan& up) {
  std::vector<std::string> tables, others;
  std::map<std::string, std::size_t> dropped_at;  // "kind name" -> index in others
  const auto object = [&](const std::string& kind, const std::string& name, bool created) {
    const auto key = kind + " " + lower_ascii(name);
    if (const auto found = dropped_at.find(key); found != dropped_at.end() && created) {
      others[found->second] = fmt::format("change {} {}", kind, name);
      return;
    }
    if (!created) dropped_at[key] = others.size();
    others.push_back(fmt::format("{} {} {}", created ? "add" : "drop", kind, name));
  };
  for (const auto& c : d.changes) {
    std::visit(overloaded{
                   [&](const change::table_created& x) { tables.push_back("add " + x.to->name); },
                   [&](const change::table_dropped& x) { tables.push_back("drop " + x.from->name); },
                   [&](const change::table_renamed& x) { tables.push_back("rename " + x.from->name + " to " + x.to->name); },
                   [&](const change::table_altered& x) { tables.push_back(describe_alteration(x, up)); },
                   [&](const change::index_created& x) { object("index", x.to->name, true); },
                   [&](const change::index_dropped& x) { object("index", x.from->name, false); },
                   [&](const change::view_created& x) { object("view", x.to->name, true); },
                   [&](const change::view_dropped& x) { object("view", x.from->name, false); },
                   [&](const change::trigger_created& x) { object("trigger", x.to->name, true); },
                   [&](const change::trigger_dropped& x) { object("trigger", x.from->name, false); },
                   [&](const change::virtual_table_created& x) { object("table", x.to->name, true); },
                   [&](const change::virtual_table_dropped& x) { object("table", x.from->name, false); },
                   [&](const change::virtual_table_rebuilt& x) { tables.push_back("rebuild " + x.to->name); },
               },
               c);
  }
  tables.insert(tables.end(), others.begin(), others.end());
  return tables;
}

// The slug of a migration: its one or two changes, or the first and how many more.
std::string describe(const schema_diff& d, const migration_plan& up) {
  const auto phrases = describe_changes(d, up);
  if (phrases.empty()) return "change";
  if (phrases.size() <= 2) return fmt::format("{}", fmt::join(phrases, " and "));
  return fmt::format("{} and {} more", phrases.front(), phrases.size() - 1);
}

}  // namespace

int parse_sqlite_version(const std::string& text) {
  int major = 0, minor = 0, patch = 0;
  char dot1 = 0, dot2 = 0;
  std::istringstream in(text);
  if (text.find('.') == std::string::npos) {
    int number = 0;
    if (in >> number && in.eof() && number >= 3000000) return number;
  } else if ((in >> major >> dot1 >> minor) && dot1 == '.') {
    if (!(in >> dot2 >> patch)) patch = 0;
    if (major == 3) return major * 1000000 + minor * 1000 + patch;
  }
  throw failure(exit_code::usage, fmt::format("'{}' is not an SQLite version such as 3.35.0", text));
}

namespace {

// An older migration or snapshot whose text differs from the one the sum recorded.
void refuse_older_edits(const fs::path& dir, const migration_set& set, const std::map<std::string, std::string>& files,
                        const std::string& recorded) {
  const auto newest = set.latest_version();
  for (const auto& [name, text] : files) {
    const bool newest_file = name == snapshot_file_name(newest) || (set.find(newest) && set.find(newest)->file_name == name);
    if (newest_file) continue;
    const auto line_end = fmt::format(" {}\n", name);
    const auto at = recorded.find(line_end);
    if (at == std::string::npos || at < 64) continue;  // not recorded before: a new file
    const auto listed = recorded.substr(at - 64, 64);
    if (listed == sha256_hex(text)) continue;
    throw failure(exit_code::checksum_mismatch, (dir / name).string(),
                  fmt::format("changed after a later migration was recorded; databases that applied it keep its "
                              "old text and will refuse it. Restore it (git checkout), or, when no database has "
                              "applied it, record the edit with: litemig hash --dir {} --allow-older-edits",
                              dir.string()));
  }
}

}  // namespace

std::size_t record_sum(const fs::path& dir, bool allow_older_edits) {
  if (!fs::is_directory(dir)) throw failure(exit_code::failure, dir.string(), "no such directory");
  auto files = read_migration_directory(dir);
  const auto old_sum = files.find(sum_file_name);
  const std::string recorded = old_sum == files.end() ? std::string{} : old_sum->second;
  files.erase(sum_file_name);
  // Only a directory that would be accepted when read is recorded: every migration parses, and
  // the numbers run from 0001 without a gap or a number taken twice (two branches' 0014).
  const auto set = migration_set::from_files(files, dir);
  if (!allow_older_edits) refuse_older_edits(dir, set, files, recorded);
  write_file_atomically(dir / sum_file_name, render_sum(files));
  return files.size();
}

generate_result generate(const generate_options& options) {
  const auto set = migration_set::from_directory(options.dir);
  refuse_edited_migrations(set);
  const auto latest = set.latest_version();
  const auto previous_sql = latest_snapshot(set);
  auto reference_file = load_reference(options.reference);
  const auto& reference = reference_file.inspected;
  // One scratch database holds the previous schema: it is inspected, and later runs the new
  // migration for the self-check (loading a large schema is the costly part).
  auto [scratch, previous] = load_previous(set, previous_sql, reference_file);
  if (latest > 0) check_writable(previous, set.locate(snapshot_file_name(latest)));

  generate_result result;
  if (compare(reference, previous).empty()) return result;

  const hints given = options.hints_file ? read_hints_file(options.hints_file->string()) : hints{};
  const auto up_diff = diff(previous, reference, given, decision_policy::ask);
  if (!up_diff.decisions.empty()) {
    result.result = generate_result::outcome::decisions_needed;
    result.decisions = up_diff.decisions;
    return result;
  }
  check_fills(given, up_diff.used_hints, scratch, previous);
  const auto* named = given.migration_name();
  auto used = up_diff.used_hints;
  if (named) used.insert(named);
  for (const auto* unused : given.unused(used)) {
    result.warnings.push_back(fmt::format("{}:{}: hint names nothing in this change: {}", given.origin, unused->line, unused->text()));
  }
  const auto reversed = reversed_renames(given);
  const auto down_diff = diff(reference, previous, reversed, decision_policy::automatic);
  const plan_settings settings{options.min_sqlite_version};
  const auto up = make_plan(previous, reference, up_diff, settings);
  const auto down = make_plan(reference, previous, down_diff, settings);

  const auto version = latest + 1;
  const auto name = slug_of(options.name   ? *options.name
                            : named        ? named->new_name
                            : latest == 0  ? "initial"
                                           : describe(up_diff, up));
  const auto file_name = fmt::format("{:04}_{}.sql", version, name);
  const auto checked = parse_migration(file_name, render_migration_file(version, name, up, down));
  proven_digests digests;
  for (auto& warning : self_check(scratch, previous, reference, checked, &digests)) result.warnings.push_back(std::move(warning));
  const auto reference_sql = snapshot_sql(reference);
  const auto proof = [](const std::string& digest, const std::string& snapshot) {
    return digest.empty() ? std::nullopt : std::optional<verified_result>({digest, sha256_hex(snapshot)});
  };
  const auto text = render_migration_file(version, name, up, down, proof(digests.up, reference_sql),
                                          proof(digests.down, previous_sql));

  std::error_code error;
  fs::create_directories(options.dir / "snapshots", error);
  if (error) throw failure(exit_code::failure, options.dir.string(),
                           fmt::format("cannot create: {}", error.message()));
  write_file_atomically(options.dir / snapshot_file_name(version), reference_sql);
  write_file_atomically(options.dir / file_name, text);
  record_sum(options.dir);
  result.result = generate_result::outcome::written;
  result.migration_file = options.dir / file_name;
  return result;
}

}  // namespace litemig

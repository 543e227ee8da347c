#include "litemig/self_check.hpp"

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/data_check.hpp"
#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/sample_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace litemig {
namespace {

constexpr int sample_rows = 5;
constexpr std::uint32_t sample_seed = 20261130;

// Sample rows that a constraint of the part refuses: a limit of the sample, not a fault of the
// migration (the applier rolls such a part back and its pre-flight names real rows).
struct rows_refused {
  std::string which;  // the part, or "" when the rows could not be inserted
  std::string message;
};

// The rowid and COLUMNS of a full-text table (nothing to compare but the row count otherwise).
std::vector<std::pair<std::string, std::string>> full_text_columns(const virtual_table& v,
                                                                   const std::vector<std::string>& columns) {
  std::vector<std::pair<std::string, std::string>> kept;
  if (!v.is_full_text()) return kept;
  kept.emplace_back("rowid", "rowid");
  for (const auto& c : columns) kept.emplace_back(c, c);
  return kept;
}

std::string table_after(const part_plan& plan, const std::string& name) {
  for (const auto& [from, to] : plan.renamed_tables) {
    if (same_name(from, name)) return to;
  }
  return name;
}

std::string column_after(const part_plan& plan, const std::string& table_name, const std::string& name) {
  for (const auto& r : plan.renamed_columns) {
    if (same_name(r.table, table_name) && same_name(r.from, name)) return r.to;
  }
  return name;
}

bool dropped(const part_plan& plan, const std::string& table_name, const std::string& column_name) {
  return std::any_of(plan.dropped_columns.begin(), plan.dropped_columns.end(), [&](const column_reference& c) {
    return same_name(c.table, table_name) && same_name(c.column, column_name);
  });
}

// A full-text table keeps its rows when they can be read back and are not replaced by another
// table's (external content): rowids and the columns both definitions have.
std::optional<kept_table> kept_virtual_table(const virtual_table& v, const virtual_table& after) {
  if (v == after) return kept_table{v.name, after.name, full_text_columns(v, v.columns)};
  const bool readable = v.holds_own_content() || v.has_external_content();
  if (!readable || !after.is_full_text() || (after.has_external_content() && !v.has_external_content())) return std::nullopt;
  std::vector<std::string> columns;
  for (const auto& c : v.columns) {
    if (std::any_of(after.columns.begin(), after.columns.end(), [&](const auto& n) { return same_name(n, c); })) {
      columns.push_back(c);
    }
  }
  return kept_table{v.name, after.name, full_text_columns(after, columns)};
}

// The same tables and columns compared with themselves, on one side of the migration.
std::vector<kept_table> one_side(const std::vector<kept_table>& kept, bool before) {
  std::vector<kept_table> side;
  for (const auto& k : kept) {
    const auto& name = before ? k.before : k.after;
    kept_table same{name, name, {}};
    for (const auto& [old_name, new_name] : k.columns) {
      const auto& column = before ? old_name : new_name;
      same.columns.emplace_back(column, column);
    }
    side.push_back(std::move(same));
  }
  return side;
}

// Sample rows for S; a schema SQLite accepts but cannot fill (a foreign key to a column that is
// not a key) leaves the check without rows.
void insert_rows(sqlite::database& db, const schema& s) {
  try {
    insert_sample_rows(db, s, sample_rows, sample_seed);
  } catch (const sqlite::error& e) {
    throw rows_refused{{}, e.sqlite_message()};
  }
}

class checker {
 public:
  checker(const schema& previous, const schema& reference, const migration& m, proven_digests* digests)
      : previous_(previous), reference_(reference), m_(m), kept_(kept_tables(previous, reference, m.up.plan)),
        digests_(digests) {}

  std::vector<std::string> run(sqlite::database& scratch) {
    start_ = schema_digest(scratch);
    auto warnings = checked(scratch);
    if (digests_ != nullptr) *digests_ = proven_;
    return warnings;
  }

 private:
  std::vector<std::string> checked(sqlite::database& scratch) {
    auto pristine = scratch.in_memory_copy();
    try {
      insert_rows(scratch, previous_);
      round_trip(scratch);
      return {};
    } catch (const rows_refused& refused) {
      if (!refused.which.empty() && refused.which != "up") return fall_back(pristine, refused);
    }
    // Rows made for the old schema break a new constraint: rows made for the new one, taken down.
    try {
      auto db = pristine.in_memory_copy();
      run_part(db, "up", false);
      insert_rows(db, reference_);
      run_part(db, "down", true);
      round_trip(db);
      return {};
    } catch (const rows_refused& refused) {
      return fall_back(pristine, refused);
    }
  }

  // From DB at the previous schema with rows: up, down and up again, the schema and the rows
  // compared after each part.
  void round_trip(sqlite::database& db) {
    const auto losses = litemig::round_trip(
        kept_, {[&](bool up) { run_part(db, up ? "up" : "down", true); },
                [&](bool up) { return capture_data(db, up ? reference_ : previous_); }});
    if (losses.empty()) return;
    throw failure(exit_code::failure, fmt::format("the generated migration {} loses data on sample rows ({}): {}",
                                                  m_.file_name, losses.front().stage, losses.front().problem));
  }

  // Sample rows could not take the migration through: both parts still run on empty tables
  // (PRISTINE), and the refusal becomes a warning.
  std::vector<std::string> fall_back(sqlite::database& pristine, const rows_refused& refused) {
    run_part(pristine, "up", false);
    run_part(pristine, "down", false);
    return {warning(refused)};
  }

  void run_part(sqlite::database& db, const std::string& which, bool with_rows) {
    const bool up = which == "up";
    const auto on = with_rows ? "sample rows" : "its own schema";
    try {
      sqlite::transaction tx(db);
      db.execute(up ? m_.up.sql : m_.down.sql);
      tx.commit();
    } catch (const sqlite::error& e) {
      if (with_rows && e.is_constraint()) {
        throw rows_refused{which, e.sqlite_message()};
      }
      throw failure(exit_code::failure, fmt::format("the generated {} part of {} fails on {}: {}", which, m_.file_name, on, e.what()));
    }
    // The same stored statements as a result already compared, or for the down part as the scratch
    // database held at first (PREVIOUS): the same schema, with no inspection of every table again.
    const auto digest = schema_digest(db);
    auto& proven = up ? proven_.up : proven_.down;
    const bool same = digest == proven || (!up && digest == start_);
    if (!same) {
      const auto differences = compare(up ? reference_ : previous_, inspect(db));
      if (!differences.empty()) {
        throw failure(exit_code::failure, fmt::format("the generated {} part of {} does not reproduce its schema: {}",
                                                      which, m_.file_name, describe(differences)));
      }
    }
    if (proven.empty()) proven = digest;
  }

  std::string warning(const rows_refused& refused) const {
    if (refused.which.empty()) {
      return fmt::format("{}: checked on empty tables only: no sample rows could be inserted: {}", m_.file_name,
                         refused.message);
    }
    return fmt::format("{}: the {} part fails on sample rows: {} (the applier rolls such a part back; review it)",
                       m_.file_name, refused.which, refused.message);
  }

  const schema& previous_;
  const schema& reference_;
  const migration& m_;
  std::vector<kept_table> kept_;
  proven_digests* digests_;
  proven_digests proven_;            // the first result of each part found equal to its schema
  std::string start_;                // the scratch database's digest before anything ran
};

}  // namespace

std::vector<kept_table> kept_tables(const schema& before, const schema& after, const part_plan& plan) {
  std::vector<kept_table> kept;
  for (const auto& t : before.tables) {
    const bool gone = std::any_of(plan.dropped_tables.begin(), plan.dropped_tables.end(),
                                  [&](const std::string& name) { return same_name(name, t.name); });
    const auto* a = gone ? nullptr : after.find_table(table_after(plan, t.name));
    if (!a) continue;
    kept_table k{t.name, a->name, {}};
    for (const auto& c : t.columns) {
      if (c.is_generated() || c.hidden || dropped(plan, a->name, c.name)) continue;
      const auto* n = a->find_column(column_after(plan, a->name, c.name));
      if (!n || n->is_generated() || (n->not_null && !c.not_null)) continue;
      k.columns.emplace_back(c.name, n->name);
    }
    kept.push_back(std::move(k));
  }
  for (const auto& v : before.virtual_tables) {
    const auto* a = after.find_virtual_table(v.name);
    if (!a) continue;
    if (auto k = kept_virtual_table(v, *a)) kept.push_back(std::move(*k));
  }
  return kept;
}

std::vector<data_loss> round_trip(const std::vector<kept_table>& kept, const round_trip_steps& steps) {
  std::vector<data_loss> losses;
  const auto expect = [&](const std::vector<std::string>& problems, const char* stage) {
    for (const auto& p : problems) losses.push_back({stage, p});
  };
  const auto start = steps.capture(false);
  steps.apply(true);
  const auto up = steps.capture(true);
  expect(compare_kept_tables(start, up, kept), "up");
  steps.apply(false);
  expect(compare_kept_tables(start, steps.capture(false), one_side(kept, true)), "down");
  steps.apply(true);
  expect(compare_kept_tables(up, steps.capture(true), one_side(kept, false)), "up after down");
  return losses;
}

std::vector<std::string> self_check(sqlite::database& scratch, const schema& previous, const schema& reference,
                                    const migration& m, proven_digests* digests) {
  return checker(previous, reference, m, digests).run(scratch);
}

}  // namespace litemig

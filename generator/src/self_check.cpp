#include "litemig/self_check.hpp"

#include "overloaded.hpp"

#include "litemig/compare.hpp"
#include "litemig/data_check.hpp"
#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/sample_data.hpp"

#include <fmt/format.h>

#include <map>

namespace litemig {
namespace {

constexpr int sample_rows = 5;
constexpr std::uint32_t sample_seed = 20261130;
constexpr int sqlite_constraint = 19;
constexpr int sqlite_mismatch = 20;

// Sample rows that a constraint of the part refuses: a limit of the sample, not a fault of the
// migration (the applier rolls such a part back and its pre-flight names real rows).
struct rows_refused {
  std::string which;  // the part, or "" when the rows could not be inserted
  std::string message;
};

std::vector<std::pair<std::string, std::string>> same_columns(const table& t) {
  std::vector<std::pair<std::string, std::string>> columns;
  for (const auto& c : t.columns) {
    if (!c.is_generated() && !c.hidden) columns.emplace_back(c.name, c.name);
  }
  return columns;
}

// The columns an alteration copies unchanged: not filled, not computed, not gaining NOT NULL
// (a default may replace NULLs).
std::vector<std::pair<std::string, std::string>> copied_columns(const change::table_altered& a) {
  std::vector<std::pair<std::string, std::string>> columns;
  for (std::size_t i = 0; i < a.to->columns.size(); ++i) {
    const auto& c = a.to->columns[i];
    const auto* source = a.sources[i];
    if (!source || a.fills[i] || c.is_generated() || source->is_generated() || source->hidden) continue;
    if (c.not_null && !source->not_null) continue;
    columns.emplace_back(source->name, c.name);
  }
  return columns;
}

// The rowid and COLUMNS of a full-text table (nothing to compare but the row count otherwise).
std::vector<std::pair<std::string, std::string>> full_text_columns(const virtual_table& v,
                                                                   const std::vector<std::string>& columns) {
  std::vector<std::pair<std::string, std::string>> kept;
  if (!v.is_full_text()) return kept;
  kept.emplace_back("rowid", "rowid");
  for (const auto& c : columns) kept.emplace_back(c, c);
  return kept;
}

// What the up part keeps of each table of PREVIOUS.
std::vector<kept_table> kept_by(const schema& previous, const schema& reference, const schema_diff& up) {
  std::map<std::string, kept_table> kept;
  for (const auto& t : previous.tables) {
    if (reference.find_table(t.name)) kept[lower_ascii(t.name)] = {t.name, t.name, same_columns(t)};
  }
  for (const auto& v : previous.virtual_tables) {
    const auto* same = reference.find_virtual_table(v.name);
    if (same && *same == v) kept[lower_ascii(v.name)] = {v.name, v.name, full_text_columns(v, v.columns)};
  }
  for (const auto& c : up.changes) {
    std::visit(overloaded{
                   [&](const change::table_dropped& x) { kept.erase(lower_ascii(x.from->name)); },
                   [&](const change::table_renamed& x) {
                     kept[lower_ascii(x.from->name)] = {x.from->name, x.to->name, same_columns(*x.from)};
                   },
                   [&](const change::table_altered& x) {
                     kept[lower_ascii(x.from->name)] = {x.from->name, x.to->name, copied_columns(x)};
                   },
                   [&](const change::virtual_table_rebuilt& x) {
                     kept[lower_ascii(x.from->name)] = {x.from->name, x.to->name, full_text_columns(*x.to, x.columns)};
                   },
                   [](const auto&) {},
               },
               c);
  }
  std::vector<kept_table> result;
  for (auto& [key, k] : kept) result.push_back(std::move(k));
  return result;
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
  checker(const schema& previous, const schema& reference, const schema_diff& up, const migration& m)
      : previous_(previous), reference_(reference), m_(m), kept_(kept_by(previous, reference, up)) {}

  std::vector<std::string> run(sqlite::database& scratch) {
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

 private:
  // From DB at the previous schema with rows: up, down and up again, the schema and the rows
  // compared after each part.
  void round_trip(sqlite::database& db) {
    const auto start = capture_data(db, previous_);
    run_part(db, "up", true);
    const auto up = capture_data(db, reference_);
    expect(compare_kept_tables(start, up, kept_), "up");
    run_part(db, "down", true);
    expect(compare_kept_tables(start, capture_data(db, previous_), one_side(kept_, true)), "down");
    run_part(db, "up", true);
    expect(compare_kept_tables(up, capture_data(db, reference_), one_side(kept_, false)), "up after down");
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
      if (with_rows && (e.primary_code() == sqlite_constraint || e.primary_code() == sqlite_mismatch)) {
        throw rows_refused{which, e.sqlite_message()};
      }
      throw failure(exit_code::failure, fmt::format("the generated {} part of {} fails on {}: {}", which, m_.file_name, on, e.what()));
    }
    const auto differences = compare(up ? reference_ : previous_, inspect(db));
    if (!differences.empty()) {
      throw failure(exit_code::failure, fmt::format("the generated {} part of {} does not reproduce its schema: {}", which,
                                                    m_.file_name, describe(differences)));
    }
  }

  void expect(const std::vector<std::string>& problems, const char* stage) const {
    if (problems.empty()) return;
    throw failure(exit_code::failure, fmt::format("the generated migration {} loses data on sample rows ({}): {}",
                                                  m_.file_name, stage, problems.front()));
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
};

}  // namespace

std::vector<std::string> self_check(sqlite::database& scratch, const schema& previous, const schema& reference,
                                    const schema_diff& up_diff, const migration& m) {
  return checker(previous, reference, up_diff, m).run(scratch);
}

}  // namespace litemig

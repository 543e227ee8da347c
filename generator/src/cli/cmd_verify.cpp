// litemig verify: the per-migration test. Starts from a database with data at version N-1,
// applies N with the runtime's applier, checks schema, integrity and data, then reverts it.
#include "tool_commands.hpp"
#include "options.hpp"

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/data_check.hpp"
#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/migration.hpp"
#include "litemig/sample_data.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace litemig::cli {
namespace {

namespace fs = std::filesystem;

// A private folder for the database under test, removed however verify ends.
class scratch_directory {
 public:
  scratch_directory() {
    std::random_device entropy;
    path_ = fs::temp_directory_path() / fmt::format("litemig-verify-{:08x}{:08x}", entropy(), entropy());
    fs::create_directories(path_);
  }
  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;
  ~scratch_directory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::size_t row_count(const database_data& data) {
  std::size_t rows = 0;
  for (const auto& [name, table] : data) rows += table.rows.size();
  return rows;
}

// Dangling references by "child -> parent" table pair, as PRAGMA foreign_key_check reports them.
using dangling_references = std::map<std::string, std::int64_t>;

dangling_references foreign_key_violations(sqlite::database& db) {
  dangling_references found;
  auto check = db.prepare("PRAGMA foreign_key_check");
  while (check.step()) ++found[fmt::format("\"{}\" -> \"{}\"", check.column_text(0), check.column_text(2))];
  return found;
}

// Schema against the snapshot of VERSION, integrity_check, and foreign_key_check: a real fixture
// may carry dangling references of its own, so only those beyond BASELINE count.
void check_database(sqlite::database& db, const migration_set& set, std::int64_t version, const std::string& stage,
                    const dangling_references& baseline, std::vector<std::string>& problems) {
  const auto snapshot = set.snapshot(version);
  if (!snapshot) {
    problems.push_back(fmt::format("{}: snapshot {} is missing", stage, snapshot_file_name(version)));
  } else {
    const auto differences = compare(inspect_sql(*snapshot, set.locate(snapshot_file_name(version))), inspect(db));
    for (const auto& d : differences) {
      auto line = describe({d});
      line.pop_back();
      problems.push_back(fmt::format("{}: schema differs from {}: {}", stage, snapshot_file_name(version), line));
    }
  }
  auto integrity = db.prepare("PRAGMA integrity_check");
  while (integrity.step()) {
    if (const auto line = integrity.column_text(0); line != "ok") problems.push_back(stage + ": integrity_check: " + line);
  }
  for (const auto& [pair, count] : foreign_key_violations(db)) {
    const auto before = baseline.count(pair) ? baseline.at(pair) : 0;
    if (count > before) {
      problems.push_back(fmt::format("{}: foreign_key_check: {} of {} {} missing rows ({} before)", stage,
                                     count_of(count, "row"), pair, count == 1 ? "references" : "reference", before));
    }
  }
}

void add_data_problems(const data_comparison& comparison, const std::string& stage, std::vector<std::string>& problems) {
  for (const auto& p : comparison.problems) problems.push_back(stage + ": " + p);
}

apply_options quiet_options(std::int64_t target) {
  apply_options options;
  options.target = target;
  options.backup = false;
  return options;
}

// The database at version N-1 the migration starts from: a copy of the fixture, or an empty
// database brought to N-1 by the applier and filled with generated rows.
void prepare_start(const fs::path& work, const migration_set& set, std::int64_t previous, const std::string& fixture,
                   int rows, std::uint32_t seed) {
  if (!fixture.empty()) {
    sqlite::database source(fixture, sqlite::open_mode::read_only);
    if (const auto version = source.user_version(); version != previous) {
      throw failure(exit_code::usage,
                    fmt::format("{}: fixture is at version {}, migration {:04} needs version {}", fixture, version,
                                previous + 1, previous));
    }
    source.backup_to(work);
    std::cout << fmt::format("starting from fixture {} (version {})\n", fixture, previous);
    return;
  }
  if (previous > 0) {
    upgrade(work, set, quiet_options(previous));
  }
  sqlite::database db(work, sqlite::open_mode::create);
  insert_sample_rows(db, inspect(db), rows, seed);
  std::cout << fmt::format("starting from version {} with generated rows (seed {})\n", previous, seed);
}

int verify_migration(const std::string& dir, std::int64_t version, const std::string& fixture, int rows,
                     std::uint32_t seed) {
  const auto set = migration_set::from_directory(dir);
  const migration* m = set.find(version);
  if (!m) throw failure(exit_code::usage, fmt::format("{}: there is no migration {:04}", dir, version));
  const auto previous = version - 1;
  const auto file = set.locate(m->file_name);

  scratch_directory scratch;
  const auto work = scratch.path() / "verify.sqlite3";
  prepare_start(work, set, previous, fixture, rows, seed);

  std::vector<std::string> problems;
  database_data before;
  dangling_references baseline;
  {
    sqlite::database db(work);
    baseline = foreign_key_violations(db);
    check_database(db, set, previous, "start", baseline, problems);
    before = capture_data(db, inspect(db));
  }
  std::cout << fmt::format("{} in {} at version {}\n", count_of(static_cast<std::int64_t>(row_count(before)), "row"),
                           count_of(static_cast<std::int64_t>(before.size()), "table"), previous);
  for (const auto& [pair, count] : baseline) {
    std::cout << fmt::format("start: {} of {} {} missing rows already\n", count_of(count, "row"), pair,
                             count == 1 ? "references" : "reference");
  }

  // The applier itself refuses (and rolls back) a part whose result differs from its snapshot:
  // that refusal is a failure of this test like any other.
  int refusal = 0;
  const auto apply_part = [&](const std::string& stage, const std::function<void()>& apply) {
    try {
      apply();
      return true;
    } catch (const failure& e) {
      problems.push_back(stage + ": " + e.what());
      refusal = static_cast<int>(e.code());
      return false;
    }
  };
  if (apply_part("up", [&] { upgrade(work, set, quiet_options(version)); })) {
    data_comparison up;
    {
      sqlite::database db(work);
      check_database(db, set, version, "up", baseline, problems);
      up = compare_kept_data(before, capture_data(db, inspect(db)));
      add_data_problems(up, "up", problems);
    }
    for (const auto& note : up.notes) std::cout << "up: " << note << "\n";
    if (apply_part("down", [&] { downgrade(work, set, previous, quiet_options(previous)); })) {
      sqlite::database db(work);
      check_database(db, set, previous, "down", baseline, problems);
      add_data_problems(compare_kept_data(before, capture_data(db, inspect(db)), up.kept), "down", problems);
    }
  }

  for (const auto& p : problems) std::cerr << file << ": " << p << "\n";
  if (!problems.empty()) return refusal ? refusal : static_cast<int>(exit_code::failure);
  std::cout << fmt::format("{}: verified up to {:04} and down to {:04}, every row and kept value intact\n", file,
                           version, previous);
  return 0;
}

// The newest snapshot must equal the reference database, or a build was skipped.
int verify_reference(const std::string& dir, const std::string& reference) {
  const auto set = migration_set::from_directory(dir);
  const auto latest = set.latest_version();
  const auto snapshot = set.snapshot(latest);
  if (!snapshot) throw failure(exit_code::usage, fmt::format("{}: snapshot {} is missing", dir, snapshot_file_name(latest)));
  if (!fs::exists(reference)) throw failure(exit_code::failure, fmt::format("{}: does not exist", reference));
  const auto differences = compare(inspect_sql(*snapshot, set.locate(snapshot_file_name(latest))), inspect_file(reference));
  for (const auto& d : differences) {
    auto line = describe({d});
    line.pop_back();
    std::cerr << fmt::format("{}: differs from {} (build to generate the next migration): {}\n", reference,
                             set.locate(snapshot_file_name(latest)), line);
  }
  if (!differences.empty()) return static_cast<int>(exit_code::schema_mismatch);
  std::cout << fmt::format("{}: equals {}\n", reference, set.locate(snapshot_file_name(latest)));
  return 0;
}

}  // namespace

int verify_command(const arguments& args) {
  return run_reporting_errors("verify", [&] {
    command_spec spec{
        "verify",
        "litemig verify --dir DIR --version N [--fixture FILE] [--rows K] [--seed S]\n"
        "       litemig verify --dir DIR --reference DB",
        "Tests migration N on a copy of FILE (a database at version N-1) or on a database brought to\n"
        "N-1 and filled with generated rows: applies N with the runtime's applier, checks the schema\n"
        "against snapshot N, integrity_check, foreign_key_check and that every row and kept value is\n"
        "still there; then reverts it and checks snapshot N-1 and the data again. With --reference,\n"
        "checks instead that the newest snapshot equals the reference database."};
    std::string dir, fixture, reference;
    std::int64_t version = 0;
    int rows = 25;
    std::uint32_t seed = 1;
    spec.options.add_options()
        ("dir", po::value(&dir)->required()->value_name("DIR"), "migrations directory")
        ("version", po::value(&version)->value_name("N"), "the migration to verify")
        ("fixture", po::value(&fixture)->value_name("FILE"), "database at version N-1 to start from (never modified)")
        ("rows", po::value(&rows)->default_value(rows)->value_name("K"), "generated rows per table when there is no fixture")
        ("seed", po::value(&seed)->default_value(seed)->value_name("S"), "seed of the generated rows")
        ("reference", po::value(&reference)->value_name("DB"), "reference database the newest snapshot must equal");
    spec.project = {{"dir", "dir"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    if (!reference.empty()) return verify_reference(dir, reference);
    if (version < 1) throw failure(exit_code::usage, "--version N (1 or more) or --reference DB is required");
    return verify_migration(dir, version, fixture, rows, seed);
  });
}

}  // namespace litemig::cli

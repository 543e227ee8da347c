// litemig verify: the per-migration test (verify_migration), printed.
#include "tool_commands.hpp"
#include "diagram.hpp"
#include "options.hpp"

#include "litemig/compare.hpp"
#include "litemig/errors.hpp"
#include "litemig/files.hpp"
#include "litemig/inspect.hpp"
#include "litemig/migration.hpp"
#include "litemig/verify.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <string>

namespace litemig::cli {
namespace {

namespace fs = std::filesystem;

// DIR's migrations as committed: an edit the sum does not record is refused, as the build refuses it.
migration_set committed_migrations(const std::string& dir) {
  auto set = migration_set::from_directory(dir);
  refuse_edited_migrations(set);
  return set;
}

int verify_one(const std::string& dir, std::int64_t version, const verify_options& options, const std::string& diagram) {
  const auto set = committed_migrations(dir);
  // Written before the check, so that a failing test has its picture too.
  if (!diagram.empty()) {
    const fs::path path(diagram);
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    write_file_if_changed(path, migration_diagram(set, version));
  }
  const auto report = verify_migration(set, version, options);
  for (const auto& note : report.notes) std::cout << note << "\n";
  const auto file = set.locate(set.find(version)->file_name);
  for (const auto& p : report.problems) std::cerr << file << ": " << p << "\n";
  if (!report.problems.empty()) return static_cast<int>(report.code);
  std::cout << fmt::format("{}: verified up to {:04} and down to {:04} and up again, every row and kept value intact\n",
                           file, version, version - 1);
  return 0;
}

// The newest snapshot must equal the reference database, or a build was skipped.
int verify_reference(const std::string& dir, const std::string& reference) {
  const auto set = committed_migrations(dir);
  const auto latest = set.latest_version();
  const auto snapshot = set.snapshot(latest);
  if (!snapshot) throw failure(exit_code::usage, dir,
                               fmt::format("snapshot {} is missing", snapshot_file_name(latest)));
  if (!fs::exists(reference)) throw failure(exit_code::failure, reference, "does not exist");
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
        "litemig verify --dir DIR --version N [--fixture FILE] [--rows K] [--seed S] [--diagram FILE]\n"
        "       litemig verify --dir DIR --reference DB",
        "Tests migration N on a copy of FILE (a database at version N-1) or on a database brought to\n"
        "N-1 and filled with generated rows: applies N with the runtime's applier, reverts it and\n"
        "applies it again; after each part checks the schema against its snapshot, integrity_check,\n"
        "foreign_key_check and that every row and kept value is still there. With --diagram, also\n"
        "writes what N changes as a Mermaid erDiagram (see litemig diagram) to FILE; the migration\n"
        "tests attach it. With --reference, checks instead that the newest snapshot equals the\n"
        "reference database."};
    std::string dir, fixture, reference, diagram;
    std::int64_t version = 0;
    verify_options options;
    spec.options.add_options()
        ("dir", po::value(&dir)->required()->value_name("DIR"), "migrations directory")
        ("version", po::value(&version)->value_name("N"), "the migration to verify")
        ("fixture", po::value(&fixture)->value_name("FILE"), "database at version N-1 to start from (never modified)")
        ("rows", po::value(&options.rows)->default_value(options.rows)->value_name("K"),
         "generated rows per table when there is no fixture (3 or more)")
        ("seed", po::value(&options.seed)->default_value(options.seed)->value_name("S"), "seed of the generated rows")
        ("diagram", po::value(&diagram)->value_name("FILE"), "also write migration N's Mermaid diagram to FILE")
        ("reference", po::value(&reference)->value_name("DB"), "reference database the newest snapshot must equal");
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    if (!reference.empty()) return verify_reference(dir, reference);
    if (version < 1) throw failure(exit_code::usage, "--version N (1 or more) or --reference DB is required");
    if (options.rows < fewest_verify_rows) {
      throw failure(exit_code::usage, fmt::format("--rows {}: the check needs at least {} rows per table", options.rows,
                                                  fewest_verify_rows));
    }
    if (!fixture.empty()) options.fixture = fixture;
    return verify_one(dir, version, options, diagram);
  });
}

}  // namespace litemig::cli

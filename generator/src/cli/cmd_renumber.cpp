// litemig renumber: regenerate the branch's newest migration with the next free number.
#include "tool_commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"
#include "litemig/renumber.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

// Defined with the generate command, which prints decisions the same way.
void print_decisions(const std::vector<decision>& decisions, const std::string& hints_hint);

int renumber_command(const arguments& args) {
  return run_reporting_errors("renumber", [&] {
    command_spec spec{
        "renumber",
        "litemig renumber --dir MIGRATIONS_DIR --schema REFERENCE.sqlite3 [--hints HINTS_FILE] [--yes]",
        "After a rebase, generates this branch's newest migration again with the next free number.\n"
        "The migration taken out is the one numbered like a migration litemig.sum lists but not\n"
        "listed itself (take the other branch's snapshot and litemig.sum when resolving the rebase),\n"
        "or else the newest one. It is generated again under its name against the remaining\n"
        "migrations; its old file (and its own snapshot) is removed and the sum recorded. litemig\n"
        "cannot know whether that migration was applied somewhere: without --yes it only says what\n"
        "it would do and exits 3. Decisions are printed as by generate (exit 3, nothing changed)."};
    bool yes = false;
    spec.options.add_options()
        ("dir", po::value<std::string>()->required(), "the migrations directory")
        ("schema", po::value<std::string>()->required(), "the reference database")
        ("hints", po::value<std::string>(), "hints file: rename/drop/fill decisions")
        ("min-sqlite", po::value<std::string>(), "oldest SQLite the product links (as for generate)")
        ("yes", po::bool_switch(&yes), "the migration was applied nowhere: change the directory");
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    renumber_options options;
    options.generate.reference = values["schema"].as<std::string>();
    options.generate.dir = values["dir"].as<std::string>();
    if (values.count("hints")) options.generate.hints_file = values["hints"].as<std::string>();
    if (values.count("min-sqlite")) {
      options.generate.min_sqlite_version = parse_sqlite_version(values["min-sqlite"].as<std::string>());
    }
    options.confirmed = yes;
    const auto result = renumber(options);
    const auto dir = options.generate.dir;
    const auto& generated = result.generated;
    for (const auto& warning : generated.warnings) report("renumber", "warning", warning);
    if (generated.result == generate_result::outcome::decisions_needed) {
      print_decisions(generated.decisions, options.generate.hints_file ? options.generate.hints_file->string()
                                                                        : "a hints file (--hints FILE)");
      return static_cast<int>(exit_code::decision_needed);
    }
    const auto removed = (dir / result.removed).string();
    const auto written = generated.result == generate_result::outcome::written
                             ? generated.migration_file.filename().string()
                             : std::string("nothing (no change is left)");
    if (!result.changed) {
      std::cout << fmt::format("would remove {} ({}){}\n", removed, result.reason,
                               result.snapshot ? " and " + (dir / *result.snapshot).string() : "");
      std::cout << fmt::format("would write {}\n", written);
      report("renumber", "error",
             fmt::format("{}: nothing changed: run again with --yes if {} was never applied to a database", removed,
                         result.removed));
      return static_cast<int>(exit_code::decision_needed);
    }
    std::cout << fmt::format("removed {}\n", removed);
    std::cout << (generated.result == generate_result::outcome::written ? generated.migration_file.string() : written)
              << "\n";
    return 0;
  });
}

}  // namespace litemig::cli

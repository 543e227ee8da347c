#include "tool_commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"
#include "litemig/generate.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

void print_decisions(const std::vector<decision>& decisions, const std::string& hints_hint) {
  for (const auto& d : decisions) {
    for (const auto& choice : d.choices) std::cout << "hint: " << choice.text() << "\n";
    std::cout << "  " << d.meaning << "\n";
  }
  std::cout << fmt::format("{} needed: add the chosen hint lines to {} and run again.\n",
                           count_of(static_cast<std::int64_t>(decisions.size()), "decision"), hints_hint);
}

int generate_command(const arguments& args) {
  return run_reporting_errors("generate", [&] {
    command_spec spec{"generate",
                      "litemig generate --schema REFERENCE.sqlite3 --dir MIGRATIONS_DIR [--name SLUG] [--hints HINTS_FILE] "
                      "[--min-sqlite VERSION]",
                      "Compares the reference database with the newest snapshot in MIGRATIONS_DIR and writes the next\n"
                      "migration (NNNN_SLUG.sql, with an up and a down part), its snapshot and the directory's\n"
                      "integrity sum. Prints the new file's path, or 'no changes'. A change that would drop data or\n"
                      "needs values (drop, rename, fill) is only generated when a hint says so: otherwise nothing is\n"
                      "written, the needed 'hint:' lines are printed and the exit code is 3."};
    spec.options.add_options()
        ("schema", po::value<std::string>()->required()->value_name("REFERENCE"), "the reference database")
        ("dir", po::value<std::string>()->required()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("name", po::value<std::string>()->value_name("SLUG"), "slug of the new migration's file name")
        ("hints", po::value<std::string>()->value_name("HINTS_FILE"), "hints file: rename/drop/fill decisions")
        ("min-sqlite", po::value<std::string>()->value_name("VERSION"),
         "oldest SQLite the product links (e.g. 3.31.0): newer ALTER TABLE forms become table rebuilds");
    spec.project = {{"dir", "dir"}, {"reference", "schema"}, {"hints", "hints"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    generate_options options;
    options.reference = values["schema"].as<std::string>();
    options.dir = values["dir"].as<std::string>();
    if (values.count("name")) options.name = values["name"].as<std::string>();
    if (values.count("hints")) options.hints_file = values["hints"].as<std::string>();
    if (values.count("min-sqlite")) options.min_sqlite_version = parse_sqlite_version(values["min-sqlite"].as<std::string>());
    const auto result = generate(options);
    for (const auto& warning : result.warnings) report("generate", "warning", warning);
    switch (result.result) {
      case generate_result::outcome::no_changes: std::cout << "no changes\n"; return 0;
      case generate_result::outcome::written: std::cout << result.migration_file.string() << "\n"; return 0;
      case generate_result::outcome::decisions_needed:
        print_decisions(result.decisions, options.hints_file ? options.hints_file->string() : "a hints file (--hints FILE)");
        return static_cast<int>(exit_code::decision_needed);
    }
    return 0;
  });
}

}  // namespace litemig::cli

// litemig diagram: a schema as a Mermaid erDiagram, at a version, of a database, or of a migration.
#include "tool_commands.hpp"
#include "diagram.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

int diagram_command(const arguments& args) {
  return run_reporting_errors("diagram", [&] {
    command_spec spec{"diagram",
                      "litemig diagram --dir MIGRATIONS_DIR [--version N|head | --migration N]\n"
                      "       litemig diagram --db DB",
                      "Prints a schema as a Mermaid erDiagram: each table with its columns, their types and keys "
                      "(PK, FK, UK) and NOT NULL, and a relationship for each foreign key. The schema is the "
                      "snapshot of version N (default: head), or the live schema of DB (read only). With "
                      "--migration N, the tables before and after migration N, each added, dropped, renamed or "
                      "changed table and column marked, and the other changed objects listed at the top."};
    spec.options.add_options()
        ("dir", po::value<std::string>()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("version", po::value<std::string>()->value_name("N"), "the version whose snapshot to draw: N or head")
        ("migration", po::value<std::int64_t>()->value_name("N"), "draw what migration N changes")
        ("db", po::value<std::string>()->value_name("DB"), "draw this database's schema instead");
    spec.project = {{"dir", "dir"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;

    const bool by_migration = values.count("migration") != 0;
    if (values.count("db") && (values.count("version") || by_migration)) {
      throw failure(exit_code::usage, "--db draws a database: give --version or --migration only with --dir");
    }
    if (by_migration && values.count("version")) throw failure(exit_code::usage, "give one of --version N and --migration N");
    if (values.count("db") && !values.count("version")) {
      const auto db = values["db"].as<std::string>();
      std::cout << er_diagram(load_schema(db), db);
      return 0;
    }
    if (!values.count("dir")) throw failure(exit_code::usage, "--dir MIGRATIONS_DIR or --db DB is required (see litemig diagram --help)");
    const auto migrations = load_migrations(values["dir"].as<std::string>());
    if (by_migration) {
      std::cout << migration_diagram(migrations, values["migration"].as<std::int64_t>());
      return 0;
    }
    const auto target = parse_target(values.count("version") ? values["version"].as<std::string>() : "head");
    if (target.relative) throw failure(exit_code::usage, "--version takes a number or head");
    const auto version = target.head ? migrations.latest_version() : target.number;
    if (version < 0 || version > migrations.latest_version()) {
      throw failure(exit_code::usage, migrations.origin(),
                    fmt::format("there is no version {} (the newest is {})", version, migrations.latest_version()));
    }
    std::cout << er_diagram(snapshot_schema(migrations, version),
                            fmt::format("{} at version {}", migrations.origin(), version));
    return 0;
  });
}

}  // namespace litemig::cli

// litemig stamp: record a version as applied without running any migration.
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

int stamp_command(const arguments& args) {
  return run_reporting_errors("stamp", [&] {
    command_spec spec{"stamp", "litemig stamp --db DB --dir MIGRATIONS_DIR (--to N|head | --auto) [--allow-checksum-mismatch]",
                      "Records migrations 1..N as applied (and PRAGMA user_version = N) without running them; --to head "
                      "records the newest.\n"
                      "With --auto, N is the snapshot the database's schema equals by meaning; a schema that\n"
                      "matches no snapshot is refused with the closest snapshot's differences (exit 4). Like upgrade, it\n"
                      "refuses a read-only file, a database newer than the directory (exit 5) and a recorded\n"
                      "history that disagrees with the files (exit 6)."};
    spec.options.add_options()
        ("db", po::value<std::string>()->required()->value_name("DB"), "the database file")
        ("dir", po::value<std::string>()->required()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("to", po::value<std::string>()->value_name("N"), target_help)
        ("auto", "find the version from the schema")
        ("allow-checksum-mismatch", "stamp even when an applied migration's file changed since");
    spec.project = {{"dir", "dir"}, {"db", "db"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    const bool automatic = values.count("auto") != 0;
    if (automatic == (values.count("to") != 0)) {
      throw failure(exit_code::usage, "give exactly one of --to N and --auto (see litemig stamp --help)");
    }

    const auto db = values["db"].as<std::string>();
    refuse_cluster(db, "stamp");
    const auto migrations = load_migrations(values["dir"].as<std::string>());
    std::optional<std::int64_t> version;
    if (!automatic) version = resolve_target(parse_target(values["to"].as<std::string>()), migrations, db);
    const auto stamped = stamp(db, migrations, version, values.count("allow-checksum-mismatch") != 0);
    const auto reason = automatic ? " (its schema equals that snapshot)" : "";
    std::cout << fmt::format("{}: stamped as version {}{}\n", db, stamped, reason);
    return 0;
  });
}

}  // namespace litemig::cli

// litemig downgrade: revert a database to an earlier migration, one transaction per migration.
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/cluster.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

int downgrade_command(const arguments& args) {
  return run_reporting_errors("downgrade", [&] {
    command_spec spec{"downgrade", "litemig downgrade --db DB --dir MIGRATIONS_DIR --to N|-N [--dry-run]",
                      "Runs the down part of each applied migration after N, newest first, after an online backup. "
                      "--to 0 reverts every migration; --to -1 reverts the last one applied.\n\n"
                      "With --dry-run (or --sql), prints instead the SQL that would run: those down parts in "
                      "order. The database is only read.\n\n"
                      "DB may be a dqlite cluster, dqlite://HOST:PORT[,HOST:PORT...]/DATABASE (docs/cluster.md)."};
    spec.options.add_options()
        ("db", po::value<std::string>()->required()->value_name("DB"), db_or_cluster_help)
        ("dir", po::value<std::string>()->required()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("to", po::value<std::string>()->required()->value_name("N"),
         "the migration to return to (0: before the first), or -N relative to the database's version");
    spec.project = {{"dir", "dir"}, {"db", "db"}};
    add_apply_options(spec);
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;

    const auto migrations = load_migrations(values["dir"].as<std::string>());
    if (!values.count("allow-checksum-mismatch")) refuse_edited_migrations(migrations);
    const auto db = values["db"].as<std::string>();
    const auto target = resolve_target(parse_target(values["to"].as<std::string>()), migrations, db);
    if (wants_dry_run(values)) {
      const auto run = pending_on(db, migrations, target, false, values.count("allow-checksum-mismatch") != 0);
      std::cout << pending_sql(db, run, false);
      return 0;
    }
    apply_options options = read_apply_options(values);
    progress_reporter progress(migrations);
    options.log = [&](const std::string& line) {
      progress.clear();
      std::cout << line << std::endl;
    };
    progress.attach(options);
    const auto result =
        is_cluster_address(db) ? cluster::downgrade(db, migrations, target, options) : downgrade(db, migrations, target, options);
    progress.clear();
    if (result.applied.empty()) {
      std::cout << fmt::format("{}: at version {}, nothing to revert\n", db, result.to_version);
    } else {
      std::string reverted;
      for (auto version : result.applied) reverted += (reverted.empty() ? "" : ", ") + migrations.find(version)->file_name;
      std::cout << fmt::format("{}: downgraded from {} to {} (reverted {}){}\n", db, result.from_version, result.to_version,
                               reverted, result.backup ? "; backup " + result.backup->string() : std::string());
    }
    return 0;
  });
}

}  // namespace litemig::cli

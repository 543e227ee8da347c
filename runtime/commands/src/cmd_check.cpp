// litemig check: does the live schema equal the snapshot of the version the database is at?
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/cluster.hpp"
#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

int check_command(const arguments& args) {
  return run_reporting_errors("check", [&] {
    command_spec spec{"check", "litemig check --db DB --dir MIGRATIONS_DIR [--json]",
                      "Compares DB's schema, by meaning, with the snapshot of the version it is at.\n"
                      "Exit 0 when they are equal; exit 4 and the differences otherwise.\n"
                      "DB may be a dqlite cluster: dqlite://HOST:PORT[,HOST:PORT...]/DATABASE."};
    spec.options.add_options()
        ("db", po::value<std::string>()->required()->value_name("DB"), db_or_cluster_help)
        ("dir", po::value<std::string>()->required()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("json", "print the result as JSON");
    spec.project = {{"dir", "dir"}, {"db", "db"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;

    const auto migrations = load_migrations(values["dir"].as<std::string>());
    const auto db = values["db"].as<std::string>();
    std::int64_t version = 0;
    const auto differences =
        is_cluster_address(db) ? cluster::check(db, migrations, &version) : check(db, migrations, &version);
    const auto snapshot = migrations.locate(snapshot_file_name(version));
    if (values.count("json")) {
      std::string json = fmt::format("{{\"db\": {}, \"version\": {}, \"snapshot\": {}, \"matches\": {}, \"differences\": [",
                                     json_string(db), version, json_string(snapshot), differences.empty());
      for (std::size_t i = 0; i < differences.size(); ++i) {
        const auto& d = differences[i];
        json += fmt::format("{}\n  {{\"kind\": {}, \"name\": {}, \"description\": {}}}", i == 0 ? "" : ",",
                            json_string(d.kind_name()), json_string(d.name), json_string(d.description));
      }
      std::cout << json << "\n]}\n";
    } else if (differences.empty()) {
      std::cout << fmt::format("{}: the schema equals {} (version {})\n", db, snapshot, version);
    } else {
      std::cout << describe(differences);
      report("check", "error",
             fmt::format("{}: the schema differs from {} (version {}) in {}", db, snapshot, version,
                         count_of(static_cast<std::int64_t>(differences.size()), "place")));
    }
    return static_cast<int>(differences.empty() ? exit_code::ok : exit_code::schema_mismatch);
  });
}

}  // namespace litemig::cli

// litemig current: the migration a database is at, from its own bookkeeping.
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

int current_command(const arguments& args) {
  return run_reporting_errors("current", [&] {
    command_spec spec{"current", "litemig current --db DB [--json]",
                      "Prints the number of the last migration applied to DB (PRAGMA user_version) and, when\n"
                      "litemig recorded it, its name and when it was applied. Opens the file read-only."};
    spec.options.add_options()
        ("db", po::value<std::string>()->required()->value_name("DB"), "the database file")
        ("json", "print the result as JSON");
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;

    const auto db = values["db"].as<std::string>();
    const auto status = current(db);
    if (values.count("json")) {
      std::cout << fmt::format(
          "{{\"db\": {}, \"version\": {}, \"name\": {}, \"applied_at\": {}, \"bookkeeping\": {}, \"alembic_version\": {}, "
          "\"empty\": {}}}\n",
          json_string(db), status.version, json_optional_string(status.name), json_optional_string(status.applied_at),
          status.has_bookkeeping, status.has_alembic_version, status.empty);
      return 0;
    }
    std::string detail;
    if (status.name) {
      detail = fmt::format("{}, applied {}", *status.name, status.applied_at.value_or("?"));
    } else if (!status.has_bookkeeping && !status.empty) {
      detail = status.has_alembic_version ? "no litemig bookkeeping; an alembic_version table" : "no litemig bookkeeping";
    } else if (status.version == 0) {
      detail = "no migration applied";
    } else {
      detail = "not recorded in litemig_history";
    }
    std::cout << fmt::format("{} ({})\n", status.version, detail);
    return 0;
  });
}

}  // namespace litemig::cli

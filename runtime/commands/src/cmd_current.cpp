// litemig current: the migration a database is at, from its own bookkeeping.
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/cluster.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

namespace {

std::string detail(const database_status& status) {
  if (status.name) return fmt::format("{}, applied {}", *status.name, status.applied_at.value_or("?"));
  if (!status.has_bookkeeping && !status.empty) {
    return status.has_alembic_version ? "no litemig bookkeeping; an alembic_version table" : "no litemig bookkeeping";
  }
  return status.version == 0 ? "no migration applied" : "not recorded in litemig_history";
}

// " (head)", "; 2 migrations pending (head is 3)" or "; newer than every migration (head is 3)".
std::string against_head(std::int64_t version, std::int64_t head) {
  if (version == head) return " (head)";
  if (version > head) return fmt::format("; newer than every migration (head is {})", head);
  return fmt::format("; {} pending (head is {})", count_of(head - version, "migration"), head);
}

}  // namespace

int current_command(const arguments& args) {
  return run_reporting_errors("current", [&] {
    command_spec spec{"current", "litemig current --db DB [--dir MIGRATIONS_DIR] [--json]",
                      "Prints the number of the last migration applied to DB (PRAGMA user_version) and, when "
                      "litemig recorded it, its name and when it was applied. With --dir, also whether that is "
                      "the head (the newest migration of MIGRATIONS_DIR) or how many migrations are pending. "
                      "Opens the file read-only; a dqlite cluster (dqlite://HOST:PORT[,...]/DATABASE) is read "
                      "from a copy its leader dumps."};
    spec.options.add_options()
        ("db", po::value<std::string>()->required()->value_name("DB"), db_or_cluster_help)
        ("dir", po::value<std::string>()->value_name("MIGRATIONS_DIR"), "the migrations directory to compare with")
        ("json", "print the result as JSON");
    spec.project = {{"dir", "dir"}, {"db", "db"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;

    const auto db = values["db"].as<std::string>();
    const auto status = is_cluster_address(db) ? cluster::current(db) : current(db);
    std::optional<std::int64_t> head;
    if (values.count("dir")) head = load_migrations(values["dir"].as<std::string>()).latest_version();
    if (values.count("json")) {
      std::string against;
      if (head) against = fmt::format(", \"head\": {}, \"pending\": {}", *head, std::max<std::int64_t>(0, *head - status.version));
      std::cout << fmt::format(
          "{{\"db\": {}, \"version\": {}, \"name\": {}, \"applied_at\": {}, \"bookkeeping\": {}, \"alembic_version\": {}, "
          "\"empty\": {}{}}}\n",
          json_string(db), status.version, json_optional_string(status.name), json_optional_string(status.applied_at),
          status.has_bookkeeping, status.has_alembic_version, status.empty, against);
      return 0;
    }
    std::cout << fmt::format("{} ({}){}\n", status.version, detail(status), head ? against_head(status.version, *head) : "");
    return 0;
  });
}

}  // namespace litemig::cli

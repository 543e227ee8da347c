// litemig history: the migrations of a directory and, with --db, which a database has applied.
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/cluster.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

namespace {

std::string state_name(history_entry::state state) {
  switch (state) {
    case history_entry::state::pending: return "pending";
    case history_entry::state::applied: return "applied";
    case history_entry::state::checksum_mismatch: return "checksum-mismatch";
    case history_entry::state::unknown_file: return "unknown-file";
  }
  return {};
}

std::string sum_name(sum_state state) {
  switch (state) {
    case sum_state::absent: return "absent";
    case sum_state::matches: return "matches";
    case sum_state::mismatch: return "mismatch";
  }
  return {};
}

}  // namespace

int history_command(const arguments& args) {
  return run_reporting_errors("history", [&] {
    command_spec spec{"history", "litemig history --dir MIGRATIONS_DIR [--db DB] [--json]",
                      "Lists the migrations of MIGRATIONS_DIR. With --db, also which are applied to DB, when,\n"
                      "and whether each applied file still has the checksum recorded when it was applied.\n"
                      "DB may be a dqlite cluster: dqlite://HOST:PORT[,HOST:PORT...]/DATABASE."};
    spec.options.add_options()
        ("dir", po::value<std::string>()->required()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("db", po::value<std::string>()->value_name("DB"), db_or_cluster_help)
        ("json", "print the result as JSON");
    spec.project = {{"dir", "dir"}, {"db", "db"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;

    const auto migrations = load_migrations(values["dir"].as<std::string>());
    std::optional<std::filesystem::path> db;
    if (values.count("db")) db = values["db"].as<std::string>();
    const auto entries =
        db && is_cluster_address(db->string()) ? cluster::history(migrations, db->string()) : history(migrations, db);

    if (values.count("json")) {
      std::string json = fmt::format("{{\"dir\": {}, \"sum\": {}, \"migrations\": [", json_string(migrations.origin()),
                                     json_string(sum_name(migrations.integrity())));
      for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        const auto checksum = e.checksum.empty() ? std::nullopt : std::optional(e.checksum);
        json += fmt::format("{}\n  {{\"version\": {}, \"name\": {}, \"status\": {}, \"applied_at\": {}, \"checksum\": {}}}",
                            i == 0 ? "" : ",", e.version, json_string(e.name),
                            json_string(db ? state_name(e.status) : "known"), json_optional_string(e.applied_at),
                            json_optional_string(checksum));
      }
      std::cout << json << "\n]}\n";
      return 0;
    }
    for (const auto& e : entries) {
      std::string line = fmt::format("{:04}  {}", e.version, e.name);
      if (db) {
        line = fmt::format("{:<40}  {}", line, state_name(e.status));
        if (e.applied_at) line += fmt::format("  {}", *e.applied_at);
      }
      std::cout << line << "\n";
    }
    if (migrations.integrity() == sum_state::mismatch) {
      report("history", "warning", migrations.integrity_problem());
    }
    return 0;
  });
}

}  // namespace litemig::cli

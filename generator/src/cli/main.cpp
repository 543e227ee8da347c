#include "commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <string_view>

namespace {

struct command_entry {
  int (*run)(const litemig::cli::arguments&);
  std::string_view summary;
};

const std::map<std::string_view, command_entry>& command_table() {
  using namespace litemig::cli;
  static const std::map<std::string_view, command_entry> table{
      {"generate", {generate_command, "write the next migration from a reference database"}},
      {"diff", {diff_command, "print the SQL that turns one schema into another"}},
      {"hash", {hash_command, "re-record the integrity sum of a migrations directory"}},
      {"upgrade", {upgrade_command, "apply pending migrations to one or more databases"}},
      {"downgrade", {downgrade_command, "revert a database to an earlier migration"}},
      {"current", {current_command, "print the migration a database is at"}},
      {"history", {history_command, "list migrations and, with --db, which are applied"}},
      {"check", {check_command, "compare a database's schema with the snapshot of its version"}},
      {"stamp", {stamp_command, "record a version without running migrations"}},
      {"deploy", {deploy_command, "fetch, back up, fix up, migrate, verify and upload a database"}},
      {"restore", {restore_command, "put a backup in place atomically"}},
      {"embed", {embed_command, "write the C++ source embedding a migrations directory (build use)"}},
      {"show", {show_command, "print a migration: name, checksum, directives, up and down SQL"}},
      {"diagram", {diagram_command, "draw a schema, a database or a migration as a Mermaid erDiagram"}},
      {"verify", {verify_command, "test one migration up and down on a fixture database with data"}},
      {"renumber", {renumber_command, "give the branch's newest migration the next free number"}},
  };
  return table;
}

void print_help() {
  std::cout << "usage: litemig <command> [options]\n\n"
               "Database-first schema migrations for SQLite.\n\ncommands:\n";
  for (const auto& [name, entry] : command_table()) {
    std::cout << fmt::format("  {:<10} {}\n", name, entry.summary);
  }
  std::cout << "\nRun 'litemig <command> --help' for a command's options. A litemig.conf in this\n"
               "folder or a parent (dir = ..., db = ..., reference = ..., hints = ...) and the\n"
               "LITEMIG_DIR, LITEMIG_DB, LITEMIG_REFERENCE and LITEMIG_HINTS variables fill the\n"
               "options left out.\n"
               "Exit codes: 0 ok, 1 failure, 2 usage or malformed input, 3 decision needed,\n"
               "4 schema mismatch, 5 database newer than the migrations, 6 checksum mismatch,\n"
               "7 database locked, 8 pre-flight refused the data.\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> all(argv + 1, argv + argc);
  if (all.empty() || all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
    print_help();
    return all.empty() ? static_cast<int>(litemig::exit_code::usage) : 0;
  }
  if (all[0] == "--version" || all[0] == "-V") {
    std::cout << "litemig " << LITEMIG_VERSION << " (SQLite " << litemig::sqlite::library_version() << ")\n";
    return 0;
  }
  const auto found = command_table().find(all[0]);
  if (found == command_table().end()) {
    std::cerr << "litemig: error: unknown command '" << litemig::escape_control_characters(all[0])
              << "' (see litemig --help)\n";
    return static_cast<int>(litemig::exit_code::usage);
  }
  return found->second.run(litemig::cli::arguments(all.begin() + 1, all.end()));
}

#include "options.hpp"
#include "tool_commands.hpp"

#include "litemig/commands.hpp"
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

// The tool's own commands; the others are litemig::commands'.
const std::map<std::string_view, command_entry>& command_table() {
  using namespace litemig::cli;
  static const std::map<std::string_view, command_entry> table{
      {"generate", {generate_command, "write the next migration from a reference database"}},
      {"diff", {diff_command, "print the SQL that turns one schema into another"}},
      {"hash", {hash_command, "re-record the integrity sum of a migrations directory"}},
      {"embed", {embed_command, "write the C++ source embedding a migrations directory (build use)"}},
      {"diagram", {diagram_command, "draw a schema, a database or a migration as a Mermaid erDiagram"}},
      {"verify", {verify_command, "test one migration up and down on a fixture database with data"}},
      {"renumber", {renumber_command, "give the branch's newest migration the next free number"}},
  };
  return table;
}

void print_help() {
  std::cout << "usage: litemig <command> [options]\n\n"
               "Database-first schema migrations for SQLite.\n\ncommands:\n";
  std::map<std::string_view, std::string_view> all;
  for (const auto& [name, entry] : command_table()) all.emplace(name, entry.summary);
  for (const auto& command : litemig::commands::list()) all.emplace(command.name, command.summary);
  for (const auto& [name, summary] : all) std::cout << fmt::format("  {:<10} {}\n", name, summary);
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
  if (found == command_table().end()) return litemig::commands::run({}, all);
  return found->second.run(litemig::cli::arguments(all.begin() + 1, all.end()));
}

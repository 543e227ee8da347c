#include "commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace litemig::commands {

namespace {

struct entry {
  command_summary summary;
  int (*run)(const cli::arguments&);
};

const std::vector<entry>& table() {
  using namespace litemig::cli;
  static const std::vector<entry> entries{
      {{"check", "compare a database's schema with the snapshot of its version"}, check_command},
      {{"current", "print the migration a database is at"}, current_command},
      {{"deploy", "fetch, back up, fix up, migrate, verify and upload a database"}, deploy_command},
      {{"downgrade", "revert a database to an earlier migration"}, downgrade_command},
      {{"history", "list migrations and, with --db, which are applied"}, history_command},
      {{"restore", "put a backup in place atomically"}, restore_command},
      {{"show", "print a migration: name, checksum, directives, up and down SQL"}, show_command},
      {{"stamp", "record a version without running migrations"}, stamp_command},
      {{"upgrade", "apply pending migrations to one or more databases"}, upgrade_command},
  };
  return entries;
}

void print_list(const program& program) {
  std::cout << fmt::format("usage: {} <command> [options]\n\ncommands:\n", program.name);
  for (const auto& e : table()) std::cout << fmt::format("  {:<10} {}\n", e.summary.name, e.summary.summary);
  std::cout << fmt::format("\nRun '{} <command> --help' for a command's options.\n", program.name);
}

}  // namespace

const std::vector<command_summary>& list() {
  static const std::vector<command_summary> summaries = [] {
    std::vector<command_summary> out;
    for (const auto& e : table()) out.push_back(e.summary);
    return out;
  }();
  return summaries;
}

int run(const program& program, const std::vector<std::string>& args) {
  cli::set_active_program(program);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_list(program);
    return args.empty() ? static_cast<int>(exit_code::usage) : 0;
  }
  const auto found = std::find_if(table().begin(), table().end(), [&](const entry& e) { return e.summary.name == args[0]; });
  if (found == table().end()) {
    std::cerr << fmt::format("{}: error: unknown command '{}' (see {} --help)\n", program.name,
                             escape_control_characters(args[0]), program.name);
    return static_cast<int>(exit_code::usage);
  }
  return found->run(cli::arguments(args.begin() + 1, args.end()));
}

}  // namespace litemig::commands

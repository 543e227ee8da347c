// The runtime commands (current, history, upgrade, downgrade, check, stamp, show, deploy,
// restore) with their options, --help, output, JSON and exit codes: `litemig <command>` runs
// them with --dir, a product runs them with the migrations built into it (`tunetrees db ...`).
#pragma once

#include "litemig/migration.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace litemig::commands {

// Who runs the commands.
struct program {
  std::string name = "litemig";  // in usage lines and messages: "litemig", "tunetrees db"
  // A product's own migrations: --dir becomes optional, and litemig.conf and LITEMIG_* are not read.
  const migration_set* embedded = nullptr;
  // Options a command takes when its command line leaves them out, e.g. "--db=app.sqlite3",
  // "--no-backup"; each applies only to the commands that have that option.
  std::vector<std::string> defaults;
  std::string backup_prefix;  // deploy's local backup names; "" = the source file's stem
};

struct command_summary {
  std::string_view name;
  std::string_view summary;
};

// The commands run() knows, for a program's own help.
const std::vector<command_summary>& list();

// Runs ARGS (the command word first) as PROGRAM and returns the process exit code; errors are
// printed as one line on stderr. Without a command, or with --help, prints the list.
int run(const program& program, const std::vector<std::string>& args);

}  // namespace litemig::commands

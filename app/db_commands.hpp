// `tunetrees db current|history|upgrade|downgrade|check|deploy`: the runtime's API over the
// migrations built into the app.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tunetrees {

// ARGS start with the subcommand; returns the process exit code (litemig's documented codes).
int run_db_command(const std::filesystem::path& db, bool backup, const std::vector<std::string>& args);

}  // namespace tunetrees

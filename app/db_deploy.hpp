// `tunetrees db deploy`: litemig's production deploy with the migrations built into the app.
#pragma once

#include "litemig/migration.hpp"

#include <string>
#include <vector>

// ARGS are the words after `tunetrees db deploy`; returns the process exit code.
int run_db_deploy(const std::vector<std::string>& args, const litemig::migration_set& migrations);

// The runtime commands. Each lives in its own cmd_*.cpp file and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace litemig::cli {

using arguments = std::vector<std::string>;

int upgrade_command(const arguments& args);
int downgrade_command(const arguments& args);
int current_command(const arguments& args);
int history_command(const arguments& args);
int check_command(const arguments& args);
int stamp_command(const arguments& args);
int deploy_command(const arguments& args);
int restore_command(const arguments& args);
int show_command(const arguments& args);

}  // namespace litemig::cli

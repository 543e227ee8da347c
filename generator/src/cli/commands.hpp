// The litemig commands. Each lives in its own cmd_*.cpp file and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace litemig::cli {

using arguments = std::vector<std::string>;

int generate_command(const arguments& args);
int diff_command(const arguments& args);
int hash_command(const arguments& args);
int upgrade_command(const arguments& args);
int downgrade_command(const arguments& args);
int current_command(const arguments& args);
int history_command(const arguments& args);
int check_command(const arguments& args);
int stamp_command(const arguments& args);
int deploy_command(const arguments& args);
int restore_command(const arguments& args);
int embed_command(const arguments& args);
int verify_command(const arguments& args);
int show_command(const arguments& args);
int diagram_command(const arguments& args);
int renumber_command(const arguments& args);

}  // namespace litemig::cli

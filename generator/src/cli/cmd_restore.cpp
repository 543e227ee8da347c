#include "commands.hpp"

#include "litemig/deploy.hpp"

namespace litemig::cli {

int restore_command(const arguments& args) { return run_restore_command("litemig restore", args); }

}  // namespace litemig::cli

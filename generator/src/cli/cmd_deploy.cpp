#include "commands.hpp"

#include "litemig/deploy.hpp"

namespace litemig::cli {

int deploy_command(const arguments& args) { return run_deploy_command("litemig deploy", args); }

}  // namespace litemig::cli

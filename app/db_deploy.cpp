#include "db_deploy.hpp"

#include "litemig/deploy.hpp"

int run_db_deploy(const std::vector<std::string>& args, const litemig::migration_set& migrations) {
  return litemig::run_deploy_command("tunetrees db deploy", args, &migrations, "tunetrees");
}

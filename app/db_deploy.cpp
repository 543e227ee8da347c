#include "db_deploy.hpp"

#include "litemig/commands.hpp"

int run_db_deploy(const std::vector<std::string>& args, const litemig::migration_set& migrations) {
  std::vector<std::string> command{"deploy"};
  command.insert(command.end(), args.begin(), args.end());
  return litemig::commands::run({"tunetrees db", &migrations, {}, "tunetrees"}, command);
}

#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int deploy_command(const arguments&) {
  std::cerr << "litemig deploy: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int upgrade_command(const arguments&) {
  std::cerr << "litemig upgrade: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int history_command(const arguments&) {
  std::cerr << "litemig history: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

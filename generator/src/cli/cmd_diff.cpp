#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int diff_command(const arguments&) {
  std::cerr << "litemig diff: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

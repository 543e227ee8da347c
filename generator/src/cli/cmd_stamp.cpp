#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int stamp_command(const arguments&) {
  std::cerr << "litemig stamp: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

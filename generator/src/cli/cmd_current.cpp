#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int current_command(const arguments&) {
  std::cerr << "litemig current: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

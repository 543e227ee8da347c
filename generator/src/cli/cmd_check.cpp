#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int check_command(const arguments&) {
  std::cerr << "litemig check: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

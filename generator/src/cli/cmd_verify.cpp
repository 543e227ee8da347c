#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int verify_command(const arguments&) {
  std::cerr << "litemig verify: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

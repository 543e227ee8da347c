#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int generate_command(const arguments&) {
  std::cerr << "litemig generate: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

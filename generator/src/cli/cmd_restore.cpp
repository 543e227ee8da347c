#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int restore_command(const arguments&) {
  std::cerr << "litemig restore: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

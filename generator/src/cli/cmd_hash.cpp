#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int hash_command(const arguments&) {
  std::cerr << "litemig hash: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

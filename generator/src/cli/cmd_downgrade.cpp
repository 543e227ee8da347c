#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int downgrade_command(const arguments&) {
  std::cerr << "litemig downgrade: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

#include "commands.hpp"

#include <iostream>

namespace litemig::cli {

int embed_command(const arguments&) {
  std::cerr << "litemig embed: error: not built yet\n";
  return 1;
}

}  // namespace litemig::cli

// Migrates the database named on the command line with the migrations built into the program.
#include "litemig/applier.hpp"
#include "litemig/embedded.hpp"

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tiny DB\n";
    return 2;
  }
  try {
    const auto migrations = litemig::migration_set::from_embedded(litemig::embedded::files());
    // The build embedded every file byte for byte, or the sum would not match.
    if (migrations.integrity() != litemig::sum_state::matches) {
      std::cerr << "tiny: error: embedded migrations differ from litemig.sum: " << migrations.integrity_problem() << "\n";
      return 1;
    }
    litemig::apply_options options;
    options.backup = false;
    const auto result = litemig::upgrade(argv[1], migrations, options);
    std::cout << "tiny: " << argv[1] << " at version " << result.to_version << " of "
              << litemig::embedded::latest_version() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "tiny: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

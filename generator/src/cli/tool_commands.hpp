// The commands only the litemig tool has: they read reference databases or write migrations.
#pragma once

#include "commands.hpp"

namespace litemig::cli {

int generate_command(const arguments& args);
int diff_command(const arguments& args);
int hash_command(const arguments& args);
int embed_command(const arguments& args);
int verify_command(const arguments& args);
int diagram_command(const arguments& args);
int renumber_command(const arguments& args);

}  // namespace litemig::cli

// Migrations compiled into a program by litemig_add_migrations(). The definitions live in the
// source file that the build generates for the target.
#pragma once

#include "litemig/migration.hpp"

#include <cstdint>
#include <span>

namespace litemig::embedded {

std::span<const embedded_file> files();
// The newest migration number: a launch compares it with the header's user_version and
// needs nothing else when the database is current.
std::int64_t latest_version();

}  // namespace litemig::embedded

// Quantities in messages, written the same way by the runtime and by the commands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace litemig {

// "1 migration", "2 migrations": COUNT followed by the noun in the number it needs.
std::string count_of(std::int64_t count, std::string_view singular, std::string_view plural = {});

// "3.2 MiB", "512 B".
std::string describe_bytes(double bytes);

}  // namespace litemig

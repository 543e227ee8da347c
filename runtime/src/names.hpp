// Time stamps and fresh file names shared by backups, bookkeeping and deploys.
#pragma once

#include <filesystem>
#include <string>

namespace litemig::detail {

// The current UTC time in strftime's PATTERN.
std::string format_utc_now(const char* pattern);

// A fresh file name in FOLDER: STEM + EXTENSION, or STEM + SEPARATOR + 2, 3, ... + EXTENSION
// when taken: no file is ever overwritten.
std::filesystem::path unused_name(const std::filesystem::path& folder, const std::string& stem,
                                  const std::string& extension, char separator = '_');

}  // namespace litemig::detail

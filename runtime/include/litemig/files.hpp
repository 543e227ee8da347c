// Whole-file reads and crash-safe writes, with failures that name the file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace litemig {

// Throws failure(exit_code::failure) "PATH: cannot read the file", or failure(exit_code::usage)
// when PATH is not a regular file (a directory, a FIFO: never waits for a writer).
std::string read_text_file(const std::filesystem::path& path);

// Writes a new file beside PATH, flushes it and renames it over PATH, so a crash never leaves half
// a file and a link planted at a predictable name is never followed.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

// Writes only when the bytes differ (build outputs keep their time stamp); true when written.
bool write_file_if_changed(const std::filesystem::path& path, std::string_view text);

}  // namespace litemig

#include "litemig/files.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace litemig {

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw failure(exit_code::failure, fmt::format("{}: cannot read the file", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file_atomically(const fs::path& path, std::string_view text) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw failure(exit_code::failure, fmt::format("{}: cannot write the file", path.string()));
    }
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) throw failure(exit_code::failure, fmt::format("{}: cannot write the file: {}", path.string(), error.message()));
}

bool write_file_if_changed(const fs::path& path, std::string_view text) {
  std::error_code ignored;
  if (fs::exists(path, ignored) && read_text_file(path) == text) return false;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ignored);
  write_file_atomically(path, text);
  return true;
}

}  // namespace litemig

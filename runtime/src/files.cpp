#include "litemig/files.hpp"

#include "litemig/errors.hpp"
#include "names.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <unistd.h>

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
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  // 0666 lets the umask decide, as for any new file; a replaced file keeps its owner and mode.
  detail::new_file temporary(folder, path.filename().string() + ".tmp-", 0666);
  std::error_code missing;
  if (fs::exists(path, missing)) temporary.take_owner_and_mode(path, detail::ownership::best_effort);
  for (std::size_t written = 0; written < text.size();) {
    const ssize_t n = ::write(temporary.fd(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw failure(exit_code::failure,
                    fmt::format("{}: cannot write the file: {}", path.string(), std::strerror(n < 0 ? errno : ENOSPC)));
    }
    written += static_cast<std::size_t>(n);
  }
  temporary.publish_over(path);
}

bool write_file_if_changed(const fs::path& path, std::string_view text) {
  std::error_code ignored;
  if (fs::exists(path, ignored) && read_text_file(path) == text) return false;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ignored);
  write_file_atomically(path, text);
  return true;
}

}  // namespace litemig

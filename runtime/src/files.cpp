#include "litemig/files.hpp"

#include "litemig/errors.hpp"
#include "names.hpp"

#include "file_kind.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace litemig {

std::string read_text_file(const fs::path& path) {
  // O_NONBLOCK: opening a FIFO to find out what it is must not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw failure(exit_code::failure, path.string(), "cannot read the file");
  const std::unique_ptr<const int, void (*)(const int*)> closing(&fd, [](const int* open_fd) { ::close(*open_fd); });
  struct stat status {};
  if (::fstat(fd, &status) != 0) throw failure(exit_code::failure, path.string(), "cannot read the file");
  if (!S_ISREG(status.st_mode)) {
    throw failure(exit_code::usage, path.string(),
                  fmt::format("not a regular file ({})", detail::file_kind(status.st_mode)));
  }
  std::string text;
  std::array<char, 65536> buffer{};
  for (;;) {
    const auto n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw failure(exit_code::failure, path.string(), "cannot read the file");
    if (n == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return text;
}

void write_file_atomically(const fs::path& path, std::string_view text) {
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  // 0666 lets the umask decide, as for any new file; a replaced file keeps its owner and mode.
  detail::new_file temporary(folder, path.filename().string() + ".tmp-", 0666);
  std::error_code missing;
  if (fs::exists(path, missing)) temporary.take_owner_and_mode(path, detail::ownership::best_effort);
  detail::write_all(temporary.fd(), text, path);
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

#include "names.hpp"
#include "transfer.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace litemig::transfer {

namespace {

[[noreturn]] void fail(const fs::path& file, std::string_view cause) {
  throw failure(exit_code::failure, file.string(), fmt::format("{}", cause));
}

// The type of the file at PATH (not_found when there is none); a failure naming PATH when the
// system cannot tell, e.g. for want of permission on a folder.
fs::file_type type_of(const fs::path& path) {
  std::error_code error;
  const auto type = fs::status(path, error).type();
  if (error && type != fs::file_type::not_found) fail(path, fmt::format("cannot look at it: {}", error.message()));
  return type;
}

bool present(const fs::path& path) { return type_of(path) != fs::file_type::not_found; }

class local_endpoint final : public endpoint {
 public:
  explicit local_endpoint(const fs::path& file)
      : shown_(file), file_(detail::resolve_database_path(file)), folder_(file_.parent_path().empty() ? "." : file_.parent_path()) {}

  std::string describe() const override { return shown_.string(); }
  bool is_remote() const override { return false; }
  std::string path() const override { return shown_.string(); }
  bool exists() const override { return present(file_); }
  bool folder_exists() const override { return type_of(folder_) == fs::file_type::directory; }
  std::optional<fs::path> local_file() const override { return file_; }

  bool has_journal() const override {
    return present(file_.string() + "-wal") || present(file_.string() + "-journal");
  }

  void fetch(const fs::path& destination, const progress_function& progress) const override {
    if (type_of(file_) != fs::file_type::regular) fail(shown_, "no such database file");
    copy_local_file(file_, destination, progress);
  }

  bool fetch_companion(const std::string& suffix, const fs::path& destination) const override {
    const fs::path companion = file_.string() + suffix;
    if (!present(companion)) return false;
    copy_local_file(companion, destination);
    return true;
  }

  std::string sha256() const override { return file_sha256(file_); }

  std::string copy_beside(const std::string& stem, const std::string& extension,
                          const std::string& expected_sha256) const override {
    detail::new_file copy(folder_, stem + extension + ".partial-");
    copy.take_owner_and_mode(file_, detail::ownership::best_effort);
    copy.copy_from(file_);
    if (file_sha256(copy.path()) != expected_sha256) fail(copy.path(), "the copy differs from the database it was made from");
    return copy.publish_as_new(stem, extension, '-').string();
  }

  std::vector<std::string> remove_backups_beyond(const std::string& stem, const std::string& extension,
                                                 std::size_t keep) const override {
    std::vector<std::string> removed;
    for (const auto& file : detail::remove_backups_beyond(folder_, stem, extension, keep)) removed.push_back(file.string());
    return removed;
  }

  void replace(const fs::path& local_file, const std::optional<std::string>& expected_current_sha256,
               const std::function<void()>& before_rename, const progress_function& progress) const override {
    const bool replacing = present(file_);
    // A new file is created as any other (the umask decides); a replaced one keeps its owner and mode.
    const auto prefix = file_.filename().string() + ".litemig-upload-";
    detail::new_file temporary(folder_, prefix, replacing ? 0600 : 0666);
    if (replacing) temporary.take_owner_and_mode(file_, detail::ownership::required);
    temporary.copy_from(local_file, with_total(local_file, progress));
    if (file_sha256(temporary.path()) != file_sha256(local_file)) fail(temporary.path(), "the written copy differs from the source");
    // Checked before BEFORE_RENAME, so that a refusal leaves nothing behind, and again just before the rename.
    check_unchanged(expected_current_sha256);
    if (before_rename) before_rename();
    check_unchanged(expected_current_sha256);
    temporary.publish_over(file_);
  }

 private:
  void check_unchanged(const std::optional<std::string>& expected_sha256) const {
    if (expected_sha256) {
      if (!present(file_)) fail(shown_, "the database disappeared since it was read");
      if (sha256() != *expected_sha256) fail(shown_, "the database changed since it was read; nothing replaced");
    }
    if (has_journal()) fail(shown_, "a -wal or -journal file is next to the database: close the program using it");
  }

  fs::path shown_;   // as the user named it, for messages
  fs::path file_;    // the file itself, symbolic links resolved
  fs::path folder_;  // where its backups and temporary files go
};

}  // namespace

detail::copied_function with_total(const fs::path& from, const progress_function& progress) {
  if (!progress) return {};
  const auto total = fs::file_size(from);
  progress(0, total);
  return [total, progress](std::uint64_t copied) { progress(copied, total); };
}

void copy_local_file(const fs::path& from, const fs::path& to, const progress_function& progress) {
  const int fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) fail(to, fmt::format("cannot copy {} here: {}", from.string(), std::strerror(errno)));
  try {
    detail::copy_into(from, fd, to, with_total(from, progress));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

scratch_directory::scratch_directory() {
  std::string pattern = (fs::temp_directory_path() / "litemig-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    fail(pattern, fmt::format("cannot create a temporary folder: {}", std::strerror(errno)));
  }
  path_ = pattern;
}

scratch_directory::~scratch_directory() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::unique_ptr<endpoint> make_local_endpoint(const fs::path& file) { return std::make_unique<local_endpoint>(file); }

}  // namespace litemig::transfer

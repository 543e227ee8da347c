#include "names.hpp"
#include "transfer.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;

namespace litemig::transfer {

namespace {

[[noreturn]] void fail(const fs::path& file, std::string_view cause) {
  throw failure(exit_code::failure, fmt::format("{}: {}", file.string(), cause));
}

// Flushes FILE (or a folder, so a rename in it is durable) to the disk.
void sync_to_disk(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(file, fmt::format("cannot open to flush: {}", std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) fail(file, fmt::format("cannot flush to disk: {}", std::strerror(saved)));
}

class local_endpoint final : public endpoint {
 public:
  explicit local_endpoint(fs::path file) : file_(std::move(file)) {}

  std::string describe() const override { return file_.string(); }
  bool is_remote() const override { return false; }
  std::string path() const override { return file_.string(); }
  bool exists() const override { return fs::exists(file_); }

  bool has_journal() const override {
    return fs::exists(file_.string() + "-wal") || fs::exists(file_.string() + "-journal");
  }

  void fetch(const fs::path& destination) const override {
    if (!fs::is_regular_file(file_)) fail(file_, "no such database file");
    copy_local_file(file_, destination);
  }

  std::string sha256() const override { return file_sha256(file_); }

  std::string copy_beside(const std::string& stem, const std::string& extension,
                          const std::string& expected_sha256) const override {
    const fs::path copy = detail::unused_name(file_.parent_path(), stem, extension);
    copy_local_file(file_, copy);
    if (file_sha256(copy) != expected_sha256) fail(copy, "the copy differs from the database it was made from");
    return copy.string();
  }

  void replace(const fs::path& local_file, const std::optional<std::string>& expected_current_sha256) const override {
    const fs::path temporary = file_.string() + fmt::format(".litemig-upload-{}", ::getpid());
    try {
      copy_local_file(local_file, temporary);
      if (file_sha256(temporary) != file_sha256(local_file)) fail(temporary, "the written copy differs from the source");
      if (expected_current_sha256) {
        if (!fs::exists(file_)) fail(file_, "the database disappeared since it was read");
        if (sha256() != *expected_current_sha256) fail(file_, "the database changed since it was read; nothing replaced");
      }
      if (has_journal()) fail(file_, "a -wal or -journal file is next to the database: close the program using it");
      std::error_code ec;
      if (fs::exists(file_)) fs::permissions(temporary, fs::status(file_).permissions(), ec);
      if (ec) fail(temporary, fmt::format("cannot copy the permissions of the database: {}", ec.message()));
      fs::rename(temporary, file_, ec);
      if (ec) fail(file_, fmt::format("cannot rename {} into place: {}", temporary.string(), ec.message()));
      sync_to_disk(file_.parent_path().empty() ? fs::path(".") : file_.parent_path());
    } catch (...) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw;
    }
  }

 private:
  fs::path file_;
};

}  // namespace

void copy_local_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) fail(to, fmt::format("cannot copy {} here: {}", from.string(), ec.message()));
  sync_to_disk(to);
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

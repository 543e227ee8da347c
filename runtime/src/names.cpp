#include "names.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <tuple>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace litemig::detail {

namespace {

[[noreturn]] void fail(const fs::path& file, std::string_view what, int error_number) {
  throw failure(exit_code::failure, file.string(), fmt::format("{}: {}", what, std::strerror(error_number)));
}

constexpr std::size_t random_name_length = 10;

std::string random_letters() {
  unsigned char bytes[random_name_length];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    throw failure(exit_code::failure, fmt::format("cannot draw a random file name: {}", std::strerror(errno)));
  }
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string letters;
  for (const unsigned char b : bytes) letters += alphabet[b % (sizeof alphabet - 1)];
  return letters;
}

// rename(2) that fails with EEXIST when TO exists, even as a dangling link; link(2) where the file
// system cannot rename that way. Returns 0 or an errno value.
int move_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// Whether TEXT holds a backup time stamp (20261130T101500Z) at AT.
bool is_time_stamp_at(std::string_view text, std::size_t at) {
  if (text.size() < at + 16 || text[at + 8] != 'T' || text[at + 15] != 'Z') return false;
  return all_digits(text.substr(at, 8)) && all_digits(text.substr(at + 9, 6));
}

// Strips "-N" (N >= 2) off the end of TEXT; the counter, or 1 when there is none.
int take_counter(std::string_view& text) {
  const auto dash = text.rfind('-');
  if (dash == std::string_view::npos || !all_digits(text.substr(dash + 1)) || text.size() - dash > 6) return 1;
  const int counter = std::stoi(std::string(text.substr(dash + 1)));
  if (counter < 2) return 1;
  text = text.substr(0, dash);
  return counter;
}

// "v1-v3" or "replaced".
bool is_backup_label(std::string_view label) {
  if (label == "replaced") return true;
  if (label.size() < 5 || label[0] != 'v') return false;
  const auto dash = label.find("-v");
  return dash != std::string_view::npos && all_digits(label.substr(1, dash - 1)) && all_digits(label.substr(dash + 2));
}

// (time, counter) of a backup of STEM and EXTENSION named NAME; nullopt for any other name.
std::optional<std::pair<std::string, int>> backup_order(std::string_view name, const std::string& stem,
                                                        const std::string& extension) {
  if (name.size() <= stem.size() + extension.size() + 18 || !name.starts_with(stem + ".") || !name.ends_with(extension)) {
    return std::nullopt;
  }
  std::string_view middle = name.substr(stem.size() + 1, name.size() - stem.size() - 1 - extension.size());
  if (middle.size() < 18 || middle[16] != '.' || !is_time_stamp_at(middle, 0)) return std::nullopt;
  const std::string_view time = middle.substr(0, 16);
  std::string_view label = middle.substr(17);
  const int counter = take_counter(label);
  if (!is_backup_label(label)) return std::nullopt;
  return std::pair{std::string(time), counter};
}

}  // namespace

std::string backup_time() { return format_utc_now("%Y%m%dT%H%M%SZ"); }

std::string backup_stem(const std::string& stem, const std::string& label, const std::string& time) {
  return fmt::format("{}.{}.{}", stem, time, label);
}

std::string backup_extension(const fs::path& db) {
  return db.has_extension() ? db.extension().string() : std::string(".sqlite3");
}

std::vector<std::string> backups_beyond(const std::vector<std::string>& names, const std::string& stem,
                                        const std::string& extension, std::size_t keep) {
  // A name dated in the future was not written by a litemig whose clock is right: counted as the
  // newest it would push out the backup just made, so it is neither counted nor removed.
  const std::string latest = format_utc(std::time(nullptr) + 60, "%Y%m%dT%H%M%SZ");
  std::vector<std::tuple<std::string, int, std::string>> backups;
  for (const auto& name : names) {
    const auto order = backup_order(name, stem, extension);
    if (order && order->first <= latest) backups.emplace_back(order->first, order->second, name);
  }
  std::sort(backups.begin(), backups.end(), std::greater<>());  // newest first
  std::vector<std::string> older;
  for (std::size_t i = keep; i < backups.size(); ++i) older.push_back(std::get<2>(backups[i]));
  return older;
}

std::vector<fs::path> remove_backups_beyond(const fs::path& folder, const std::string& stem, const std::string& extension,
                                            std::size_t keep) {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator entry(folder, error), end; !error && entry != end; entry.increment(error)) {
    // Only files litemig could have made: a link or a folder under such a name is someone else's.
    if (entry->symlink_status().type() == fs::file_type::regular) names.push_back(entry->path().filename().string());
  }
  if (error) throw failure(exit_code::failure, folder.string(),
                           fmt::format("cannot list the backups: {}", error.message()));
  std::vector<fs::path> removed;
  for (const auto& name : backups_beyond(names, stem, extension, keep)) {
    if (::unlink((folder / name).c_str()) != 0 && errno != ENOENT) fail(folder / name, "cannot remove the old backup", errno);
    removed.push_back(folder / name);
  }
  if (!removed.empty()) sync_folder(folder);
  return removed;
}

std::string format_utc_now(const char* pattern) { return format_utc(std::time(nullptr), pattern); }

std::string format_utc(std::time_t when, const char* pattern) {
  std::tm parts{};
  ::gmtime_r(&when, &parts);
  char text[32];
  std::strftime(text, sizeof text, pattern, &parts);
  return text;
}

fs::path resolve_database_path(const fs::path& path) {
  std::error_code error;
  if (!fs::is_symlink(path, error)) return path;
  auto target = fs::canonical(path, error);
  if (error) throw failure(exit_code::failure, path.string(), "a symbolic link to a file that does not exist");
  return target;
}

void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(folder, "cannot open the folder to flush it", errno);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) fail(folder, "cannot flush the folder to disk", saved);
}

void write_all(int fd, std::string_view bytes, const fs::path& shown) {
  for (std::size_t written = 0; written < bytes.size();) {
    const auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(shown, "cannot write the file", n < 0 ? errno : ENOSPC);
    written += static_cast<std::size_t>(n);
  }
}

void copy_into(const fs::path& source, int to_fd, const fs::path& shown, const copied_function& copied) {
  const int from = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (from < 0) fail(source, "cannot read the file", errno);
  std::vector<char> buffer(1 << 20);
  off_t offset = 0;
  int error_number = ::ftruncate(to_fd, 0) == 0 ? 0 : errno;
  while (error_number == 0) {
    const ssize_t n = ::pread(from, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(from);
      fail(source, "cannot read the file", saved);
    }
    if (n == 0) break;
    for (ssize_t written = 0; written < n && error_number == 0;) {
      const ssize_t w = ::pwrite(to_fd, buffer.data() + written, static_cast<std::size_t>(n - written), offset + written);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) error_number = w < 0 ? errno : ENOSPC;
      if (w > 0) written += w;
    }
    offset += n;
    if (copied && error_number == 0) copied(static_cast<std::uint64_t>(offset));
  }
  ::close(from);
  if (error_number == 0 && ::fsync(to_fd) != 0) error_number = errno;
  if (error_number != 0) fail(shown, fmt::format("cannot copy {} here", source.string()), error_number);
}

namespace {

constexpr std::time_t abandoned_after_seconds = 60;

bool is_random_name(std::string_view letters) {
  return letters.size() == random_name_length &&
         std::all_of(letters.begin(), letters.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// Whether NAME in FOLDER_FD is a regular file, older than a minute, that no process holds (the
// process that made it died before publishing or removing it); unlinks it and its SQLite side files.
bool remove_if_abandoned(int folder_fd, const std::string& name) {
  struct stat named {};
  if (::fstatat(folder_fd, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(named.st_mode)) return false;
  if (std::time(nullptr) - named.st_mtime < abandoned_after_seconds) return false;
  const int fd = ::openat(folder_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat opened {};
  const bool same = ::fstat(fd, &opened) == 0 && opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
  const bool unheld = same && ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  const bool removed = unheld && ::unlinkat(folder_fd, name.c_str(), 0) == 0;
  ::close(fd);
  if (!removed) return false;
  for (const char* side : {"-journal", "-wal", "-shm"}) {
    struct stat file {};
    const auto side_name = name + side;
    if (::fstatat(folder_fd, side_name.c_str(), &file, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(file.st_mode)) {
      ::unlinkat(folder_fd, side_name.c_str(), 0);
    }
  }
  return true;
}

// Whether CANDIDATE is PREFIX but for the time stamps in them: a file of the same kind made at
// another time (the backup of the same migration, the same deploy's copy).
bool is_same_kind(std::string_view candidate, std::string_view prefix) {
  if (candidate.size() != prefix.size()) return false;
  for (std::size_t at = 0; at < prefix.size();) {
    if (is_time_stamp_at(prefix, at) && is_time_stamp_at(candidate, at)) {
      at += 16;
    } else if (candidate[at] == prefix[at]) {
      ++at;
    } else {
      return false;
    }
  }
  return true;
}

// The names in FOLDER that end in random letters and are PREFIX's kind, taken out of a list made
// once per process and folder: a fleet of databases sharing a folder would otherwise read the
// whole folder again for every file written there.
std::vector<std::string> take_listed_of_kind(const fs::path& folder, const std::string& prefix) {
  static std::mutex mutex;
  static std::map<std::string, std::vector<std::string>> listed;
  const std::lock_guard lock(mutex);
  const auto [at, first] = listed.try_emplace(folder.string());
  auto& names = at->second;
  if (first) {
    if (DIR* listing = ::opendir(folder.c_str())) {
      while (const dirent* entry = ::readdir(listing)) {
        const std::string_view name(entry->d_name);
        if (name.size() > random_name_length && is_random_name(name.substr(name.size() - random_name_length))) {
          names.emplace_back(name);
        }
      }
      ::closedir(listing);
    }
  }
  std::vector<std::string> of_kind;
  const auto is_ours = [&](const std::string& name) {
    return is_same_kind(std::string_view(name).substr(0, name.size() - random_name_length), prefix);
  };
  std::copy_if(names.begin(), names.end(), std::back_inserter(of_kind), is_ours);
  names.erase(std::remove_if(names.begin(), names.end(), is_ours), names.end());
  return of_kind;
}

void remove_abandoned(const fs::path& folder, const std::string& prefix) {
  const auto names = take_listed_of_kind(folder, prefix);
  if (names.empty()) return;
  const int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd < 0) return;
  for (const auto& name : names) remove_if_abandoned(folder_fd, name);
  ::close(folder_fd);
}

}  // namespace

new_file::new_file(const fs::path& folder, const std::string& prefix, mode_t mode) : folder_(folder.empty() ? fs::path(".") : folder) {
  remove_abandoned(folder_, prefix);
  for (int attempt = 0; attempt < 100; ++attempt) {
    path_ = folder_ / (prefix + random_letters());
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd_ >= 0) {
      // Held until this process closes the file or dies: remove_abandoned tells ours from a dead one's.
      ::flock(fd_, LOCK_EX | LOCK_NB);
      return;
    }
    if (errno != EEXIST) fail(path_, "cannot create the file", errno);
  }
  fail(path_, "cannot create the file", EEXIST);
}

new_file::~new_file() {
  if (!published_) ::unlink(path_.c_str());
  ::close(fd_);
}

void new_file::take_owner_and_mode(const fs::path& like, ownership how) {
  struct stat owner {};
  if (::stat(like.c_str(), &owner) != 0) fail(like, "cannot read the owner and mode", errno);
  mode_t bits = owner.st_mode & 0777;
  if (::fchown(fd_, owner.st_uid, owner.st_gid) != 0) {
    if (how == ownership::required) {
      fail(like, fmt::format("cannot give the new file the owner {}:{} of the file it replaces", owner.st_uid, owner.st_gid),
           errno);
    }
    // Still ours: the group and others get no more than the database gave them.
    if (::fchown(fd_, static_cast<uid_t>(-1), owner.st_gid) != 0) bits &= S_IRWXU;
  }
  if (::fchmod(fd_, bits) != 0) fail(path_, "cannot set the permissions", errno);
}

void new_file::copy_from(const fs::path& source, const copied_function& copied) { copy_into(source, fd_, path_, copied); }

void new_file::sync() {
  if (::fsync(fd_) != 0) fail(path_, "cannot flush the file to disk", errno);
}

void new_file::check_still_ours() const {
  struct stat opened {};
  struct stat named {};
  if (::fstat(fd_, &opened) != 0 || ::lstat(path_.c_str(), &named) != 0 || opened.st_dev != named.st_dev ||
      opened.st_ino != named.st_ino) {
    throw failure(exit_code::failure, path_.string(), "the file was replaced by another one while it was written");
  }
}

fs::path new_file::publish_as_new(const std::string& stem, const std::string& extension, char separator) {
  for (int n = 1;; ++n) {
    const auto name = folder_ / (n == 1 ? stem + extension : fmt::format("{}{}{}{}", stem, separator, n, extension));
    if (publish_if_absent(name)) return name;
  }
}

bool new_file::publish_if_absent(const fs::path& target) {
  sync();
  check_still_ours();
  const int error_number = move_no_replace(path_, target);
  if (error_number == EEXIST) return false;
  if (error_number != 0) fail(target, "cannot create the file", error_number);
  published_ = true;
  sync_folder(folder_);
  return true;
}

void new_file::publish_over(const fs::path& target) {
  sync();
  check_still_ours();
  if (::rename(path_.c_str(), target.c_str()) != 0) fail(target, fmt::format("cannot rename {} into place", path_.string()), errno);
  published_ = true;
  sync_folder(folder_);
}

}  // namespace litemig::detail

// Time stamps, and the files litemig creates next to a database or in a folder it does not own:
// created under unpredictable names without following links, flushed, then published under a
// name that nothing (not even a planted link) holds yet, or renamed over the file they replace.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace litemig::detail {

// The current UTC time, or WHEN, in strftime's PATTERN.
std::string format_utc_now(const char* pattern);
std::string format_utc(std::time_t when, const char* pattern);

// Every backup litemig writes is named STEM.TIME.LABEL EXTENSION, TIME in UTC as
// 20261125T133212Z, LABEL vFROM-vTO for a copy taken before migrating from FROM to TO or
// "replaced" for the file a restore replaced; -2, -3, ... go before EXTENSION when the name is
// taken. Retention removes only regular files with names of this form, never one dated more than
// a minute ahead of the clock.
std::string backup_time();
// "STEM.TIME.LABEL": the name of a backup without its extension and counter; TIME defaults to now.
std::string backup_stem(const std::string& stem, const std::string& label, const std::string& time = backup_time());
// The extension of DB's backups: DB's own, or ".sqlite3".
std::string backup_extension(const std::filesystem::path& db);
// The names among NAMES that are backups of STEM and EXTENSION older than the newest KEEP.
std::vector<std::string> backups_beyond(const std::vector<std::string>& names, const std::string& stem,
                                        const std::string& extension, std::size_t keep);
// Removes the regular files of FOLDER that backups_beyond selects (never a link); returns them.
std::vector<std::filesystem::path> remove_backups_beyond(const std::filesystem::path& folder, const std::string& stem,
                                                         const std::string& extension, std::size_t keep);

// PATH, or the file it names when PATH is a symbolic link: a deploy or restore replaces that
// file and keeps the link. Resolved once, so every step works on the same file and folder.
// Throws failure when PATH is a link to nothing.
std::filesystem::path resolve_database_path(const std::filesystem::path& path);

// Flushes a folder, so that a rename or link in it survives a crash.
void sync_folder(const std::filesystem::path& folder);

// Receives the bytes copied so far, after each chunk of a copy.
using copied_function = std::function<void(std::uint64_t copied)>;

// Writes all of BYTES to the open file FD; a failure ("cannot write the file", a full disk
// included) names SHOWN.
void write_all(int fd, std::string_view bytes, const std::filesystem::path& shown);

// Copies the bytes of SOURCE into the open file TO_FD from its start, then flushes it.
// SHOWN names the destination in messages.
void copy_into(const std::filesystem::path& source, int to_fd, const std::filesystem::path& shown,
               const copied_function& copied = {});

// Whether a file must get the owner of the file it stands for, or only when the process may.
enum class ownership { required, best_effort };

// A new file in FOLDER named PREFIX + random letters, created with O_EXCL and O_NOFOLLOW, so it
// is never a file or link someone planted. Removed when destroyed unless published, and locked
// while this process lives. Creating one first removes the files of its kind that a process which
// died left in FOLDER: PREFIX (a time stamp in it may differ) and random letters, regular, over a
// minute old and locked by nobody, with their SQLite side files (each folder is listed once per
// process, when its first file is created). A crash loop cannot fill the disk with half-written
// databases, backups or copies, and a file still being written stays.
class new_file {
 public:
  new_file(const std::filesystem::path& folder, const std::string& prefix, mode_t mode = 0600);
  new_file(const new_file&) = delete;
  new_file& operator=(const new_file&) = delete;
  ~new_file();

  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }

  // Gives the file the owner, group and permission bits of the file LIKE. best_effort: where the
  // process may not, the file stays ours, and without LIKE's group it loses its group and other bits.
  void take_owner_and_mode(const std::filesystem::path& like, ownership how);
  // Copies SOURCE's bytes in and flushes them.
  void copy_from(const std::filesystem::path& source, const copied_function& copied = {});
  void sync();

  // Links the flushed file under the first of STEM + EXTENSION, STEM + SEPARATOR + 2 + EXTENSION,
  // ... that holds nothing: never overwrites a file nor writes through a link. Returns the name.
  std::filesystem::path publish_as_new(const std::string& stem, const std::string& extension, char separator);
  // Gives the flushed file the name TARGET, in the same folder, only while nothing (not even a
  // link) holds that name; false, and the file stays unpublished, when something does.
  bool publish_if_absent(const std::filesystem::path& target);
  // Renames the flushed file over TARGET, in the same folder: replaces TARGET's entry.
  void publish_over(const std::filesystem::path& target);

 private:
  void check_still_ours() const;

  std::filesystem::path folder_;
  std::filesystem::path path_;
  int fd_ = -1;
  bool published_ = false;
};

}  // namespace litemig::detail

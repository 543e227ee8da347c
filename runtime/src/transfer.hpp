// Moving a database file between this machine and where it lives: a local path or an
// ssh:// location reached with the system's OpenSSH tools. Every replacement of a file goes
// through a temporary name beside it and a rename, so the file is never half-written.
#pragma once

#include "litemig/deploy.hpp"

#include "names.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litemig::transfer {

struct ssh_location {
  std::string user;  // "" = ssh's default
  std::string host;
  std::optional<int> port;
  std::string path;  // absolute path on the remote host
};

// Throws failure(exit_code::usage) naming TEXT when it is not PATH, file://PATH or
// ssh://[user@]host[:port]/path, or when a remote path holds characters litemig cannot pass safely.
struct location {
  std::filesystem::path local_path;
  std::optional<ssh_location> remote;
  static location parse(std::string_view text);
};

// Throws failure(exit_code::usage) naming TEXT when the remote PATH is not absolute or holds a
// control character or a character scp would expand.
void check_remote_path(std::string_view text, std::string_view path);

// 'text' for a POSIX shell: ssh joins the remote command into one line for the remote shell.
std::string shell_quote(std::string_view text);

struct process_result {
  int exit_status = 0;  // the exit code, or 128 + signal number
  std::string output;   // standard output
  std::string errors;   // standard error
  bool succeeded() const { return exit_status == 0; }
};

// Starts ARGV[0] (found on PATH) with exactly ARGV, no shell, stdin from /dev/null, and waits,
// calling WAITING (when given) with the child's id about five times a second meanwhile.
// Throws failure when the program cannot be started.
process_result run_process(const std::vector<std::string>& argv, const std::function<void(int pid)>& waiting = {});

// Bytes of a transfer done so far and its total; called during the transfer and once at its end.
using progress_function = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Hex SHA-256 of a local file, read in chunks.
std::string file_sha256(const std::filesystem::path& file);

// Copies a local file into a private place (a scratch folder or a file of ours, never followed
// through a link) and flushes the copy to the disk.
void copy_local_file(const std::filesystem::path& from, const std::filesystem::path& to,
                     const progress_function& progress = {});

// PROGRESS fed with FROM's size as the total, for detail::copy_into.
detail::copied_function with_total(const std::filesystem::path& from, const progress_function& progress);

// A private folder under the system's temporary directory, removed with everything in it.
class scratch_directory {
 public:
  scratch_directory();
  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;
  ~scratch_directory();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// "name" with the extension cut: the stem every backup name starts from.
std::string file_stem(std::string_view path);

// Where a database file lives. A path that is a symbolic link stands for the file it names,
// resolved once: that file is replaced and backed up beside, and the link stays. Each operation
// throws failure with a one-line message.
class endpoint {
 public:
  virtual ~endpoint() = default;
  // "host:/srv/app.sqlite3" or the local path, for messages.
  virtual std::string describe() const = 0;
  virtual bool is_remote() const = 0;
  // The path of the file on its host.
  virtual std::string path() const = 0;
  virtual bool exists() const = 0;
  // Whether the folder the file is (or would be) in exists.
  virtual bool folder_exists() const = 0;
  // The file on this machine, for the owner and mode of local copies; nullopt when remote.
  virtual std::optional<std::filesystem::path> local_file() const = 0;
  // Whether a -wal or -journal file sits next to the database: a program has it open or crashed.
  virtual bool has_journal() const = 0;
  virtual void fetch(const std::filesystem::path& destination, const progress_function& progress) const = 0;
  // Fetches the file's companion named SUFFIX ("-wal", "-journal") when there is one.
  virtual bool fetch_companion(const std::string& suffix, const std::filesystem::path& destination) const = 0;
  virtual std::string sha256() const = 0;
  // Copies the file to STEM + EXTENSION in its own folder (STEM_2 + EXTENSION, ... when that name
  // holds anything: never overwritten nor written through a link), with the file's owner and mode
  // where the process may give them, and checks the copy holds EXPECTED_SHA256 before it gets
  // that name. Returns where the copy is.
  virtual std::string copy_beside(const std::string& stem, const std::string& extension,
                                  const std::string& expected_sha256) const = 0;
  // Puts LOCAL_FILE in place of the file: written under an unpredictable temporary name beside it,
  // checked, given the old file's owner, group and mode (refused when that is not possible),
  // flushed, then renamed over it. With EXPECTED_CURRENT_SHA256, refuses when the file changed
  // since it was read. BEFORE_RENAME runs once the new file is written and has its owner, so
  // that a refusal (an owner the process may not give) comes before anything it does.
  virtual void replace(const std::filesystem::path& local_file,
                       const std::optional<std::string>& expected_current_sha256,
                       const std::function<void()>& before_rename, const progress_function& progress) const = 0;
  // Backup retention beside the file: removes the regular files named as backups of STEM and
  // EXTENSION (see names.hpp) beyond the newest KEEP. Returns where they were.
  virtual std::vector<std::string> remove_backups_beyond(const std::string& stem, const std::string& extension,
                                                         std::size_t keep) const = 0;
};

std::unique_ptr<endpoint> make_local_endpoint(const std::filesystem::path& file);
std::unique_ptr<endpoint> make_ssh_endpoint(const ssh_location& where, const ssh_tools& tools);
std::unique_ptr<endpoint> open_endpoint(const location& where, const ssh_tools& tools);

}  // namespace litemig::transfer

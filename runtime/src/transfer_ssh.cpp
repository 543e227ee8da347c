#include "transfer.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <fstream>

namespace fs = std::filesystem;

namespace litemig::transfer {

namespace {

// The last non-empty line a tool wrote to stderr: usually the reason it failed.
std::string reason(const process_result& result) {
  std::string_view text = result.errors;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  const auto newline = text.find_last_of('\n');
  if (newline != std::string_view::npos) text = text.substr(newline + 1);
  if (text.empty()) return fmt::format("exit status {}", result.exit_status);
  return std::string(text);
}

// Prints the file $1 names (symbolic links resolved), or fails when its folder does not exist
// (status 10) or it is a link to nothing.
const char* const resolve_script =
    "if [ -L \"$1\" ] && [ ! -e \"$1\" ]; then echo 'a symbolic link to a file that does not exist' >&2; exit 11; fi\n"
    "real=$(readlink -f -- \"$1\") && [ -d \"$(dirname -- \"$real\")\" ] || "
    "{ echo 'the folder does not exist' >&2; exit 10; }\n"
    "printf '%s\\n' \"$real\"\n";

// $1 = database, $2 = the copy's path without extension, $3 = its extension, $4 = the SHA-256 the
// copy must have. The copy is written under an unpredictable name, given the database's owner
// (where allowed) and mode, flushed, checked, then hard-linked under the first of $2$3, $2_2$3,
// ... that holds nothing (ln never replaces a name, not even a link). Prints its path.
const char* const copy_script =
    "tmp=$(mktemp -- \"$2$3.partial-XXXXXXXXXX\") || exit 11\n"
    "trap 'rm -f -- \"$tmp\"' EXIT\n"
    "cp -- \"$1\" \"$tmp\" || exit 11\n"
    "if chown --reference=\"$1\" -- \"$tmp\" 2>/dev/null; then chmod --reference=\"$1\" -- \"$tmp\" || exit 11; fi\n"
    "sync -- \"$tmp\" || exit 11\n"
    "if [ \"$(sha256sum < \"$tmp\" | cut -c1-64)\" != \"$4\" ]; then\n"
    "  echo \"$tmp: the copy differs from the database that was fetched\" >&2; exit 12\n"
    "fi\n"
    "copy=\"$2$3\"; n=2\n"
    "until ln -T -- \"$tmp\" \"$copy\" 2>/dev/null; do\n"
    "  if [ ! -e \"$copy\" ] && [ ! -L \"$copy\" ]; then ln -T -- \"$tmp\" \"$copy\"; exit 11; fi\n"
    "  copy=\"$2-$n$3\"; n=$((n + 1))\n"
    "done\n"
    "sync -- \"$(dirname -- \"$copy\")\"\n"
    "printf '%s\\n' \"$copy\"\n";

// $1 = the database: prints a new empty file beside it, created exclusively under an
// unpredictable name, with the database's owner and group (refused when not allowed).
const char* const temporary_script =
    "tmp=$(mktemp -- \"$1.litemig-upload-XXXXXXXXXX\") || exit 10\n"
    "if [ -e \"$1\" ] && ! chown --reference=\"$1\" -- \"$tmp\"; then rm -f -- \"$tmp\"; exit 11; fi\n"
    "printf '%s\\n' \"$tmp\"\n";

// $1 = uploaded temporary file, $2 = database, $3 = SHA-256 the upload must have,
// $4 = SHA-256 the database must still have ("" when there is nothing to compare).
const char* const replace_script =
    "digest() { sha256sum < \"$1\" | cut -c1-64; }\n"
    "if [ \"$(digest \"$1\")\" != \"$3\" ]; then echo 'the uploaded copy differs from the local file' >&2; exit 10; fi\n"
    "if [ -n \"$4\" ]; then\n"
    "  if [ ! -f \"$2\" ]; then echo 'the database disappeared since it was fetched' >&2; exit 11; fi\n"
    "  if [ \"$(digest \"$2\")\" != \"$4\" ]; then echo 'the database changed since it was fetched' >&2; exit 12; fi\n"
    "fi\n"
    "if [ -e \"$2-wal\" ] || [ -e \"$2-journal\" ]; then\n"
    "  echo 'a -wal or -journal file is next to the database: stop the program using it' >&2; exit 13\n"
    "fi\n"
    "if [ -e \"$2\" ]; then\n"
    "  chown --reference=\"$2\" -- \"$1\" && chmod --reference=\"$2\" -- \"$1\" || exit 14\n"
    "else\n"
    "  chmod =rw -- \"$1\" || exit 14\n"
    "fi\n"
    "sync -- \"$1\" || exit 15\n"
    "mv -f -T -- \"$1\" \"$2\" || exit 16\n"
    "sync -- \"$(dirname -- \"$2\")\"\n";

// How far process PID has read FILE: the offset of its descriptor open on FILE (Linux's /proc).
std::optional<std::uint64_t> read_offset(int pid, const fs::path& file) {
  std::error_code error;
  for (fs::directory_iterator fd(fmt::format("/proc/{}/fd", pid), error), end; !error && fd != end; fd.increment(error)) {
    std::error_code unreadable;
    if (fs::read_symlink(fd->path(), unreadable) != file) continue;
    std::ifstream info(fmt::format("/proc/{}/fdinfo/{}", pid, fd->path().filename().string()));
    std::string key;
    std::uint64_t offset = 0;
    if (info >> key >> offset && key == "pos:") return offset;
  }
  return std::nullopt;
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

class ssh_endpoint final : public endpoint {
 public:
  ssh_endpoint(ssh_location where, ssh_tools tools) : where_(std::move(where)), tools_(std::move(tools)) {}

  std::string describe() const override { return fmt::format("{}:{}", destination(), where_.path); }
  bool is_remote() const override { return true; }
  std::string path() const override { return where_.path; }

  bool exists() const override { return remote_test({"test", "-f", where_.path}, "look for"); }
  bool folder_exists() const override { return resolved().has_value(); }
  std::optional<fs::path> local_file() const override { return std::nullopt; }

  bool has_journal() const override {
    const auto file = real_path();
    return remote_test({"test", "-e", file + "-wal", "-o", "-e", file + "-journal"}, "look for journals of");
  }

  void fetch(const fs::path& destination_file, const progress_function& progress) const override {
    std::function<void(int)> waiting;
    std::uint64_t total = 0;
    if (progress) {
      total = remote_size(where_.path);
      progress(0, total);
      waiting = [&](int) {
        std::error_code not_yet;
        const auto size = fs::file_size(destination_file, not_yet);
        if (!not_yet) progress(size, total);
      };
    }
    copy_with_scp(fmt::format("{}:{}", destination(), where_.path), fs::absolute(destination_file).string(),
                  fmt::format("cannot fetch {}", describe()), waiting);
    if (progress) progress(total, total);
  }

  bool fetch_companion(const std::string& suffix, const fs::path& destination_file) const override {
    const auto companion = real_path() + suffix;
    if (!remote_test({"test", "-e", companion}, "look for the " + suffix + " file of")) return false;
    copy_with_scp(fmt::format("{}:{}", destination(), companion), fs::absolute(destination_file).string(),
                  fmt::format("cannot fetch {}:{}", destination(), companion));
    return true;
  }

  std::string sha256() const override { return remote_sha256(where_.path); }

  std::string copy_beside(const std::string& stem, const std::string& extension,
                          const std::string& expected_sha256) const override {
    const std::string wanted = sibling(stem);
    const auto result = run_script(copy_script, {real_path(), wanted, extension, expected_sha256},
                                   fmt::format("cannot copy {} to {}{}", describe(), wanted, extension));
    std::string copy = result.output;
    while (!copy.empty() && copy.back() == '\n') copy.pop_back();
    if (copy.empty()) fail_at(wanted + extension, "the copy printed no name");
    return fmt::format("{}:{}", destination(), copy);
  }

  std::vector<std::string> remove_backups_beyond(const std::string& stem, const std::string& extension,
                                                 std::size_t keep) const override {
    const std::string folder = sibling("");
    // Regular files only (find -type f does not follow links): a link under a backup's name is not ours.
    const auto listed = run_remote({"find", folder, "-mindepth", "1", "-maxdepth", "1", "-type", "f", "-printf", "%f\\0"},
                                   fmt::format("cannot list the backups in {}:{}", destination(), folder));
    std::vector<std::string> names;
    std::string_view text = listed.output;
    // NUL-separated: a name holding a newline cannot pass for two names.
    for (auto end = text.find('\0'); end != std::string_view::npos; end = text.find('\0')) {
      names.emplace_back(text.substr(0, end));
      text.remove_prefix(end + 1);
    }
    std::vector<std::string> command{"rm", "-f", "--"};
    std::vector<std::string> removed;
    for (const auto& name : detail::backups_beyond(names, stem, extension, keep)) {
      command.push_back(folder + name);
      removed.push_back(fmt::format("{}:{}{}", destination(), folder, name));
    }
    if (!removed.empty()) run_remote(command, fmt::format("cannot remove old backups in {}:{}", destination(), folder));
    return removed;
  }

  void replace(const fs::path& local_file_path, const std::optional<std::string>& expected_current_sha256,
               const std::function<void()>& before_rename, const progress_function& progress) const override {
    const auto file = real_path();
    auto created = run_script(temporary_script, {file}, fmt::format("cannot create a temporary file beside {}", describe()));
    std::string temporary = created.output;
    while (!temporary.empty() && temporary.back() == '\n') temporary.pop_back();
    try {
      check_remote_path(describe(), temporary);
      std::function<void(int)> waiting;
      const auto total = fs::file_size(local_file_path);
      if (progress) {
        progress(0, total);
        waiting = [&, file = fs::canonical(local_file_path)](int pid) {
          if (const auto offset = read_offset(pid, file)) progress(*offset, total);
        };
      }
      copy_with_scp(fs::absolute(local_file_path).string(), fmt::format("{}:{}", destination(), temporary),
                    fmt::format("cannot upload to {}:{}", destination(), temporary), waiting);
      if (progress) progress(total, total);
      if (before_rename) {
        // A refusal the replace script would give must come before BEFORE_RENAME leaves anything.
        if (has_journal()) fail_at(file, "a -wal or -journal file is next to the database: stop the program using it");
        before_rename();
      }
      run_script(replace_script, {temporary, file, file_sha256(local_file_path), expected_current_sha256.value_or("")},
                 fmt::format("cannot put {} in place of {}", temporary, describe()));
    } catch (...) {
      remove_quietly(temporary);
      throw;
    }
  }

 private:
  std::string destination() const { return where_.user.empty() ? where_.host : where_.user + "@" + where_.host; }

  // In the folder of the file the path names, links resolved.
  std::string sibling(const std::string& name) const {
    const auto file = real_path();
    return file.substr(0, file.find_last_of('/') + 1) + name;
  }

  // The file the path names, asked once; nullopt when its folder does not exist.
  const std::optional<std::string>& resolved() const {
    if (resolved_) return *resolved_;
    const auto result = run_script_status(resolve_script, {where_.path});
    std::optional<std::string> file;
    if (result.exit_status != 10) {
      if (!result.succeeded()) {
        throw failure(exit_code::failure, fmt::format("cannot resolve {}: {}", describe(), reason(result)));
      }
      file = result.output.substr(0, result.output.find('\n'));
      check_remote_path(describe(), *file);
    }
    resolved_ = file;
    return *resolved_;
  }

  std::string real_path() const {
    const auto& file = resolved();
    if (!file) fail_at(where_.path, "the folder does not exist");
    return *file;
  }

  std::vector<std::string> common_options() const {
    std::vector<std::string> options;
    for (const auto& option : tools_.options) {
      options.push_back("-o");
      options.push_back(option);
    }
    if (where_.port) {
      options.push_back("-o");
      options.push_back(fmt::format("Port={}", *where_.port));
    }
    return options;
  }

  [[noreturn]] void fail_at(const std::string& remote_path, std::string_view cause) const {
    throw failure(exit_code::failure, fmt::format("{}:{}", destination(), remote_path), std::string(cause));
  }

  // ssh joins the words of a remote command into one line for the remote shell: each is quoted.
  process_result remote(const std::vector<std::string>& command) const {
    std::vector<std::string> argv{tools_.ssh};
    for (auto& option : common_options()) argv.push_back(std::move(option));
    argv.push_back("--");
    argv.push_back(destination());
    for (const auto& word : command) argv.push_back(shell_quote(word));
    return run_process(argv);
  }

  // Runs a POSIX sh SCRIPT on the remote host with ARGS as $1, $2, ...: one connection for steps
  // that belong together, so nothing can change between the checks and the rename.
  process_result run_script(const char* script, const std::vector<std::string>& args, const std::string& what) const {
    auto result = run_script_status(script, args);
    if (!result.succeeded()) throw failure(exit_code::failure, what, fmt::format("{}", reason(result)));
    return result;
  }

  process_result run_script_status(const char* script, const std::vector<std::string>& args) const {
    std::vector<std::string> command{"sh", "-c", script, "litemig"};
    command.insert(command.end(), args.begin(), args.end());
    return remote(command);
  }

  process_result run_remote(const std::vector<std::string>& command, const std::string& what) const {
    auto result = remote(command);
    if (!result.succeeded()) throw failure(exit_code::failure, what, fmt::format("{}", reason(result)));
    return result;
  }

  // test(1) answers with 0 or 1; anything else is ssh failing.
  bool remote_test(const std::vector<std::string>& command, std::string_view what) const {
    const auto result = remote(command);
    if (result.exit_status == 0 || result.exit_status == 1) return result.exit_status == 0;
    throw failure(exit_code::failure, fmt::format("cannot {} {}: {}", what, describe(), reason(result)));
  }

  std::string remote_sha256(const std::string& remote_path) const {
    const auto result = run_remote({"sha256sum", "--", remote_path},
                                   fmt::format("cannot compute the SHA-256 of {}:{}", destination(), remote_path));
    const std::string digest = result.output.substr(0, result.output.find(' '));
    if (!is_sha256_hex(digest)) fail_at(remote_path, "sha256sum printed no digest");
    return digest;
  }

  std::uint64_t remote_size(const std::string& remote_path) const {
    const auto result = run_remote({"stat", "-L", "-c", "%s", "--", remote_path},
                                   fmt::format("cannot read the size of {}:{}", destination(), remote_path));
    try {
      return std::stoull(result.output);
    } catch (const std::exception&) {
      fail_at(remote_path, "stat printed no size");
    }
  }

  void copy_with_scp(const std::string& from, const std::string& to, const std::string& what,
                     const std::function<void(int)>& waiting = {}) const {
    std::vector<std::string> argv{tools_.scp};
    for (auto& option : common_options()) argv.push_back(std::move(option));
    argv.push_back("--");
    argv.push_back(from);
    argv.push_back(to);
    const auto result = run_process(argv, waiting);
    if (!result.succeeded()) throw failure(exit_code::failure, what, fmt::format("{}", reason(result)));
  }

  void remove_quietly(const std::string& remote_path) const noexcept {
    try {
      remote({"rm", "-f", "--", remote_path});
    } catch (...) {
      // Cleaning up after a failure must not hide that failure; the name says what it is.
    }
  }

  ssh_location where_;
  ssh_tools tools_;
  mutable std::optional<std::optional<std::string>> resolved_;
};

}  // namespace

std::unique_ptr<endpoint> make_ssh_endpoint(const ssh_location& where, const ssh_tools& tools) {
  return std::make_unique<ssh_endpoint>(where, tools);
}

}  // namespace litemig::transfer

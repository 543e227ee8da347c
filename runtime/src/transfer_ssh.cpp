#include "transfer.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <unistd.h>

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

// $1 = database, $2 = the copy's path without extension, $3 = its extension. The first unused
// of $2$3, $2_2$3, ... is written; prints its SHA-256, then its path.
const char* const copy_script =
    "copy=\"$2$3\"; n=2\n"
    "while [ -e \"$copy\" ]; do copy=\"$2_$n$3\"; n=$((n + 1)); done\n"
    "cp -p -- \"$1\" \"$copy\" || exit 11\n"
    "sha256sum < \"$copy\" | cut -c1-64\n"
    "printf '%s\\n' \"$copy\"\n";

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
    "if [ -e \"$2\" ]; then chmod --reference=\"$2\" -- \"$1\" || exit 14; fi\n"
    "mv -f -- \"$1\" \"$2\"\n";

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

  bool has_journal() const override {
    return remote_test({"test", "-e", where_.path + "-wal", "-o", "-e", where_.path + "-journal"}, "look for journals of");
  }

  void fetch(const fs::path& destination_file) const override {
    copy_with_scp(fmt::format("{}:{}", destination(), where_.path), fs::absolute(destination_file).string(),
                  fmt::format("cannot fetch {}", describe()));
  }

  std::string sha256() const override { return remote_sha256(where_.path); }

  std::string copy_beside(const std::string& stem, const std::string& extension,
                          const std::string& expected_sha256) const override {
    const std::string wanted = sibling(stem);
    const auto result = run_script(copy_script, {where_.path, wanted, extension},
                                   fmt::format("cannot copy {} to {}{}", describe(), wanted, extension));
    std::string copy = result.output.size() > 65 ? result.output.substr(65) : wanted + extension;
    while (!copy.empty() && copy.back() == '\n') copy.pop_back();
    if (result.output.substr(0, 64) != expected_sha256) {
      fail_at(copy, "the copy differs from the database that was fetched");
    }
    return fmt::format("{}:{}", destination(), copy);
  }

  void replace(const fs::path& local_file, const std::optional<std::string>& expected_current_sha256) const override {
    const std::string temporary = where_.path + fmt::format(".litemig-upload-{}", ::getpid());
    try {
      copy_with_scp(fs::absolute(local_file).string(), fmt::format("{}:{}", destination(), temporary),
                    fmt::format("cannot upload to {}:{}", destination(), temporary));
      run_script(replace_script, {temporary, where_.path, file_sha256(local_file), expected_current_sha256.value_or("")},
                 fmt::format("cannot put {} in place of {}", temporary, describe()));
    } catch (...) {
      remove_quietly(temporary);
      throw;
    }
  }

 private:
  std::string destination() const { return where_.user.empty() ? where_.host : where_.user + "@" + where_.host; }

  std::string sibling(const std::string& name) const {
    const auto slash = where_.path.find_last_of('/');
    return where_.path.substr(0, slash + 1) + name;
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
    throw failure(exit_code::failure, fmt::format("{}:{}: {}", destination(), remote_path, cause));
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
    std::vector<std::string> command{"sh", "-c", script, "litemig"};
    command.insert(command.end(), args.begin(), args.end());
    return run_remote(command, what);
  }

  process_result run_remote(const std::vector<std::string>& command, const std::string& what) const {
    auto result = remote(command);
    if (!result.succeeded()) throw failure(exit_code::failure, fmt::format("{}: {}", what, reason(result)));
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

  void copy_with_scp(const std::string& from, const std::string& to, const std::string& what) const {
    std::vector<std::string> argv{tools_.scp};
    for (auto& option : common_options()) argv.push_back(std::move(option));
    argv.push_back("--");
    argv.push_back(from);
    argv.push_back(to);
    const auto result = run_process(argv);
    if (!result.succeeded()) throw failure(exit_code::failure, fmt::format("{}: {}", what, reason(result)));
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
};

}  // namespace

std::unique_ptr<endpoint> make_ssh_endpoint(const ssh_location& where, const ssh_tools& tools) {
  return std::make_unique<ssh_endpoint>(where, tools);
}

}  // namespace litemig::transfer

#include "migration_commands.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace litemig::cli {

migration_set load_migrations(const std::string& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throw failure(exit_code::usage, fmt::format("{}: no such migrations directory", dir));
  }
  return migration_set::from_directory(dir);
}

void add_apply_options(command_spec& spec) {
  spec.options.add_options()
      ("no-backup", "do not write the online backup before changing the database")
      ("backup-dir", po::value<std::string>()->value_name("DIR"), "write backups into DIR instead of next to the database")
      ("allow-checksum-mismatch", "apply even when an applied migration's file changed since")
      ("vacuum", "VACUUM after migrating when the migrations left free pages (a rebuild does): the file shrinks back")
      ("busy-timeout", po::value<double>()->default_value(30.0)->value_name("SECONDS"),
       "how long to wait for another connection's write lock");
}

apply_options read_apply_options(const po::variables_map& values) {
  apply_options options;
  options.backup = values.count("no-backup") == 0;
  if (values.count("backup-dir")) options.backup_dir = values["backup-dir"].as<std::string>();
  options.allow_checksum_mismatch = values.count("allow-checksum-mismatch") != 0;
  options.vacuum = values.count("vacuum") != 0;
  const double seconds = values["busy-timeout"].as<double>();
  if (seconds < 0) throw failure(exit_code::usage, "--busy-timeout must not be negative");
  options.busy_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  return options;
}


std::string json_optional_string(const std::optional<std::string>& text) { return text ? json_string(*text) : "null"; }

progress_reporter::progress_reporter(const migration_set& migrations) : migrations_(migrations) {}

progress_reporter::~progress_reporter() { clear(); }

void progress_reporter::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

void progress_reporter::attach(apply_options& options) {
  if (!::isatty(STDERR_FILENO)) return;
  options.progress = [this](std::int64_t version) { report(version); };
}

void progress_reporter::report(std::int64_t version) {
  const auto now = std::chrono::steady_clock::now();
  if (version != version_) {
    version_ = version;
    started_ = now;
  }
  // Short migrations stay silent; long ones update the line four times a second.
  if (now - started_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  shown_ = true;
  const migration* running = migrations_.find(version);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - started_).count();
  std::fputs(fmt::format("\r\033[K{}: running for {} s", running ? running->file_name : std::to_string(version), seconds).c_str(),
             stderr);
  std::fflush(stderr);
}

}  // namespace litemig::cli

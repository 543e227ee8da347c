// Helpers shared by the commands that drive the applier (upgrade, downgrade, current, history,
// check, stamp).
#pragma once

#include "options.hpp"

#include "litemig/applier.hpp"
#include "litemig/json.hpp"
#include "litemig/migration.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace litemig::cli {

// The migrations of DIR; a missing directory is a usage error (a typo, not an empty set).
migration_set load_migrations(const std::string& dir);

// Adds --no-backup, --backup-dir, --allow-checksum-mismatch and --busy-timeout to SPEC.
void add_apply_options(command_spec& spec);
// Reads those options into apply_options.
apply_options read_apply_options(const po::variables_map& values);

// A JSON string literal, or null.
std::string json_optional_string(const std::optional<std::string>& text);

// Reports long statements on stderr while it is a terminal: "\r0003_rebuild: running for 12 s".
class progress_reporter {
 public:
  explicit progress_reporter(const migration_set& migrations);
  progress_reporter(const progress_reporter&) = delete;
  progress_reporter& operator=(const progress_reporter&) = delete;
  ~progress_reporter();
  // Attaches to OPTIONS when stderr is a terminal.
  void attach(apply_options& options);
  // Erases the progress line, before other output.
  void clear();

 private:
  void report(std::int64_t version);
  const migration_set& migrations_;
  std::int64_t version_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_;
  bool shown_ = false;
};

}  // namespace litemig::cli

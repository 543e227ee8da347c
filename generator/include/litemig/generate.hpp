// `litemig generate`: the whole pipeline from a reference database to the next migration file.
#pragma once

#include "litemig/diff.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace litemig {

struct generate_options {
  std::filesystem::path reference;
  std::filesystem::path dir;
  std::optional<std::string> name;
  std::optional<std::filesystem::path> hints_file;
  int min_sqlite_version = 0;  // 0: the SQLite litemig runs with
};

struct generate_result {
  enum class outcome { no_changes, written, decisions_needed } result = outcome::no_changes;
  std::filesystem::path migration_file;
  std::vector<decision> decisions;
  std::vector<std::string> warnings;
};

// Throws litemig::failure naming the file and the cause; writes nothing unless it returns written.
generate_result generate(const generate_options& options);

// Re-records DIR/litemig.sum from the migration and snapshot files; returns how many it lists.
// Only the newest migration and its snapshot may differ from what the sum lists: an older one
// may have been applied to a database already, which recorded its old text. ALLOW_OLDER_EDITS
// records such an edit anyway (no database has applied it); otherwise it is refused (exit 6).
std::size_t record_sum(const std::filesystem::path& dir, bool allow_older_edits = false);

// Parses "3.35.0" (or "3035000") into SQLite's version number.
int parse_sqlite_version(const std::string& text);

}  // namespace litemig

// Project settings, so that --dir and the reference need not be typed for every command.
//
// Sources, strongest first: the command line, the environment (LITEMIG_DIR, LITEMIG_DB,
// LITEMIG_REFERENCE, LITEMIG_HINTS), then the first litemig.conf found in the working folder or
// one of its parents ("dir = schema/migrations", paths relative to the file's folder).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace litemig::cli {

inline constexpr const char* project_file_name = "litemig.conf";

// The settings every source may give.
inline const std::vector<std::string>& project_setting_names() {
  static const std::vector<std::string> names{"dir", "db", "reference", "hints"};
  return names;
}

// The environment variable of SETTING: "dir" -> "LITEMIG_DIR".
std::string environment_name(const std::string& setting);

struct settings_source {
  std::string origin;                           // "the environment" or the file's path
  std::map<std::string, std::string> values;    // setting -> value (paths usable from the working folder)
};

// The sources in the order they yield: the environment, then litemig.conf when one is found.
// Throws failure(exit_code::usage) naming the file when it cannot be read or holds a bad line.
std::vector<settings_source> project_sources();

// The litemig.conf that applies to the working folder, if any.
std::optional<std::filesystem::path> find_project_file(const std::filesystem::path& start);

}  // namespace litemig::cli

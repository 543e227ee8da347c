#include "project_settings.hpp"

#include "litemig/errors.hpp"

#include <boost/program_options.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <fstream>

namespace litemig::cli {

namespace fs = std::filesystem;
namespace po = boost::program_options;

std::string environment_name(const std::string& setting) {
  std::string name = "LITEMIG_";
  for (const char c : setting) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::optional<fs::path> find_project_file(const fs::path& start) {
  for (auto folder = start; !folder.empty(); folder = folder.parent_path()) {
    const auto candidate = folder / project_file_name;
    std::error_code error;
    if (fs::exists(fs::symlink_status(candidate, error))) return candidate;
    if (folder == folder.root_path()) break;
  }
  return std::nullopt;
}

namespace {

// A relative path in the file means a path from the file's folder; shown from the working folder.
std::string from_file_folder(const fs::path& file, const std::string& value) {
  const fs::path given = value;
  if (given.is_absolute()) return value;
  return (file.parent_path() / given).lexically_normal().lexically_proximate(fs::current_path()).string();
}

settings_source read_project_file(const fs::path& file) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    throw failure(exit_code::usage, fmt::format("{}: not a regular file; a project's settings are a text file", file.string()));
  }
  std::ifstream in(file);
  if (!in) throw failure(exit_code::failure, fmt::format("{}: cannot be read", file.string()));
  po::options_description known;
  for (const auto& name : project_setting_names()) known.add_options()(name.c_str(), po::value<std::string>());
  settings_source source{file.string(), {}};
  try {
    po::variables_map values;
    po::store(po::parse_config_file(in, known), values);
    for (const auto& name : project_setting_names()) {
      if (!values.count(name)) continue;
      const auto& value = values[name].as<std::string>();
      // An empty path would name the file's own folder.
      if (value.empty()) throw failure(exit_code::usage, fmt::format("{}: the setting '{}' is empty", file.string(), name));
      source.values[name] = from_file_folder(file, value);
    }
  } catch (const po::unknown_option& e) {
    throw failure(exit_code::usage, fmt::format("{}: unknown setting '{}' (known: dir, db, reference, hints)", file.string(),
                                                e.get_option_name()));
  } catch (const po::error& e) {
    throw failure(exit_code::usage, fmt::format("{}: {} (a line is 'setting = value')", file.string(), e.what()));
  }
  return source;
}

}  // namespace

std::vector<settings_source> project_sources() {
  settings_source environment{"the environment", {}};
  for (const auto& name : project_setting_names()) {
    const char* value = std::getenv(environment_name(name).c_str());
    if (value && *value) environment.values[name] = value;
  }
  std::vector<settings_source> sources{environment};
  if (const auto file = find_project_file(fs::current_path())) sources.push_back(read_project_file(*file));
  return sources;
}

}  // namespace litemig::cli

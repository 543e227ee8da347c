#include "options.hpp"
#include "project_settings.hpp"

#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <iostream>
#include <regex>
#include <sstream>

namespace litemig::cli {

namespace {

// "--to -1" would read "-1" as an option: a negative number after an option is its value.
arguments with_negative_values(const arguments& args) {
  static const std::regex negative{"-[0-9]+"};
  arguments joined;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& token = args[i];
    if (token.starts_with("--") && token.find('=') == std::string::npos && i + 1 < args.size() &&
        std::regex_match(args[i + 1], negative)) {
      joined.push_back(token + "=" + args[++i]);
    } else {
      joined.push_back(token);
    }
  }
  return joined;
}

// Boost pads the option descriptions with spaces: the help's lines end at their last word.
std::string without_trailing_spaces(const std::string& text) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

// Each form of the usage on lines of at most 79 columns, broken between its [optional] and
// (alternative) groups, continuation lines indented under the first option.
std::string wrapped_usage(std::string_view usage) {
  std::string out;
  std::istringstream forms{std::string(usage)};
  bool first = true;
  for (std::string form; std::getline(forms, form); first = false) {
    const auto start = form.find_first_not_of(' ');
    std::vector<std::string> groups;
    int depth = 0;
    std::string group;
    for (const char c : form.substr(start)) {
      if (c == ' ' && depth == 0) {
        if (!group.empty()) groups.push_back(group);
        group.clear();
        continue;
      }
      depth += (c == '[' || c == '(') - (c == ']' || c == ')');
      group += c;
    }
    if (!group.empty()) groups.push_back(group);
    std::string line = (first ? "usage: " : "       ") + groups.at(0) + " " + groups.at(1);
    const std::string indent(line.size() + 1, ' ');
    for (std::size_t i = 2; i < groups.size(); ++i) {
      if (line.size() + 1 + groups[i].size() > 79 && line.size() > indent.size()) {
        out += line + "\n";
        line = indent.substr(0, indent.size() - 1);
        line += " " + groups[i];
        continue;
      }
      line += " " + groups[i];
    }
    out += line + "\n";
  }
  return out;
}

void print_help(const command_spec& spec) {
  std::ostringstream options;
  options << spec.options;
  std::cout << wrapped_usage(spec.usage) << "\n" << wrap(spec.summary) << "\n" << without_trailing_spaces(options.str());
  if (!spec.project.empty()) {
    std::string settings;
    for (const auto& [setting, option] : spec.project) {
      settings += fmt::format("{}--{} ({} or '{}' in {})", settings.empty() ? "" : ", ", option, environment_name(setting),
                              setting, project_file_name);
    }
    std::cout << "\n" << wrap("Options that the command line leaves out are read from the environment, then from the " +
                              std::string(project_file_name) + " of this folder or a parent: " + settings + ".");
  }
}

// The settings the command line left out, as the options they fill.
void store_project_settings(const command_spec& spec, po::variables_map& values) {
  for (const auto& source : project_sources()) {
    arguments tokens;
    for (const auto& [setting, option] : spec.project) {
      const auto found = source.values.find(setting);
      if (found != source.values.end() && !values.count(option)) tokens.push_back(fmt::format("--{}={}", option, found->second));
    }
    try {
      po::store(po::command_line_parser(tokens).options(spec.options).run(), values);
    } catch (const po::error& e) {
      throw failure(exit_code::usage, fmt::format("{}: {}", source.origin, e.what()));
    }
  }
}

}  // namespace

bool parse(command_spec& spec, const arguments& args, po::variables_map& values) {
  spec.options.add_options()("help,h", "show this help");
  try {
    po::store(
        po::command_line_parser(with_negative_values(args)).options(spec.options).positional(spec.positional).run(),
        values);
    if (values.count("help")) {
      print_help(spec);
      return false;
    }
    if (!spec.project.empty()) store_project_settings(spec, values);
    po::notify(values);
  } catch (const po::error& e) {
    throw failure(exit_code::usage, fmt::format("{} (see litemig {} --help)", e.what(), spec.name));
  }
  return true;
}

void report(const std::string& command, std::string_view kind, std::string_view message) {
  std::cerr << "litemig " << command << ": " << kind << ": " << escape_control_characters(message) << "\n";
}

int run_reporting_errors(const std::string& command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const failure& e) {
    report(command, "error", e.what());
    return static_cast<int>(e.code());
  } catch (const sqlite::error& e) {
    report(command, "error", e.what());
    return static_cast<int>(e.is_busy() ? exit_code::busy : exit_code::failure);
  } catch (const std::exception& e) {
    report(command, "error", e.what());
    return static_cast<int>(exit_code::failure);
  }
}

std::string count_of(std::int64_t count, std::string_view singular, std::string_view plural) {
  if (count == 1) return fmt::format("1 {}", singular);
  return plural.empty() ? fmt::format("{} {}s", count, singular) : fmt::format("{} {}", count, plural);
}

std::string wrap(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.size(), text.find("\n\n", start));
    std::istringstream words{std::string(text.substr(start, end - start))};
    std::string line;
    for (std::string word; words >> word;) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out += line + "\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += line + "\n";
    if (end == text.size()) break;
    out += "\n";
    start = end + 2;
  }
  return out;
}

}  // namespace litemig::cli

#include "options.hpp"
#include "project_settings.hpp"

#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
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
// (alternative) groups, continuation lines indented under the first option. HEAD words (the
// program's and the command's name) stay together.
std::string wrapped_usage(std::string_view usage, std::size_t head) {
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
    std::string line = first ? "usage:" : "      ";
    for (std::size_t i = 0; i < std::min(head, groups.size()); ++i) line += " " + groups[i];
    const std::string indent(line.size() + 1, ' ');
    for (std::size_t i = head; i < groups.size(); ++i) {
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

// SPEC's usage as the active program spells it: its name, and no --dir when its migrations are built in.
std::string program_usage(const command_spec& spec) {
  const auto& program = active_program();
  std::string usage;
  std::istringstream forms{spec.usage};
  for (std::string form; std::getline(forms, form);) {
    if (form.starts_with("litemig ")) form = program.name + form.substr(7);
    if (program.embedded) {
      for (const std::string dir : {" [--dir MIGRATIONS_DIR]", " --dir MIGRATIONS_DIR"}) {
        if (const auto at = form.find(dir); at != std::string::npos) form.erase(at, dir.size());
      }
    }
    usage += form + "\n";
  }
  return usage;
}

void print_help(const command_spec& spec) {
  std::ostringstream options;
  options << spec.options;
  const auto head = static_cast<std::size_t>(std::count(active_program().name.begin(), active_program().name.end(), ' ')) + 2;
  std::cout << wrapped_usage(program_usage(spec), head) << "\n" << wrap(spec.summary) << "\n" << without_trailing_spaces(options.str());
  if (!spec.project.empty() && !active_program().embedded) {
    std::string settings;
    for (const auto& [setting, option] : spec.project) {
      settings += fmt::format("{}--{} ({} or '{}' in {})", settings.empty() ? "" : ", ", option, environment_name(setting),
                              setting, project_file_name);
    }
    std::cout << "\n" << wrap("Options that the command line leaves out are read from the environment, then from the " +
                              std::string(project_file_name) + " of this folder or a parent: " + settings + ".");
  }
}

// Stores TOKENS ("--option=value") into VALUES; ORIGIN names their source in errors.
void store_tokens(const command_spec& spec, const arguments& tokens, const std::string& origin, po::variables_map& values) {
  try {
    po::store(po::command_line_parser(tokens).options(spec.options).run(), values);
  } catch (const po::error& e) {
    throw failure(exit_code::usage, fmt::format("{}: {}", origin, e.what()));
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
    store_tokens(spec, tokens, source.origin, values);
  }
}

// A product's defaults the command line left out: its embedded migrations as --dir, then its own.
void store_program_defaults(const command_spec& spec, po::variables_map& values) {
  const auto& program = active_program();
  arguments defaults{"--dir=" + program.embedded->origin()};
  defaults.insert(defaults.end(), program.defaults.begin(), program.defaults.end());
  arguments tokens;
  for (const auto& token : defaults) {
    const auto option = token.substr(2, token.find('=') - 2);
    if (spec.options.find_nothrow(option, false) && !values.count(option)) tokens.push_back(token);
  }
  store_tokens(spec, tokens, program.name, values);
}

commands::program& program_slot() {
  static commands::program program;
  return program;
}

}  // namespace

const commands::program& active_program() { return program_slot(); }

void set_active_program(const commands::program& program) { program_slot() = program; }

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
    if (active_program().embedded) {
      store_program_defaults(spec, values);
    } else if (!spec.project.empty()) {
      store_project_settings(spec, values);
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw failure(exit_code::usage, fmt::format("{} (see {} {} --help)", e.what(), active_program().name, spec.name));
  }
  return true;
}

void report(const std::string& command, std::string_view kind, std::string_view message) {
  std::cerr << active_program().name << " " << command << ": " << kind << ": " << escape_control_characters(message) << "\n";
}

int run_reporting_errors(const std::string& command, const std::function<int()>& body) {
  try {
    return body();
  } catch (...) {
    const auto error = classify(std::current_exception());
    report(command, "error", error.what());
    return static_cast<int>(error.code());
  }
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

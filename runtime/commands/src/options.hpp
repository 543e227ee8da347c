// Shared plumbing for the commands: Boost.Program_options parsing, --help, one-line errors.
#pragma once

#include "commands.hpp"

#include "litemig/commands.hpp"
#include "litemig/quantities.hpp"

#include <boost/program_options.hpp>

#include <cstdint>
#include <functional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace litemig::cli {

namespace po = boost::program_options;

struct command_spec {
  command_spec(std::string command_name, std::string command_usage, std::string command_summary)
      : name(std::move(command_name)), usage(std::move(command_usage)), summary(std::move(command_summary)) {}

  std::string name;     // "upgrade"
  std::string usage;    // "litemig upgrade --db DB --dir DIR [--to N]"; "litemig" is the program's name
  std::string summary;  // paragraphs for --help, rewrapped to the help's width
  po::options_description options{"Options", 80, 40};
  po::positional_options_description positional;
  // Project settings (see project_settings.hpp) this command accepts: setting -> option, e.g.
  // {"reference", "schema"}. An option not given on the command line takes the setting's value.
  std::vector<std::pair<std::string, std::string>> project;
};

// The program the commands run as: one per process, set by commands::run before a command runs.
const commands::program& active_program();
void set_active_program(const commands::program& program);

// Parses ARGS against SPEC (adding --help), then fills the options that the command line left
// out: for litemig, those of SPEC.project from LITEMIG_* variables, then from litemig.conf; for a
// product, --dir from its embedded migrations and its program defaults. Returns false when
// --help was printed. Throws failure(exit_code::usage) on a bad command line or settings file.
bool parse(command_spec& spec, const arguments& args, po::variables_map& values);

// Prints "<program> <command>: <kind>: <message>" on stderr as one line (control characters escaped).
void report(const std::string& command, std::string_view kind, std::string_view message);

// Runs BODY, turning litemig::failure, sqlite::error and std::exception into one line on
// stderr ("<program> <command>: error: ...") and the documented exit code.
int run_reporting_errors(const std::string& command, const std::function<int()>& body);

// TEXT's paragraphs (separated by an empty line) rewrapped to lines of at most WIDTH columns.
std::string wrap(std::string_view text, std::size_t width = 79);

}  // namespace litemig::cli

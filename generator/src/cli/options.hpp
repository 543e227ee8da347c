// Shared plumbing for the commands: Boost.Program_options parsing, --help, one-line errors.
#pragma once

#include "commands.hpp"

#include <boost/program_options.hpp>

#include <functional>
#include <utility>
#include <string>
#include <string_view>

namespace litemig::cli {

namespace po = boost::program_options;

struct command_spec {
  command_spec(std::string command_name, std::string command_usage, std::string command_summary)
      : name(std::move(command_name)), usage(std::move(command_usage)), summary(std::move(command_summary)) {}

  std::string name;     // "upgrade"
  std::string usage;    // "litemig upgrade --db DB --dir DIR [--to N]"
  std::string summary;  // one paragraph for --help
  po::options_description options{"Options"};
  po::positional_options_description positional;
};

// Parses ARGS against SPEC (adding --help). Returns false when --help was printed.
// Throws failure(exit_code::usage) on a bad command line.
bool parse(command_spec& spec, const arguments& args, po::variables_map& values);

// Prints "litemig <command>: <kind>: <message>" on stderr as one line (control characters escaped).
void report(const std::string& command, std::string_view kind, std::string_view message);

// Runs BODY, turning litemig::failure, sqlite::error and std::exception into one line on
// stderr ("litemig <command>: error: ...") and the documented exit code.
int run_reporting_errors(const std::string& command, const std::function<int()>& body);

}  // namespace litemig::cli

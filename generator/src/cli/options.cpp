#include "options.hpp"

#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

bool parse(command_spec& spec, const arguments& args, po::variables_map& values) {
  spec.options.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(spec.options).positional(spec.positional).run(), values);
    if (values.count("help")) {
      std::cout << "usage: " << spec.usage << "\n\n" << spec.summary << "\n\n" << spec.options << "\n";
      return false;
    }
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

}  // namespace litemig::cli

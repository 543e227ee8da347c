#include "tool_commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/plan.hpp"
#include "litemig/render.hpp"
#include "litemig/generate.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

void print_decisions(const std::vector<decision>& decisions, const std::string& hints_hint);

int diff_command(const arguments& args) {
  return run_reporting_errors("diff", [&] {
    command_spec spec{"diff", "litemig diff FROM TO [--hints HINTS_FILE] [--min-sqlite VERSION]",
                      "Prints the SQL that turns schema FROM into schema TO. Each is a database file or a snapshot\n"
                      "(.sql). Writes nothing. Exit 3 with 'hint:' lines when a change needs a decision."};
    spec.options.add_options()
        ("from", po::value<std::string>()->required()->value_name("FROM"), "the schema to start from")
        ("to", po::value<std::string>()->required()->value_name("TO"), "the schema to reach")
        ("hints", po::value<std::string>()->value_name("HINTS_FILE"), "hints file: rename/drop/fill decisions")
        ("min-sqlite", po::value<std::string>()->value_name("VERSION"),
         "oldest SQLite the product links (e.g. 3.31.0): newer ALTER TABLE forms become table rebuilds");
    spec.positional.add("from", 1).add("to", 1);
    spec.project = {{"hints", "hints"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    const auto from = load_schema(values["from"].as<std::string>());
    const auto to = load_schema(values["to"].as<std::string>());
    const hints given = values.count("hints") ? read_hints_file(values["hints"].as<std::string>()) : hints{};
    const auto changes = diff(from, to, given, decision_policy::ask);
    if (!changes.decisions.empty()) {
      print_decisions(changes.decisions, values.count("hints") ? values["hints"].as<std::string>() : "a hints file (--hints FILE)");
      return static_cast<int>(exit_code::decision_needed);
    }
    plan_settings settings;
    if (values.count("min-sqlite")) settings.min_sqlite_version = parse_sqlite_version(values["min-sqlite"].as<std::string>());
    const auto plan = make_plan(from, to, changes, settings);
    if (plan.steps.empty()) {
      std::cout << "no changes\n";
    } else {
      std::cout << render_plan(plan);
    }
    return 0;
  });
}

}  // namespace litemig::cli

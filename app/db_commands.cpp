#include "db_commands.hpp"

#include "db_deploy.hpp"
#include "launch.hpp"

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/errors.hpp"
#include "litemig/json.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <iostream>
#include <optional>

namespace tunetrees {
namespace {

namespace po = boost::program_options;
using litemig::exit_code;
using litemig::failure;
using litemig::json_string;


struct db_options {
  bool json = false;
  bool vacuum = false;
  std::optional<std::int64_t> to;
};

db_options parse_options(const std::string& command, const std::vector<std::string>& args) {
  db_options parsed;
  std::int64_t to = 0;
  po::options_description options("tunetrees db " + command);
  options.add_options()("json", "machine-readable output")("to", po::value(&to), "target migration number");
  if (command == "upgrade") {
    options.add_options()("vacuum", "VACUUM after migrating when the migrations left free pages: the file shrinks back");
  }
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(options).run(), values);
    po::notify(values);
  } catch (const po::error& e) {
    throw failure(exit_code::usage, fmt::format("{} (tunetrees db {})", e.what(), command));
  }
  parsed.json = values.count("json") > 0;
  parsed.vacuum = values.count("vacuum") > 0;
  if (values.count("to")) parsed.to = to;
  return parsed;
}

int show_current(const std::filesystem::path& db, const db_options& options) {
  const auto status = litemig::current(db);
  const auto latest = migrations().latest_version();
  const auto pending = std::max<std::int64_t>(0, latest - status.version);
  if (options.json) {
    std::cout << fmt::format("{{\"database\": {}, \"version\": {}, \"latest\": {}, \"pending\": {}}}\n",
                             json_string(db.string()), status.version, latest, pending);
  } else {
    std::cout << fmt::format("{}: schema version {} of {} ({} pending)\n", db.string(), status.version, latest, pending);
  }
  return 0;
}

std::string state_name(litemig::history_entry::state s) {
  switch (s) {
    case litemig::history_entry::state::applied: return "applied";
    case litemig::history_entry::state::checksum_mismatch: return "edited after it was applied";
    case litemig::history_entry::state::unknown_file: return "applied, unknown to this app";
    case litemig::history_entry::state::pending: break;
  }
  return "pending";
}

int show_history(const std::filesystem::path& db, const db_options& options) {
  const auto entries = litemig::history(migrations(), db);
  if (options.json) {
    std::cout << "[";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      std::cout << fmt::format("{}{{\"version\": {}, \"name\": {}, \"state\": {}, \"applied_at\": {}}}", i ? ", " : "",
                               e.version, json_string(e.name), json_string(state_name(e.status)),
                               e.applied_at ? json_string(*e.applied_at) : "null");
    }
    std::cout << "]\n";
    return 0;
  }
  for (const auto& e : entries) {
    std::cout << fmt::format("{:04}  {:<34} {}{}\n", e.version, e.name, state_name(e.status),
                             e.applied_at ? " " + *e.applied_at : "");
  }
  return 0;
}

int apply(const std::filesystem::path& db, bool backup, const db_options& options, bool down) {
  litemig::apply_options apply;
  apply.backup = backup;
  apply.vacuum = options.vacuum;
  if (!options.json) apply.log = [](const std::string& line) { std::cout << line << "\n"; };
  litemig::apply_result result;
  if (down) {
    if (!options.to) throw failure(exit_code::usage, "tunetrees db downgrade needs --to N");
    result = litemig::downgrade(db, migrations(), *options.to, apply);
  } else {
    apply.target = options.to;
    result = litemig::upgrade(db, migrations(), apply);
  }
  const auto backup_path = result.backup ? result.backup->string() : std::string{};
  if (options.json) {
    std::string applied;
    for (const auto v : result.applied) applied += (applied.empty() ? "" : ", ") + std::to_string(v);
    std::cout << fmt::format("{{\"from\": {}, \"to\": {}, \"applied\": [{}], \"backup\": {}}}\n", result.from_version,
                             result.to_version, applied, result.backup ? json_string(backup_path) : "null");
  } else {
    std::cout << fmt::format("{}: schema version {} -> {}{}\n", db.string(), result.from_version, result.to_version,
                             result.backup ? " (backup: " + backup_path + ")" : "");
  }
  return 0;
}

int check(const std::filesystem::path& db, const db_options& options) {
  const auto differences = litemig::check(db, migrations());
  if (options.json) {
    std::string items;
    for (const auto& d : differences) {
      items += (items.empty() ? "" : ", ") +
               fmt::format("{{\"name\": {}, \"description\": {}}}", json_string(d.name), json_string(d.description));
    }
    std::cout << fmt::format("{{\"matches\": {}, \"differences\": [{}]}}\n", differences.empty(), items);
  } else if (differences.empty()) {
    std::cout << fmt::format("{}: schema matches its version's snapshot\n", db.string());
  } else {
    std::cout << litemig::describe(differences);
  }
  return differences.empty() ? 0 : static_cast<int>(exit_code::schema_mismatch);
}

}  // namespace

int run_db_command(const std::filesystem::path& db, bool backup, const std::vector<std::string>& args) {
  if (args.empty()) {
    throw failure(exit_code::usage, "tunetrees db needs a command: current, history, upgrade, downgrade, check, deploy");
  }
  const auto& command = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "deploy") return run_db_deploy(rest, migrations());
  const auto options = parse_options(command, rest);
  if (command == "current") return show_current(db, options);
  if (command == "history") return show_history(db, options);
  if (command == "upgrade") return apply(db, backup, options, false);
  if (command == "downgrade") return apply(db, backup, options, true);
  if (command == "check") return check(db, options);
  throw failure(exit_code::usage, fmt::format("unknown db command '{}'", command));
}

}  // namespace tunetrees

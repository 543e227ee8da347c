// tunetrees: practise tunes from your playlists. On launch the app brings its database to the
// schema it was built for (backing it up first), then works through the database's views.
#include "demo.hpp"
#include "launch.hpp"
#include "practice.hpp"

#include "litemig/commands.hpp"
#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace po = boost::program_options;
using litemig::exit_code;
using litemig::failure;

constexpr const char* usage = R"(usage: tunetrees [--db PATH] [--no-backup] [--demo] [COMMAND [OPTIONS]]

Without a command: migrate the database if needed, list the playlists, the
first playlist's tunes and what is due.

commands:
  tunes [--playlist ID]         the tunes of a playlist
  due [--playlist ID]           the tunes due for practice
  practice --tune ID --quality 0-5 [--playlist ID]
                                record a practice, schedule the next one
  version                       the app's version and its database's schema
                                version
  db COMMAND [OPTIONS]          litemig's runtime commands (current, history,
                                upgrade, downgrade, check, stamp, show,
                                deploy, restore) with the migrations built
                                into the app: same options, output and JSON;
                                'tunetrees db COMMAND --help' for each

options:
  --db PATH     the database (default: tunetrees.sqlite3 in the current folder)
  --no-backup   do not back the database up before migrating it
  --demo        create a demo database at an early schema version when PATH
                does not exist
  --help        show this help
)";

struct global_options {
  std::filesystem::path db = "tunetrees.sqlite3";
  bool backup = true;
  bool demo = false;
  bool help = false;
  std::vector<std::string> command;  // the command word and its options
};

global_options parse_global(const std::vector<std::string>& args) {
  global_options parsed;
  std::size_t i = 0;
  for (; i < args.size() && args[i].starts_with("--"); ++i) {
    if (args[i] == "--db" && i + 1 < args.size()) {
      parsed.db = args[++i];
    } else if (args[i] == "--no-backup") {
      parsed.backup = false;
    } else if (args[i] == "--demo") {
      parsed.demo = true;
    } else if (args[i] == "--help") {
      parsed.help = true;
    } else {
      throw failure(exit_code::usage, fmt::format("unknown option '{}' (see tunetrees --help)", args[i]));
    }
  }
  parsed.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return parsed;
}

struct practice_options {
  std::optional<std::int64_t> playlist;
  std::int64_t tune = 0;
  int quality = -1;
};

practice_options parse_command_options(const std::vector<std::string>& command) {
  practice_options parsed;
  std::int64_t playlist = 0;
  po::options_description options("tunetrees " + command.front());
  options.add_options()("playlist", po::value(&playlist), "playlist id")("tune", po::value(&parsed.tune), "tune id")(
      "quality", po::value(&parsed.quality), "how well it went, 0 (blackout) to 5 (perfect)");
  po::variables_map values;
  try {
    po::store(po::command_line_parser(std::vector<std::string>(command.begin() + 1, command.end())).options(options).run(),
              values);
    po::notify(values);
  } catch (const po::error& e) {
    throw failure(exit_code::usage, fmt::format("{} (see tunetrees --help)", e.what()));
  }
  if (values.count("playlist")) parsed.playlist = playlist;
  return parsed;
}

std::int64_t playlist_or_first(litemig::sqlite::database& db, const practice_options& options) {
  if (options.playlist) return *options.playlist;
  if (const auto first = tunetrees::first_playlist(db)) return *first;
  throw failure(exit_code::usage, db.path(), "there is no playlist yet");
}

void print_tunes(const std::string& heading, const std::vector<tunetrees::tune_entry>& tunes) {
  std::cout << heading << "\n";
  if (tunes.empty()) std::cout << "  (none)\n";
  for (const auto& t : tunes) {
    std::cout << fmt::format("  {:>4}  {:<30} {:<9} {:<7} last {:<19} due {}\n", t.id, t.title, t.type, t.goal,
                             t.last_practiced.value_or("never"), t.due_at.value_or("now"));
  }
}

void print_playlists(litemig::sqlite::database& db) {
  std::cout << "Playlists:\n";
  for (const auto& p : tunetrees::playlists(db)) {
    std::cout << fmt::format("  {:>4}  {:<30} {:<9} {} {}\n", p.id, p.name, p.instrument, p.tunes, p.tunes == 1 ? "tune" : "tunes");
  }
}

void practice(litemig::sqlite::database& db, std::int64_t playlist, std::int64_t tune, int quality) {
  const auto outcome = tunetrees::record_practice(db, playlist, tune, quality);
  std::cout << fmt::format("Recorded a practice of tune {} (quality {}): next review {} (in {} {})\n", tune, quality,
                           outcome.review_date, outcome.interval_days, outcome.interval_days == 1 ? "day" : "days");
}

// `tunetrees db COMMAND`: litemig's commands as this app, on its database and its migrations.
int run_db_command(const global_options& options) {
  litemig::commands::program app{"tunetrees db", &tunetrees::migrations(), {"--db=" + options.db.string()}, "tunetrees"};
  if (!options.backup) app.defaults.push_back("--no-backup");
  return litemig::commands::run(app, std::vector<std::string>(options.command.begin() + 1, options.command.end()));
}

int run(const global_options& options) {
  if (options.help) {
    std::cout << usage;
    return 0;
  }
  if (options.command.empty() || options.command.front() != "db") {
    if (options.demo) tunetrees::create_demo_database(options.db);
    tunetrees::migrate_on_launch(options.db, options.backup);
  }
  if (!options.command.empty() && options.command.front() == "db") {
    return run_db_command(options);
  }
  litemig::sqlite::database db(options.db);
  if (options.command.empty()) {
    print_playlists(db);
    const auto playlist = tunetrees::first_playlist(db);
    if (!playlist) return 0;
    print_tunes(fmt::format("Tunes of playlist {}:", *playlist), tunetrees::playlist_tunes(db, *playlist));
    auto due = tunetrees::due_tunes(db, *playlist);
    if (options.demo && !due.empty()) {
      practice(db, *playlist, due.front().id, 4);
      due = tunetrees::due_tunes(db, *playlist);
    }
    print_tunes("Due now:", due);
    return 0;
  }
  const auto& command = options.command.front();
  if (command == "version") {
    std::cout << fmt::format("tunetrees {}: {} at schema version {}\n", TUNETREES_VERSION, options.db.string(),
                             db.user_version());
    return 0;
  }
  const auto parsed = parse_command_options(options.command);
  const auto playlist = playlist_or_first(db, parsed);
  if (command == "tunes") {
    print_tunes(fmt::format("Tunes of playlist {}:", playlist), tunetrees::playlist_tunes(db, playlist));
  } else if (command == "due") {
    print_tunes("Due now:", tunetrees::due_tunes(db, playlist));
  } else if (command == "practice") {
    if (parsed.tune == 0 || parsed.quality < 0) throw failure(exit_code::usage, "practice needs --tune ID and --quality 0-5");
    practice(db, playlist, parsed.tune, parsed.quality);
  } else {
    throw failure(exit_code::usage, fmt::format("unknown command '{}' (see tunetrees --help)", command));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args.front() == "--help" || args.front() == "-h" || args.front() == "help")) {
    std::cout << usage;
    return 0;
  }
  try {
    return run(parse_global(args));
  } catch (...) {
    const auto error = litemig::classify(std::current_exception());
    std::cerr << "tunetrees: error: " << litemig::escape_control_characters(error.what()) << "\n";
    return static_cast<int>(error.code());
  }
}

// Writes a deterministic TuneTrees database of a chosen size: the same arguments give the same
// rows on every machine (own random stream, no std:: distributions), so every tool in a benchmark
// run migrates exactly the same data.
#include "litemig/sqlite.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace sqlite = litemig::sqlite;

// splitmix64: tiny, fast and identical everywhere.
class random_stream {
 public:
  explicit random_stream(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::int64_t below(std::int64_t bound) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(bound)); }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
  bool chance(int percent) { return below(100) < percent; }

 private:
  std::uint64_t state_;
};

struct sizes {
  std::int64_t practice_records = 50'000;
  std::int64_t playlists = 100;
  std::int64_t tunes() const { return (practice_records + playlists - 1) / playlists; }
};

// "YYYY-MM-DD HH:MM:SS" for SECONDS after 2020-01-01 00:00:00 (days-from-civil, Howard Hinnant).
std::string timestamp(std::int64_t seconds) {
  const std::int64_t epoch_days_2020 = 18262;
  std::int64_t z = epoch_days_2020 + seconds / 86400 + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t day_of_era = z - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t mp = (5 * day_of_year + 2) / 153;
  const std::int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  const std::int64_t in_day = seconds % 86400;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", year, month, day, in_day / 3600, in_day / 60 % 60,
                     in_day % 60);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read the file", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr std::array genres{"ITRAD", "OTIME", "BGRA", "SCOT", "BRET", "KLEZ", "CAJUN", "NORD"};
constexpr std::array tune_types{"reel", "jig", "hornpipe", "polka", "slide", "slip jig", "waltz", "strathspey"};
constexpr std::array modes{"D major", "G major", "A dorian", "E minor", "A mixolydian", "B minor"};
constexpr std::array instruments{"fiddle", "flute", "concertina", "banjo", "uilleann pipes"};
constexpr std::array words{"the", "maid", "of", "mount", "kisco", "road", "to", "lisdoonvarna", "morning", "dew",
                           "silver", "spear", "banshee", "boys", "ballymote", "humours", "drunken", "sailor"};
constexpr std::string_view abc_notes = "ABcdefgabc'DEFGAB";

std::string tune_title(random_stream& random, std::int64_t id) {
  std::string title;
  const auto count = 2 + random.below(3);
  for (std::int64_t i = 0; i < count; ++i) {
    if (i) title += ' ';
    title += words[static_cast<std::size_t>(random.below(words.size()))];
  }
  return fmt::format("{} ({})", title, id);
}

std::string incipit(random_stream& random) {
  std::string notes;
  for (int bar = 0; bar < 4; ++bar) {
    if (bar) notes += '|';
    for (int note = 0; note < 6; ++note) notes += abc_notes[static_cast<std::size_t>(random.below(abc_notes.size()))];
  }
  return notes;
}

// Indexes are built after the load: sorting once is much faster than inserting in random order.
std::vector<std::string> take_out_indexes(sqlite::database& db) {
  std::vector<std::pair<std::string, std::string>> found;
  auto query = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL");
  while (query.step()) found.emplace_back(query.column_text(0), query.column_text(1));
  std::vector<std::string> definitions;
  for (const auto& [name, sql] : found) {
    db.execute("DROP INDEX " + sqlite::quote_identifier(name));
    definitions.push_back(sql);
  }
  return definitions;
}

void fill_reference_data(sqlite::database& db, random_stream& random, const sizes& size) {
  auto genre = db.prepare("INSERT INTO genre (id, name, region, description) VALUES (?1, ?1, 'Europe', NULL)");
  for (const auto* name : genres) genre.bind(1, std::string_view(name)).step(), genre.reset();

  auto instrument = db.prepare("INSERT INTO instrument (id, instrument, genre_default) VALUES (?, ?, 'ITRAD')");
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    instrument.bind(1, static_cast<std::int64_t>(i + 1)).bind(2, std::string_view(instruments[i])).step();
    instrument.reset();
  }

  auto user = db.prepare(
      "INSERT INTO user (id, hash, name, email) VALUES (?1, 'redacted', 'User ' || ?1, 'user' || ?1 || "
      "'@example.invalid')");
  auto playlist = db.prepare("INSERT INTO playlist (playlist_id, user_ref, instrument_ref) VALUES (?1, ?1, ?2)");
  auto prefs = db.prepare(
      "INSERT INTO prefs_spaced_repetition (alg_type, user_id, request_retention, maximum_interval) "
      "VALUES ('FSRS', ?, 0.9, 365)");
  auto tab_state = db.prepare("INSERT INTO tab_group_main_state (user_id, which_tab, playlist_id) VALUES (?1, 'scheduled', ?1)");
  auto table_state = db.prepare(
      "INSERT INTO table_state (user_id, screen_size, purpose, settings, playlist_id) VALUES (?1, 'full', 'practice', "
      "'{}', ?1)");
  for (std::int64_t id = 1; id <= size.playlists; ++id) {
    user.bind(1, id).step(), user.reset();
    playlist.bind(1, id).bind(2, 1 + random.below(static_cast<std::int64_t>(instruments.size()))).step();
    playlist.reset();
    prefs.bind(1, id).step(), prefs.reset();
    tab_state.bind(1, id).step(), tab_state.reset();
    table_state.bind(1, id).step(), table_state.reset();
  }
}

void fill_tunes(sqlite::database& db, random_stream& random, const sizes& size) {
  auto tune = db.prepare(
      "INSERT INTO tune (id, type, structure, title, mode, incipit, genre) VALUES (?, ?, 'AABB', ?, ?, ?, ?)");
  auto tag = db.prepare("INSERT INTO tag (user_ref, tune_ref, tag_text) VALUES (?, ?, ?)");
  auto note = db.prepare(
      "INSERT INTO note (user_ref, tune_ref, playlist_ref, created_date, note_text, public, favorite) "
      "VALUES (?1, ?2, ?1, ?3, ?4, ?5, 0)");
  auto reference = db.prepare(
      "INSERT INTO reference (url, ref_type, tune_ref, public, favorite, user_ref, title) "
      "VALUES (?, 'audio', ?, 1, 1, ?, 'session recording')");
  for (std::int64_t id = 1; id <= size.tunes(); ++id) {
    tune.bind(1, id)
        .bind(2, std::string_view(tune_types[static_cast<std::size_t>(random.below(tune_types.size()))]))
        .bind(3, tune_title(random, id))
        .bind(4, std::string_view(modes[static_cast<std::size_t>(random.below(modes.size()))]))
        .bind(5, incipit(random))
        .bind(6, std::string_view(genres[static_cast<std::size_t>(random.below(4))]));
    tune.step(), tune.reset();
    const auto owner = 1 + random.below(size.playlists);
    tag.bind(1, owner).bind(2, id).bind(3, std::string_view(id % 3 ? "session" : "learning")).step(), tag.reset();
    if (id % 2 == 0) {
      note.bind(1, owner).bind(2, id).bind(3, timestamp(random.below(5 * 365 * 86400)))
          .bind(4, fmt::format("Learned from {} at the session", tune_title(random, id)))
          .bind(5, random.below(2));
      note.step(), note.reset();
    }
    if (id % 4 == 0) {
      reference.bind(1, fmt::format("https://thesession.org/tunes/{}", id)).bind(2, id).bind(3, owner).step();
      reference.reset();
    }
  }
}

// One repertoire entry and one record per (tune, playlist), in key order so the primary key and
// the UNIQUE index grow at their end.
void fill_practice_records(sqlite::database& db, random_stream& random, const sizes& size) {
  auto playlist_tune = db.prepare(
      "INSERT INTO playlist_tune (playlist_ref, tune_ref, current, learned) VALUES (?, ?, 'Y', ?)");
  auto record = db.prepare(
      "INSERT INTO practice_record (id, playlist_ref, tune_ref, practiced, quality, easiness, interval, repetitions, "
      "review_date, backup_practiced, stability, elapsed_days, lapses, state) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto transient = db.prepare(
      "INSERT INTO table_transient_data (user_id, tune_id, playlist_id, purpose, recall_eval) "
      "VALUES (?1, ?2, ?1, 'practice', 'good')");
  std::int64_t id = 0;
  for (std::int64_t tune = 1; tune <= size.tunes() && id < size.practice_records; ++tune) {
    for (std::int64_t playlist = 1; playlist <= size.playlists && id < size.practice_records; ++playlist) {
      ++id;
      const auto practiced = random.below(5 * 365 * 86400);
      const auto interval = 1 + random.below(120);
      record.bind(1, id).bind(2, playlist).bind(3, tune).bind(4, timestamp(practiced)).bind(5, random.below(6))
          .bind(6, 1.3 + random.unit() * 1.7).bind(7, interval).bind(8, random.below(30))
          .bind(9, timestamp(practiced + interval * 86400));
      if (random.chance(20)) {
        record.bind(10, timestamp(practiced - random.below(30 * 86400)));
      } else {
        record.bind_null(10);
      }
      record.bind(11, random.unit() * 100.0).bind(12, random.below(400)).bind(13, random.below(5))
          .bind(14, random.below(4));
      record.step(), record.reset();
      playlist_tune.bind(1, playlist).bind(2, tune);
      if (random.chance(40)) {
        playlist_tune.bind(3, timestamp(practiced - random.below(365 * 86400)));
      } else {
        playlist_tune.bind_null(3);
      }
      playlist_tune.step(), playlist_tune.reset();
      if (id % 1000 == 0) transient.bind(1, playlist).bind(2, tune).step(), transient.reset();
    }
  }
}

void generate(const std::filesystem::path& out, const std::filesystem::path& schema_file, const sizes& size,
              std::uint64_t seed) {
  sqlite::database db(out, sqlite::open_mode::create);
  db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144");
  db.execute(read_file(schema_file));
  const auto indexes = take_out_indexes(db);
  random_stream random(seed);
  {
    sqlite::transaction load(db);
    fill_reference_data(db, random, size);
    fill_tunes(db, random, size);
    fill_practice_records(db, random, size);
    for (const auto& sql : indexes) db.execute(sql);
    load.commit();
  }
  // Planner statistics, as a long-lived app database has them.
  db.execute("ANALYZE");
  db.execute("PRAGMA journal_mode = DELETE");
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  sizes size;
  std::string out;
  std::string schema;
  std::uint64_t seed = 20250128;
  po::options_description options("usage: litemig_bench_generate --out DB --schema SQL [--records N]");
  options.add_options()("help", "show this help")
      ("out", po::value(&out)->required(), "database file to create (must not exist)")
      ("schema", po::value(&schema)->required(), "SQL file with the CREATE statements")
      ("records", po::value(&size.practice_records)->default_value(size.practice_records), "practice records")
      ("playlists", po::value(&size.playlists)->default_value(size.playlists), "playlists (one user each)")
      ("seed", po::value(&seed)->default_value(seed), "random seed");
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    if (values.count("help")) {
      std::cout << options << '\n';
      return 0;
    }
    po::notify(values);
    if (size.practice_records < 1 || size.playlists < 1) throw po::error("--records and --playlists must be positive");
  } catch (const po::error& e) {
    std::cerr << "litemig_bench_generate: error: " << e.what() << '\n';
    return 2;
  }
  if (std::filesystem::exists(out)) {
    std::cerr << "litemig_bench_generate: error: " << out << ": the file exists already; choose a new name\n";
    return 1;
  }
  try {
    generate(out, schema, size, seed);
  } catch (const std::exception& e) {
    std::filesystem::remove(out);
    std::cerr << "litemig_bench_generate: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

// The app's real work, all through the views: playlists, their tunes, practice and what is due.
#pragma once

#include "litemig/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tunetrees {

struct playlist_summary {
  std::int64_t id = 0;
  std::string name;
  std::string instrument;
  std::int64_t tunes = 0;
};

struct tune_entry {
  std::int64_t id = 0;
  std::string title;
  std::string type;
  std::string goal;
  std::optional<std::string> last_practiced;
  std::optional<std::int64_t> last_quality;
  std::optional<std::string> due_at;  // nullopt: never practiced, due now
};

struct practice_outcome {
  std::int64_t interval_days = 0;
  double easiness = 0;
  std::string review_date;
};

std::vector<playlist_summary> playlists(litemig::sqlite::database& db);
std::optional<std::int64_t> first_playlist(litemig::sqlite::database& db);
std::vector<tune_entry> playlist_tunes(litemig::sqlite::database& db, std::int64_t playlist);
std::vector<tune_entry> due_tunes(litemig::sqlite::database& db, std::int64_t playlist);

// Records a practice of TUNE with QUALITY 0..5 and schedules the next review (SM-2).
// Throws litemig::failure when the tune is not in the playlist or QUALITY is out of range.
practice_outcome record_practice(litemig::sqlite::database& db, std::int64_t playlist, std::int64_t tune, int quality);

}  // namespace tunetrees

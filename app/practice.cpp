#include "practice.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tunetrees {
namespace {

using litemig::sqlite::database;
using litemig::sqlite::statement;

constexpr const char* tune_columns =
    "SELECT id, title, coalesce(type, ''), coalesce(goal, 'recall'), practiced, quality, due_at "
    "FROM practice_list_staged WHERE playlist_ref = ?";

std::vector<tune_entry> read_tunes(statement& query) {
  std::vector<tune_entry> tunes;
  while (query.step()) {
    tune_entry t;
    t.id = query.column_int(0);
    t.title = query.column_text(1);
    t.type = query.column_text(2);
    t.goal = query.column_text(3);
    t.last_practiced = query.column_optional_text(4);
    if (!query.is_null(5)) t.last_quality = query.column_int(5);
    t.due_at = query.column_optional_text(6);
    tunes.push_back(std::move(t));
  }
  return tunes;
}

}  // namespace

std::vector<playlist_summary> playlists(database& db) {
  auto query = db.prepare(
      "SELECT v.playlist_id, coalesce(v.playlist_name, ''), coalesce(v.instrument, ''), "
      "       (SELECT count(*) FROM practice_list_staged s WHERE s.playlist_ref = v.playlist_id) "
      "FROM view_playlist_joined v WHERE v.playlist_deleted = 0 ORDER BY v.playlist_id");
  std::vector<playlist_summary> result;
  while (query.step()) {
    result.push_back({query.column_int(0), query.column_text(1), query.column_text(2), query.column_int(3)});
  }
  return result;
}

std::optional<std::int64_t> first_playlist(database& db) {
  return db.query_int("SELECT min(playlist_id) FROM view_playlist_joined WHERE playlist_deleted = 0");
}

std::vector<tune_entry> playlist_tunes(database& db, std::int64_t playlist) {
  auto query = db.prepare(std::string(tune_columns) + " ORDER BY title");
  query.bind(1, playlist);
  return read_tunes(query);
}

std::vector<tune_entry> due_tunes(database& db, std::int64_t playlist) {
  auto query = db.prepare(std::string(tune_columns) +
                          " AND (due_at IS NULL OR due_at <= datetime('now')) ORDER BY due_at IS NOT NULL, due_at, title");
  query.bind(1, playlist);
  return read_tunes(query);
}

practice_outcome record_practice(database& db, std::int64_t playlist, std::int64_t tune, int quality) {
  if (quality < 0 || quality > 5) {
    throw litemig::failure(litemig::exit_code::usage, fmt::format("quality {} is not between 0 and 5", quality));
  }
  litemig::sqlite::transaction tx(db, litemig::sqlite::transaction_kind::immediate);
  auto latest = db.prepare(
      "SELECT coalesce(easiness, 2.5), coalesce(interval, 0), coalesce(repetitions, 0) "
      "FROM practice_list_joined WHERE id = ? AND playlist_ref = ?");
  latest.bind(1, tune).bind(2, playlist);
  if (!latest.step()) {
    throw litemig::failure(litemig::exit_code::usage,
                           fmt::format("{}: tune {} is not in playlist {}", db.path(), tune, playlist));
  }
  // SM-2: a failed recall starts over; a good one stretches the interval by the easiness.
  double easiness = latest.column_double(0);
  const auto previous_interval = latest.column_int(1);
  auto repetitions = latest.column_int(2);
  const double q = quality;
  easiness = std::max(1.3, easiness + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)));
  std::int64_t interval = 1;
  if (quality < 3) {
    repetitions = 0;
  } else {
    ++repetitions;
    interval = repetitions == 1   ? 1
               : repetitions == 2 ? 6
                                  : static_cast<std::int64_t>(std::lround(static_cast<double>(previous_interval) * easiness));
  }
  auto insert = db.prepare(
      "INSERT INTO practice_record (playlist_ref, tune_ref, practiced, quality, easiness, interval, repetitions, review_date) "
      "VALUES (?, ?, datetime('now'), ?, ?, ?, ?, datetime('now', ?)) RETURNING review_date");
  insert.bind(1, playlist).bind(2, tune).bind(3, static_cast<std::int64_t>(quality)).bind(4, easiness);
  insert.bind(5, interval).bind(6, repetitions).bind(7, fmt::format("+{} days", interval));
  insert.step();
  practice_outcome outcome{interval, easiness, insert.column_text(0)};
  insert.reset();
  // A manual schedule is used up by the practice.
  auto clear = db.prepare("UPDATE playlist_tune SET scheduled = NULL WHERE playlist_ref = ? AND tune_ref = ?");
  clear.bind(1, playlist).bind(2, tune);
  clear.step();
  tx.commit();
  return outcome;
}

}  // namespace tunetrees

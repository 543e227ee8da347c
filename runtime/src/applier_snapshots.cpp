// The recorded schema of each version, and finding which one a live schema is.
#include "applier_internal.hpp"

#include "litemig/inspect.hpp"

#include <fmt/format.h>

#include <mutex>
#include <set>

namespace litemig::detail {

namespace {

// Schemas by snapshot text: the same text always gives the same schema, whichever set it came
// from, and so do the digests of live schemas already found equal to it. Bounded, for a
// long-running process that loads many migration sets.
class loaded_snapshots {
 public:
  std::shared_ptr<const schema> find(const std::string& sql) {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(sql);
    return found == entries_.end() ? nullptr : found->second.loaded;
  }

  void add(const std::string& sql, std::shared_ptr<const schema> loaded) {
    const std::lock_guard lock(mutex_);
    if (entries_.size() >= limit) entries_.clear();
    entries_[sql].loaded = std::move(loaded);
  }

  bool proven(const std::string& sql, const std::string& digest) {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(sql);
    return found != entries_.end() && found->second.digests.contains(digest);
  }

  std::shared_ptr<const schema> live(const std::string& digest) {
    const std::lock_guard lock(mutex_);
    const auto found = live_.find(digest);
    return found == live_.end() ? nullptr : found->second;
  }

  void add_live(const std::string& digest, std::shared_ptr<const schema> inspected) {
    const std::lock_guard lock(mutex_);
    if (live_.size() >= limit) live_.clear();
    live_.emplace(digest, std::move(inspected));
  }

  // SHA-256 of SQL, hashed once per text: a fleet asks it of every database.
  std::string text_digest(const std::string& sql) {
    const std::lock_guard lock(mutex_);
    if (entries_.size() >= limit) entries_.clear();
    auto& digest = entries_[sql].text_digest;
    if (digest.empty()) digest = sha256_hex(sql);
    return digest;
  }

  void remember_proven(const std::string& sql, const std::string& digest) {
    const std::lock_guard lock(mutex_);
    if (entries_.size() >= limit) entries_.clear();
    auto& digests = entries_[sql].digests;
    if (digests.size() >= limit) digests.clear();
    digests.insert(digest);
  }

 private:
  struct entry {
    std::shared_ptr<const schema> loaded;
    std::set<std::string> digests;
    std::string text_digest;
  };
  static constexpr std::size_t limit = 64;
  std::mutex mutex_;
  std::map<std::string, entry> entries_;
  std::map<std::string, std::shared_ptr<const schema>> live_;  // by schema_digest
};

loaded_snapshots& process_snapshots() {
  static loaded_snapshots snapshots;
  return snapshots;
}

}  // namespace

const schema& snapshot_cache::at(std::int64_t version) {
  if (const auto* known = if_loaded(version)) return *known;
  const auto location = migrations_.locate(snapshot_file_name(version));
  const auto sql = migrations_.snapshot(version);
  if (!sql) {
    throw failure(exit_code::usage, location, "missing: every migration needs the snapshot of the schema it produces");
  }
  std::shared_ptr<const schema> loaded;
  try {
    loaded = std::make_shared<const schema>(inspect_sql(*sql, location));
  } catch (const failure&) {
    throw;
  } catch (const std::exception& e) {
    throw failure(exit_code::usage, e.what());
  }
  process_snapshots().add(*sql, loaded);
  return *schemas_.emplace(version, std::move(loaded)).first->second;
}

const schema* snapshot_cache::if_loaded(std::int64_t version) {
  if (const auto found = schemas_.find(version); found != schemas_.end()) return found->second.get();
  const auto sql = migrations_.snapshot(version);
  if (!sql) return nullptr;
  auto loaded = process_snapshots().find(*sql);
  if (!loaded) return nullptr;
  return schemas_.emplace(version, std::move(loaded)).first->second.get();
}

const schema& snapshot_cache::live(sqlite::database& db, const std::string& digest) {
  live_ = process_snapshots().live(digest);
  if (!live_) {
    live_ = std::make_shared<const schema>(inspect(db));
    process_snapshots().add_live(digest, live_);
  }
  return *live_;
}

bool snapshot_cache::proven(std::int64_t version, const std::string& digest) {
  const auto sql = migrations_.snapshot(version);
  return sql && process_snapshots().proven(*sql, digest);
}

std::string snapshot_cache::text_digest(std::int64_t version) {
  const auto sql = migrations_.snapshot(version);
  return sql ? process_snapshots().text_digest(*sql) : std::string{};
}

void snapshot_cache::remember_proven(std::int64_t version, const std::string& digest) {
  if (const auto sql = migrations_.snapshot(version)) process_snapshots().remember_proven(*sql, digest);
}

std::string one_line(const std::vector<schema_difference>& differences) {
  std::string text = describe(differences);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::string line;
  for (char c : text) line += c == '\n' ? std::string("; ") : std::string(1, c);
  return line;
}

snapshot_match match_snapshots(const schema& live, const migration_set& migrations, snapshot_cache& snapshots) {
  snapshot_match result;
  std::optional<std::size_t> fewest;
  for (std::int64_t version = 1; version <= migrations.latest_version(); ++version) {
    if (!migrations.snapshot(version)) continue;
    auto differences = compare(snapshots.at(version), live);
    if (differences.empty()) {
      result.matches.push_back(version);
    } else if (!fewest || differences.size() <= *fewest) {
      fewest = differences.size();
      result.closest = version;
      result.closest_differences = std::move(differences);
    }
  }
  return result;
}

}  // namespace litemig::detail

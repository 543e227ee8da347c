#include "litemig/renumber.hpp"

#include "litemig/errors.hpp"
#include "litemig/files.hpp"
#include "litemig/migration.hpp"

#include "scratch_directory.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

namespace litemig {
namespace {

using directory_files = std::map<std::string, std::string>;

// "NNNN_slug.sql" at the top of the directory: its number, else 0.
std::int64_t migration_number(const std::string& name) {
  if (name.size() < 9 || name.find('/') != std::string::npos || !name.ends_with(".sql") || name[4] != '_') return 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
  }
  return std::stoll(name.substr(0, 4));
}

// The names litemig.sum lists, with their checksums.
std::map<std::string, std::string> listed_in_sum(const directory_files& files) {
  std::map<std::string, std::string> listed;
  const auto sum = files.find(sum_file_name);
  if (sum == files.end()) return listed;
  std::istringstream lines(sum->second);
  std::string line;
  std::getline(lines, line);  // total
  while (std::getline(lines, line)) {
    if (const auto space = line.find(' '); space != std::string::npos) listed[line.substr(space + 1)] = line.substr(0, space);
  }
  return listed;
}

struct choice {
  std::string removed;
  std::optional<std::string> snapshot;
  std::string reason;
};

choice choose(const directory_files& files, const fs::path& dir) {
  std::map<std::int64_t, std::vector<std::string>> by_number;
  for (const auto& [name, text] : files) {
    if (const auto number = migration_number(name)) by_number[number].push_back(name);
  }
  if (by_number.empty()) throw failure(exit_code::usage, dir.string(), "no migration to renumber");
  std::vector<std::int64_t> shared;
  for (const auto& [number, names] : by_number) {
    if (names.size() > 1) shared.push_back(number);
  }
  if (shared.empty()) {
    const auto& [number, names] = *by_number.rbegin();
    return {names.front(), snapshot_file_name(number), "the newest migration"};
  }
  if (shared.size() > 1) {
    throw failure(exit_code::usage, dir.string(),
                  fmt::format("more than one number is taken twice ({:04} and {:04}); renumber "
                              "regenerates one migration", shared[0], shared[1]));
  }
  const auto number = shared.front();
  const auto listed = listed_in_sum(files);
  std::vector<std::string> unlisted;
  for (const auto& name : by_number[number]) {
    if (!listed.contains(name) || listed.at(name) != sha256_hex(files.at(name))) unlisted.push_back(name);
  }
  if (unlisted.size() != 1) {
    throw failure(exit_code::usage, (dir / sum_file_name).string(),
                  fmt::format("{} migrations are numbered {:04} and litemig.sum does not tell which is this "
                              "branch's: take the other branch's {} and {} (its files), then run again",
                              by_number[number].size(), number, snapshot_file_name(number), sum_file_name));
  }
  return {unlisted.front(), std::nullopt, fmt::format("numbered {:04} like a migration litemig.sum lists", number)};
}

std::string slug_of_file(const std::string& name) { return name.substr(5, name.size() - 5 - 4); }

}  // namespace

renumber_result renumber(const renumber_options& options) {
  const auto& dir = options.generate.dir;
  if (!fs::is_directory(dir)) throw failure(exit_code::failure, dir.string(), "no such directory");
  auto files = read_migration_directory(dir);
  const auto chosen = choose(files, dir);
  renumber_result result{chosen.removed, chosen.snapshot, chosen.reason, {}, false};

  // What remains must be a directory litemig accepts, recorded by its sum: then the migration is
  // generated again in a scratch copy of it, and the directory changes only when that worked.
  files.erase(chosen.removed);
  if (chosen.snapshot) files.erase(*chosen.snapshot);
  files.erase(sum_file_name);
  migration_set::from_files(files, dir);
  scratch_directory scratch("renumber");
  const auto copy = scratch.path() / "migrations";
  fs::create_directories(copy / "snapshots");
  for (const auto& [name, text] : files) write_file_atomically(copy / name, text);
  record_sum(copy, true);
  auto generate = options.generate;
  generate.dir = copy;
  if (!generate.name) generate.name = slug_of_file(chosen.removed);
  result.generated = litemig::generate(generate);
  if (!options.confirmed || result.generated.result == generate_result::outcome::decisions_needed) return result;

  std::set<std::string> written;
  if (result.generated.result == generate_result::outcome::written) {
    const auto name = result.generated.migration_file.filename().string();
    const auto generated = read_migration_directory(copy);
    for (const auto& file : {name, snapshot_file_name(migration_number(name))}) {
      write_file_atomically(dir / file, generated.at(file));
      written.insert(file);
    }
    result.generated.migration_file = dir / name;
  }
  for (const auto& gone : {std::optional<std::string>(chosen.removed), chosen.snapshot}) {
    if (gone && !written.contains(*gone)) fs::remove(dir / *gone);
  }
  record_sum(dir, true);
  result.changed = true;
  return result;
}

}  // namespace litemig

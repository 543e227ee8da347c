#include "litemig/migration.hpp"

#include "litemig/errors.hpp"
#include "litemig/files.hpp"

#include "sha256.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace litemig {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view up_marker = "-- litemig:up";
constexpr std::string_view down_marker = "-- litemig:down";
constexpr std::string_view directive_prefix = "-- litemig:";
constexpr std::string_view foreign_key_check_directive = "-- litemig:foreign-key-check";

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::int64_t to_number(std::string_view digits) {
  std::int64_t value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// "NNNN_slug.sql" -> NNNN, or nullopt when the name is not a migration file name.
std::optional<std::int64_t> migration_number(std::string_view file_name) {
  const auto underscore = file_name.find('_');
  if (underscore != 4 || !all_digits(file_name.substr(0, 4))) return std::nullopt;
  if (file_name.size() <= 9 || !file_name.ends_with(".sql")) return std::nullopt;
  return to_number(file_name.substr(0, 4));
}

// "snapshots/NNNN.sql" -> NNNN.
std::optional<std::int64_t> snapshot_number(std::string_view name) {
  constexpr std::string_view prefix = "snapshots/";
  if (!name.starts_with(prefix) || !name.ends_with(".sql")) return std::nullopt;
  const auto digits = name.substr(prefix.size(), name.size() - prefix.size() - 4);
  if (!all_digits(digits)) return std::nullopt;
  return to_number(digits);
}

// The table names of a foreign-key-check directive: "quoted" (with "" for a quote) or bare words.
std::vector<std::string> directive_tables(std::string_view file_name, std::string_view arguments) {
  std::vector<std::string> tables;
  std::size_t i = 0;
  while (i < arguments.size()) {
    const char c = arguments[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '"') {
      std::string name;
      ++i;
      bool closed = false;
      while (i < arguments.size()) {
        if (arguments[i] == '"') {
          if (i + 1 < arguments.size() && arguments[i + 1] == '"') {
            name += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        name += arguments[i++];
      }
      if (!closed) {
        throw failure(exit_code::usage, fmt::format("{}: unterminated quoted name in foreign-key-check directive", file_name));
      }
      tables.push_back(std::move(name));
    } else {
      const auto end = std::min(arguments.size(), arguments.find_first_of(" \t", i));
      tables.emplace_back(arguments.substr(i, end - i));
      i = end;
    }
  }
  return tables;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  detail::sha256 hasher;
  hasher.update(data);
  return hasher.hex();
}

namespace {

// Parses FILE_NAME's TEXT; messages name the file as SHOWN (its path, or the bare name).
migration parse_named(std::string_view file_name, std::string_view shown, std::string_view text) {
  migration result;
  const auto number = migration_number(file_name);
  if (!number || *number == 0) {
    throw failure(exit_code::usage, fmt::format("{}: a migration file is named NNNN_slug.sql with NNNN from 0001", shown));
  }
  result.version = *number;
  result.file_name = std::string(file_name);
  result.name = std::string(file_name.substr(5, file_name.size() - 9));
  result.text = std::string(text);
  result.checksum = sha256_hex(text);

  enum class section { header, up, down } current = section::header;
  bool seen_up = false;
  bool seen_down = false;
  std::size_t line_number = 0;
  std::size_t position = 0;
  while (position < text.size()) {
    const auto end = std::min(text.size(), text.find('\n', position));
    const std::string_view raw_line = text.substr(position, end == text.size() ? end - position : end + 1 - position);
    const std::string_view line = trim(raw_line);
    position = end == text.size() ? end : end + 1;
    ++line_number;

    const auto refuse = [&](std::string_view problem) {
      throw failure(exit_code::usage, fmt::format("{}:{}: {}", shown, line_number, problem));
    };
    if (line == up_marker) {
      if (seen_up) refuse("a second '-- litemig:up' line");
      if (seen_down) refuse("'-- litemig:up' after '-- litemig:down'");
      seen_up = true;
      current = section::up;
      continue;
    }
    if (line == down_marker) {
      if (seen_down) refuse("a second '-- litemig:down' line");
      if (!seen_up) refuse("'-- litemig:down' before '-- litemig:up'");
      seen_down = true;
      current = section::down;
      continue;
    }
    if (current == section::header) continue;
    migration_part& part = current == section::up ? result.up : result.down;
    if (line.starts_with(directive_prefix)) {
      if (!line.starts_with(foreign_key_check_directive) ||
          (line.size() > foreign_key_check_directive.size() &&
           !std::isspace(static_cast<unsigned char>(line[foreign_key_check_directive.size()])))) {
        refuse(fmt::format("unknown directive '{}'", line));
      }
      const auto tables = directive_tables(shown, line.substr(foreign_key_check_directive.size()));
      part.foreign_key_check_tables.insert(part.foreign_key_check_tables.end(), tables.begin(), tables.end());
      part.foreign_key_check_declared = true;
      continue;
    }
    part.sql.append(raw_line);
  }
  if (!seen_up) throw failure(exit_code::usage, fmt::format("{}: no '-- litemig:up' line", shown));
  return result;
}

}  // namespace

migration parse_migration(std::string_view file_name, std::string_view text) {
  const auto base_name = fs::path(file_name).filename().string();
  return parse_named(base_name, file_name, text);
}

std::string render_sum(const std::map<std::string, std::string>& files) {
  std::string rest;
  for (const auto& [name, text] : files) rest += fmt::format("{} {}\n", sha256_hex(text), name);
  return fmt::format("total {}\n{}", sha256_hex(rest), rest);
}

std::string snapshot_file_name(std::int64_t version) { return fmt::format("snapshots/{:04}.sql", version); }

std::map<std::string, std::string> read_migration_directory(const fs::path& dir) {
  // Every entry named like a migration, snapshot or sum is read, whatever it is: a directory or a
  // FIFO is refused naming it (read_text_file), where skipping it would hide it. So is a NUL
  // byte, at which SQLite would silently stop reading the statements.
  const auto read = [](const fs::path& path) {
    auto text = read_text_file(path);
    if (const auto nul = text.find('\0'); nul != std::string::npos) {
      throw failure(exit_code::usage, fmt::format("{}: holds a NUL byte (at byte {}); not a text file", path.string(), nul));
    }
    return text;
  };
  std::map<std::string, std::string> files;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (name == sum_file_name || (name.ends_with(".sql") && std::isdigit(static_cast<unsigned char>(name[0])))) {
      files.emplace(name, read(entry.path()));
    }
  }
  if (fs::is_directory(dir / "snapshots", error)) {
    for (const auto& entry : fs::directory_iterator(dir / "snapshots")) {
      const auto name = "snapshots/" + entry.path().filename().string();
      if (snapshot_number(name)) files.emplace(name, read(entry.path()));
    }
  }
  // Files the sum lists beyond migrations and snapshots (e.g. the hints file) are read too.
  if (const auto sum = files.find(sum_file_name); sum != files.end()) {
    std::istringstream lines(sum->second);
    std::string line;
    while (std::getline(lines, line)) {
      const auto space = line.find(' ');
      if (space == std::string::npos || line.starts_with("total ")) continue;
      const auto name = line.substr(space + 1);
      if (!files.contains(name) && name.find("..") == std::string::npos && fs::exists(dir / name, error)) {
        files.emplace(name, read(dir / name));
      }
    }
  }
  return files;
}

migration_set migration_set::from_directory(const fs::path& dir) {
  migration_set set;
  set.origin_ = dir.string();
  const auto files = read_migration_directory(dir);
  for (const auto& [name, text] : files) set.add_file(name, text);
  set.validate();
  set.check_integrity(files);
  return set;
}

migration_set migration_set::from_embedded(std::span<const embedded_file> embedded) {
  migration_set set;
  set.origin_ = "embedded";
  std::map<std::string, std::string> files;
  for (const auto& file : embedded) {
    set.add_file(file.name, file.text);
    files.emplace(std::string(file.name), std::string(file.text));
  }
  set.validate();
  set.check_integrity(files);
  return set;
}

void migration_set::add_file(std::string_view name, std::string_view text) {
  if (name == sum_file_name) {
    sum_text_ = std::string(text);
    has_sum_ = true;
  } else if (const auto snapshot = snapshot_number(name)) {
    snapshots_[*snapshot] = std::string(text);
  } else if (!name.starts_with("snapshots/") && name.ends_with(".sql") && !name.empty() &&
             std::isdigit(static_cast<unsigned char>(name[0]))) {
    migrations_.push_back(parse_named(name, locate(name), text));
  }
}

void migration_set::validate() {
  auto sorted = migrations_;
  std::sort(sorted.begin(), sorted.end(), [](const migration& a, const migration& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto expected = static_cast<std::int64_t>(i) + 1;
    if (sorted[i].version == expected) continue;
    if (i > 0 && sorted[i].version == sorted[i - 1].version) {
      throw failure(exit_code::usage, fmt::format("{}: two migrations carry number {:04}: {} and {}", origin_,
                                                  sorted[i].version, sorted[i - 1].file_name, sorted[i].file_name));
    }
    throw failure(exit_code::usage,
                  fmt::format("{}: migration {:04} is missing (the next file is {})", origin_, expected, sorted[i].file_name));
  }
  migrations_ = std::move(sorted);
}

void migration_set::check_integrity(const std::map<std::string, std::string>& files) {
  if (!has_sum_) return;
  auto mismatch = [this](std::string problem) {
    integrity_ = sum_state::mismatch;
    integrity_problem_ = fmt::format("{}: {}", locate(sum_file_name), problem);
  };
  std::map<std::string, std::string> listed;
  std::istringstream lines(sum_text_);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("total ")) continue;
    const auto space = line.find(' ');
    if (space == std::string::npos) return mismatch(fmt::format("malformed line '{}'", line));
    const auto name = line.substr(space + 1);
    const auto found = files.find(name);
    if (found == files.end()) return mismatch(fmt::format("lists {}, which does not exist", name));
    listed.emplace(name, found->second);
  }
  for (const auto& m : migrations_) {
    if (!listed.contains(m.file_name)) return mismatch(fmt::format("does not list {}", m.file_name));
  }
  if (render_sum(listed) != sum_text_) {
    for (const auto& [name, text] : listed) {
      if (sum_text_.find(fmt::format("{} {}\n", sha256_hex(text), name)) == std::string::npos) {
        return mismatch(fmt::format("{} changed since the sum was written", name));
      }
    }
    return mismatch("the total line does not match the listed files");
  }
  integrity_ = sum_state::matches;
}

std::string migration_set::locate(std::string_view file_name) const {
  if (origin_ == "embedded") return fmt::format("embedded:{}", file_name);
  return (fs::path(origin_) / file_name).string();
}

const migration* migration_set::find(std::int64_t version) const {
  const auto found = std::find_if(migrations_.begin(), migrations_.end(),
                                  [version](const migration& m) { return m.version == version; });
  return found == migrations_.end() ? nullptr : &*found;
}

std::int64_t migration_set::latest_version() const { return migrations_.empty() ? 0 : migrations_.back().version; }

std::optional<std::string> migration_set::snapshot(std::int64_t version) const {
  if (version == 0) return std::string{};
  const auto found = snapshots_.find(version);
  if (found == snapshots_.end()) return std::nullopt;
  return found->second;
}

}  // namespace litemig

#include "litemig/migration.hpp"

#include "litemig/errors.hpp"
#include "litemig/files.hpp"
#include "litemig/sqlite.hpp"

#include "migration_statements.hpp"
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
  if (underscore != 4 || !all_digits(file_name.substr(0, 4)) || file_name.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
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

// The arguments of a directive: "quoted" (with "" for a quote) or bare words.
std::vector<std::string> directive_arguments(std::string_view file_name, std::string_view arguments) {
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
        throw failure(exit_code::usage, fmt::format("{}: unterminated quoted name in a directive", file_name));
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

// SQLite stops reading at a NUL byte: the rest of a migration or snapshot would silently vanish.
void refuse_nul_byte(std::string_view shown, std::string_view text) {
  const auto nul = text.find('\0');
  if (nul == std::string_view::npos) return;
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
  throw failure(exit_code::usage, fmt::format("{}:{}: a NUL byte; not a text file", shown, line));
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

// Adds one directive's fact to PART; REFUSE reports a malformed line.
template <typename refuse_line>
void read_directive(std::string_view name, const std::vector<std::string>& arguments, migration_part& part,
                    const refuse_line& refuse) {
  const auto expect = [&](std::size_t count, std::string_view form) {
    if (arguments.size() != count) refuse(fmt::format("'-- litemig:{}' takes {}", name, form));
  };
  if (name == directive::schema_digest) {
    expect(2, "the schema digest and the snapshot's SHA-256");
    if (!is_sha256_hex(arguments[0]) || !is_sha256_hex(arguments[1])) {
      refuse("'-- litemig:schema-digest' takes two SHA-256 digests in lowercase hex");
    }
    part.verified = verified_result{arguments[0], arguments[1]};
    return;
  }
  auto& plan = part.plan;
  plan.declared = true;
  if (name == directive::foreign_key_check) {
    part.foreign_key_check_tables.insert(part.foreign_key_check_tables.end(), arguments.begin(), arguments.end());
    part.foreign_key_check_declared = true;
  } else if (name == directive::rebuild) {
    expect(1, "one table");
    plan.rebuilt_tables.push_back(arguments[0]);
  } else if (name == directive::rename_table) {
    expect(2, "the old and the new table name");
    plan.renamed_tables.emplace_back(arguments[0], arguments[1]);
  } else if (name == directive::rename_column) {
    expect(3, "a table, the old and the new column name");
    plan.renamed_columns.push_back({arguments[0], arguments[1], arguments[2]});
  } else if (name == directive::drop_table) {
    expect(1, "one table");
    plan.dropped_tables.push_back(arguments[0]);
  } else if (name == directive::drop_column) {
    expect(2, "a table and a column");
    plan.dropped_columns.push_back({arguments[0], arguments[1]});
  } else {
    refuse(fmt::format("unknown directive '-- litemig:{}'", name));
  }
}

// A statement that would end or leave the applier's transaction is refused when the file is read,
// naming the line it starts on: the database is never opened for such a migration.
void refuse_escaping_statements(std::string_view shown, std::string_view sql,
                                const std::vector<std::pair<std::size_t, std::size_t>>& lines) {
  const auto refused = detail::find_refused_statement(sql);
  if (!refused) return;
  const auto line = std::upper_bound(lines.begin(), lines.end(), std::make_pair(refused->offset, std::size_t(-1)));
  const std::size_t line_number = line == lines.begin() ? 0 : std::prev(line)->second;
  throw failure(exit_code::usage, fmt::format("{}:{}: {}", shown, line_number, refused->problem));
}

// Parses FILE_NAME's TEXT, of SHA-256 CHECKSUM; messages name the file as SHOWN (its path, or the
// bare name).
migration parse_named(std::string_view file_name, std::string_view shown, std::string_view text, std::string checksum) {
  migration result;
  const auto number = migration_number(file_name);
  if (!number || *number == 0) {
    throw failure(exit_code::usage, fmt::format("{}: a migration file is named NNNN_slug.sql with NNNN from 0001", shown));
  }
  refuse_nul_byte(shown, text);
  result.version = *number;
  result.file_name = std::string(file_name);
  result.name = std::string(file_name.substr(5, file_name.size() - 9));
  result.text = std::string(text);
  result.checksum = std::move(checksum);

  enum class section { header, up, down } current = section::header;
  // Where each line of a part's SQL came from: (offset in the part, line number in the file).
  std::vector<std::pair<std::size_t, std::size_t>> up_lines;
  std::vector<std::pair<std::size_t, std::size_t>> down_lines;
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
    if (line.starts_with(directive::prefix)) {
      const auto rest = line.substr(directive::prefix.size());
      const auto name_end = std::min(rest.size(), rest.find_first_of(" \t"));
      const auto arguments = directive_arguments(fmt::format("{}:{}", shown, line_number), rest.substr(name_end));
      read_directive(rest.substr(0, name_end), arguments, part, refuse);
      continue;
    }
    (current == section::up ? up_lines : down_lines).emplace_back(part.sql.size(), line_number);
    part.sql.append(raw_line);
  }
  if (!seen_up) throw failure(exit_code::usage, fmt::format("{}: no '-- litemig:up' line", shown));
  refuse_escaping_statements(shown, result.up.sql, up_lines);
  refuse_escaping_statements(shown, result.down.sql, down_lines);
  return result;
}

// The sum speaks only of the directory's own migrations and snapshots: a name such as an absolute
// path would make hash read, and embed compile in, any file of the machine.
void refuse_foreign_sum_entries(std::string_view shown, std::string_view text) {
  std::size_t line_number = 0;
  std::size_t position = 0;
  while (position < text.size()) {
    const auto end = std::min(text.size(), text.find('\n', position));
    const auto line = text.substr(position, end - position);
    position = end + 1;
    ++line_number;
    if (line.starts_with("total ")) continue;
    const auto space = line.find(' ');
    const auto name = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    if (!migration_number(name) && !snapshot_number(name)) {
      throw failure(exit_code::usage,
                    fmt::format("{}:{}: lists '{}', which is not a migration (NNNN_slug.sql) or snapshot "
                                "(snapshots/NNNN.sql) of this directory",
                                shown, line_number, name));
    }
  }
}

}  // namespace

migration parse_migration(std::string_view file_name, std::string_view text) {
  const auto base_name = fs::path(file_name).filename().string();
  return parse_named(base_name, file_name, text, sha256_hex(text));
}

std::string render_directive(std::string_view name, const std::vector<std::string>& arguments) {
  std::string line = fmt::format("{}{}", directive::prefix, name);
  for (const auto& argument : arguments) {
    if (std::any_of(argument.begin(), argument.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
      throw failure(exit_code::usage, fmt::format("the name {} holds a control character, which cannot be written on "
                                                  "one directive line",
                                                  sqlite::quote_identifier(argument)));
    }
    line += " " + sqlite::quote_identifier(argument);
  }
  return line;
}

namespace {

// The sum's text from each listed file's SHA-256 (name -> hex digest).
std::string render_sum_of_digests(const std::map<std::string, std::string>& digests) {
  std::string rest;
  for (const auto& [name, digest] : digests) rest += fmt::format("{} {}\n", digest, name);
  return fmt::format("total {}\n{}", sha256_hex(rest), rest);
}

}  // namespace

std::string render_sum(const std::map<std::string, std::string>& files) {
  std::map<std::string, std::string> digests;
  for (const auto& [name, text] : files) digests.emplace(name, sha256_hex(text));
  return render_sum_of_digests(digests);
}

std::string snapshot_file_name(std::int64_t version) { return fmt::format("snapshots/{:04}.sql", version); }

std::map<std::string, std::string> read_migration_directory(const fs::path& dir) {
  // Every entry named like a migration, snapshot or sum is read, whatever it is: a directory or a
  // FIFO is refused naming it (read_text_file), where skipping it would hide it. So is a NUL
  // byte, at which SQLite would silently stop reading the statements.
  const auto read = [](const fs::path& path) {
    auto text = read_text_file(path);
    refuse_nul_byte(path.string(), text);
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
  return files;
}

migration_set migration_set::from_directory(const fs::path& dir) { return from_files(read_migration_directory(dir), dir); }

migration_set migration_set::from_files(const std::map<std::string, std::string>& files, const fs::path& origin) {
  migration_set set;
  set.origin_ = origin.string();
  for (const auto& [name, text] : files) set.add_file(name, text);
  set.validate();
  set.check_integrity();
  return set;
}

migration_set migration_set::from_embedded(std::span<const embedded_file> embedded) {
  migration_set set;
  set.origin_ = "embedded";
  for (const auto& file : embedded) set.add_file(file.name, file.text);
  set.validate();
  set.check_integrity();
  return set;
}

// Each file is hashed here, once: its digest serves the sum check, the migration's checksum and
// the snapshot's digest alike.
void migration_set::add_file(std::string_view name, std::string_view text) {
  if (name != sum_file_name) digests_.emplace(std::string(name), sha256_hex(text));
  if (name == sum_file_name) {
    refuse_foreign_sum_entries(locate(name), text);
    sum_text_ = std::string(text);
    has_sum_ = true;
  } else if (const auto snapshot = snapshot_number(name)) {
    snapshots_[*snapshot] = std::string(text);
  } else if (!name.starts_with("snapshots/") && name.ends_with(".sql") && !name.empty() &&
             std::isdigit(static_cast<unsigned char>(name[0]))) {
    migrations_.push_back(parse_named(name, locate(name), text, digests_.at(std::string(name))));
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

void migration_set::check_integrity() {
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
    const auto found = digests_.find(name);
    if (found == digests_.end()) return mismatch(fmt::format("lists {}, which does not exist", name));
    listed.emplace(name, found->second);
  }
  for (const auto& m : migrations_) {
    if (!listed.contains(m.file_name)) return mismatch(fmt::format("does not list {}", m.file_name));
  }
  if (render_sum_of_digests(listed) != sum_text_) {
    for (const auto& [name, digest] : listed) {
      if (sum_text_.find(fmt::format("{} {}\n", digest, name)) == std::string::npos) {
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

std::string migration_set::snapshot_checksum(std::int64_t version) const {
  if (version == 0) return sha256_hex("");
  const auto found = digests_.find(snapshot_file_name(version));
  return found == digests_.end() ? std::string{} : found->second;
}

std::optional<std::string> migration_set::snapshot(std::int64_t version) const {
  if (version == 0) return std::string{};
  const auto found = snapshots_.find(version);
  if (found == snapshots_.end()) return std::nullopt;
  return found->second;
}

}  // namespace litemig

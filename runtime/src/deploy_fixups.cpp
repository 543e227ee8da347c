#include "deploy_fixups.hpp"

#include "litemig/errors.hpp"
#include "litemig/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace fs = std::filesystem;

namespace litemig::deploy_fixups {

namespace {

constexpr std::string_view directive = "-- litemig:fixup";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == ';')) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// "0-1,3" as ranges; nullopt when malformed.
std::optional<std::vector<std::pair<std::int64_t, std::int64_t>>> parse_versions(std::string_view text) {
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto dash = item.find('-');
    const auto low = number(item.substr(0, dash));
    const auto high = dash == std::string_view::npos ? low : number(item.substr(dash + 1));
    if (!low || !high || *high < *low) return std::nullopt;
    ranges.emplace_back(*low, *high);
  }
  if (ranges.empty()) return std::nullopt;
  return ranges;
}

// A view's name as written, with or without double quotes.
std::string unquote(std::string_view name) {
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  return std::string(name);
}

void read_header_line(fixup& f, std::string_view line, int line_number) {
  const auto bad = [&](std::string_view cause) {
    throw failure(exit_code::usage, fmt::format("{}:{}", f.file.string(), line_number), std::string(cause));
  };
  line = trim(line.substr(directive.size()));
  const auto space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  const std::string_view rest = space == std::string_view::npos ? std::string_view{} : trim(line.substr(space + 1));
  if (word == "versions") {
    const auto ranges = parse_versions(rest);
    if (!ranges) bad(fmt::format("'versions {}' is not a list of versions such as 0-1,3", rest));
    f.versions.insert(f.versions.end(), ranges->begin(), ranges->end());
  } else if (word == "when-view-broken") {
    if (rest.empty()) bad("when-view-broken needs the name of a view");
    f.broken_views.push_back(unquote(rest));
  } else if (word == "when") {
    if (rest.empty()) bad("when needs a SELECT whose first value says whether the fixup applies");
    f.conditions.emplace_back(rest);
  } else {
    bad(fmt::format("unknown fixup directive '{}' (versions, when-view-broken or when)", word));
  }
}

fixup read_fixup(const fs::path& file) {
  fixup f{file, file.filename().string(), read_text_file(file), {}, {}, {}};
  std::string_view text = f.sql;
  for (int line_number = 1; !text.empty(); ++line_number) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    if (line.starts_with(directive)) read_header_line(f, line, line_number);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
  }
  return f;
}

std::string describe_versions(const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges) {
  std::string text;
  for (const auto& [low, high] : ranges) {
    text += (text.empty() ? "" : ",") + (low == high ? std::to_string(low) : fmt::format("{}-{}", low, high));
  }
  return text;
}

// Why view VIEW does not compile; nullopt when it does or (EXISTS false) when there is no such view.
std::optional<std::string> compile_error(sqlite::database& db, const std::string& view, bool& exists) {
  auto lookup = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'view' AND name = ?1 COLLATE NOCASE");
  lookup.bind(1, view);
  exists = lookup.step();
  if (!exists) return std::nullopt;
  try {
    db.prepare("SELECT * FROM " + sqlite::quote_identifier(lookup.column_text(0)) + " LIMIT 0");
  } catch (const sqlite::error& e) {
    return e.sqlite_message();
  }
  return std::nullopt;
}

// The first value of the single query CONDITION, as a truth value.
bool holds(sqlite::database& db, const fixup& f, const std::string& condition) {
  try {
    auto query = db.prepare(condition);
    if (!trim(std::string_view(condition).substr(std::min(condition.size(), query.sql().size()))).empty()) {
      throw failure(exit_code::usage, f.file.string(),
                    fmt::format("the when condition '{}' holds more than one statement", condition));
    }
    return query.step() && !query.is_null(0) && query.column_double(0) != 0;
  } catch (const sqlite::error& e) {
    throw failure(exit_code::usage, f.file.string(),
                  fmt::format("the when condition '{}' cannot run: {}", condition, e.sqlite_message()));
  }
}

}  // namespace

std::vector<fixup> read_folder(const fs::path& folder) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) throw failure(exit_code::usage, folder.string(), "no such folder");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  std::vector<fixup> fixups;
  for (const auto& file : files) fixups.push_back(read_fixup(file));
  return fixups;
}

verdict decide(const fixup& f, const fs::path& file, std::int64_t version) {
  std::vector<std::string> reasons;
  const auto skip = [](std::string why) { return verdict{false, std::move(why)}; };
  if (!f.versions.empty()) {
    const bool in_range = std::any_of(f.versions.begin(), f.versions.end(),
                                      [&](const auto& range) { return range.first <= version && version <= range.second; });
    const std::string ranges = describe_versions(f.versions);
    if (!in_range) return skip(fmt::format("version {} is not in {}", version, ranges));
    reasons.push_back(fmt::format("version {} is in {}", version, ranges));
  }
  sqlite::database db(file, sqlite::open_mode::read_only);
  for (const auto& view : f.broken_views) {
    bool exists = false;
    const auto error = compile_error(db, view, exists);
    if (!exists) return skip(fmt::format("view \"{}\" does not exist", view));
    if (!error) return skip(fmt::format("view \"{}\" compiles", view));
    reasons.push_back(fmt::format("view \"{}\" does not compile ({})", view, *error));
  }
  for (const auto& condition : f.conditions) {
    if (!holds(db, f, condition)) return skip(fmt::format("'{}' is false", condition));
    reasons.push_back(fmt::format("'{}' is true", condition));
  }
  if (reasons.empty()) reasons.emplace_back("it declares no condition, so it runs on every deploy");
  std::string why;
  for (const auto& reason : reasons) why += (why.empty() ? "" : "; ") + reason;
  return {true, why};
}

}  // namespace litemig::deploy_fixups

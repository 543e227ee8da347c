#include "migration_commands.hpp"

#include "litemig/cluster.hpp"
#include "litemig/errors.hpp"
#include "litemig/inspect.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace litemig::cli {

migration_set load_migrations(const std::string& dir) {
  const auto* embedded = active_program().embedded;
  if (embedded && dir == embedded->origin()) return *embedded;
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throw failure(exit_code::usage, fmt::format("{}: no such migrations directory", dir));
  }
  return migration_set::from_directory(dir);
}

void add_apply_options(command_spec& spec) {
  spec.options.add_options()
      ("dry-run", "print the SQL that would run; change nothing")
      ("sql", "the same as --dry-run")
      ("no-backup", "do not write the online backup before changing the database")
      ("backup-dir", po::value<std::string>()->value_name("DIR"), "write backups into DIR instead of next to the database")
      ("allow-checksum-mismatch", "apply even when an applied migration's file changed since")
      ("keep-backups", po::value<std::size_t>()->value_name("N"),
       "after a change, keep only the newest N backups of the database (litemig's own backup names only)")
      ("vacuum", "VACUUM after migrating when the migrations left free pages (a rebuild does): the file shrinks back")
      ("busy-timeout", po::value<double>()->default_value(30.0)->value_name("SECONDS"),
       "how long to wait for another connection's write lock");
}

bool wants_dry_run(const po::variables_map& values) { return values.count("dry-run") || values.count("sql"); }

apply_options read_apply_options(const po::variables_map& values) {
  apply_options options;
  options.backup = values.count("no-backup") == 0;
  if (values.count("backup-dir")) options.backup_dir = values["backup-dir"].as<std::string>();
  options.allow_checksum_mismatch = values.count("allow-checksum-mismatch") != 0;
  options.vacuum = values.count("vacuum") != 0;
  if (values.count("keep-backups")) {
    options.keep_backups = values["keep-backups"].as<std::size_t>();
    if (*options.keep_backups == 0) throw failure(exit_code::usage, "--keep-backups must be 1 or more");
  }
  const double seconds = values["busy-timeout"].as<double>();
  if (seconds < 0) throw failure(exit_code::usage, "--busy-timeout must not be negative");
  options.busy_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  return options;
}

target_spec parse_target(const std::string& text) {
  if (text == "head") return {text, 0, true, false};
  const bool relative = !text.empty() && (text[0] == '+' || text[0] == '-');
  const auto digits = std::string_view(text).substr(relative ? 1 : 0);
  const bool numeric = !digits.empty() && digits.size() <= 18 &&
                       std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric) {
    throw failure(exit_code::usage,
                  fmt::format("--to '{}' is not a version: give N, head, +N or -N", escape_control_characters(text)));
  }
  const auto number = std::stoll(std::string(digits));
  return {text, text[0] == '-' ? -number : number, false, relative};
}

std::int64_t resolve_target(const target_spec& target, const migration_set& migrations, const std::string& db) {
  const auto newest = migrations.latest_version();
  if (target.head) return newest;
  if (!target.relative) return target.number;
  std::error_code error;
  const bool exists = is_cluster_address(db) || std::filesystem::exists(std::filesystem::symlink_status(db, error));
  // The version upgrade would start from: an unversioned database is first adopted at the
  // snapshot its schema equals.
  const auto base = exists ? pending_on(db, migrations, std::nullopt, true, true).from_version : 0;
  const auto version = base + target.number;
  if (version < 0 || version > newest) {
    throw failure(exit_code::usage,
                  fmt::format("{}: --to {} from version {} is version {}, outside 0..{} (the migrations of {})", db,
                              target.text, base, version, newest, migrations.origin()));
  }
  return version;
}

void refuse_cluster(const std::string& text, std::string_view command) {
  if (!is_cluster_address(text)) return;
  throw failure(exit_code::usage, fmt::format("{}: {} is not supported for a dqlite cluster (only upgrade, downgrade, "
                                              "current, history and check are); nothing was changed",
                                              escape_control_characters(text), command));
}

pending_run pending_on(const std::string& db, const migration_set& migrations, std::optional<std::int64_t> target, bool up,
                       bool allow_checksum_mismatch) {
  if (is_cluster_address(db)) return cluster::pending(db, migrations, target, up, allow_checksum_mismatch);
  return pending(db, migrations, target, up, allow_checksum_mismatch);
}

std::string pending_sql(const std::string& db, const pending_run& run, bool up) {
  std::string text = fmt::format("-- {}: version {} to {}, {}{}\n", db, run.from_version, run.to_version,
                                 count_of(static_cast<std::int64_t>(run.migrations.size()), "migration"),
                                 run.adopting ? fmt::format(" (adopted as {} first)", run.from_version) : "");
  for (const auto* m : run.migrations) {
    const auto& sql = up ? m->up.sql : m->down.sql;
    text += fmt::format("\n-- {} ({})\n{}", m->file_name, up ? "up" : "down", sql);
    if (!sql.empty() && sql.back() != '\n') text += '\n';
  }
  return text;
}

std::string pending_json(const std::string& db, const pending_run& run, bool up) {
  std::string items;
  for (const auto* m : run.migrations) {
    items += fmt::format("{}\n    {{\"version\": {}, \"file\": {}, \"sql\": {}}}", items.empty() ? "" : ",", m->version,
                         json_string(m->file_name), json_string(up ? m->up.sql : m->down.sql));
  }
  return fmt::format("{{\"db\": {}, \"from\": {}, \"to\": {}, \"adopting\": {}, \"migrations\": [{}\n  ]}}",
                     json_string(db), run.from_version, run.to_version, run.adopting, items);
}

schema load_schema(const std::string& path) {
  std::error_code error;
  // A FIFO named like a snapshot would be read forever; a database path is checked when opened.
  if (std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error)) {
    throw failure(exit_code::failure, fmt::format("{}: not a regular file; a schema is a database or a .sql file", path));
  }
  try {
    return inspect_file(path);
  } catch (const sqlite::error& e) {
    throw failure(exit_code::failure,
                  fmt::format("{}: cannot read: {}", path, e.is_not_a_database() ? "not an SQLite database" : e.sqlite_message()));
  }
}

std::string json_optional_string(const std::optional<std::string>& text) { return text ? json_string(*text) : "null"; }

progress_reporter::progress_reporter(const migration_set& migrations) : migrations_(migrations) {}

progress_reporter::~progress_reporter() { clear(); }

void progress_reporter::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

void progress_reporter::attach(apply_options& options) {
  terminal_ = ::isatty(STDERR_FILENO) != 0;
  options.progress = [this](const progress_event& event) { report(event); };
}

namespace {

// 1234567 -> "1,234,567"
std::string grouped(std::int64_t number) {
  const auto digits = std::to_string(number);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

std::string seconds(std::chrono::steady_clock::duration elapsed) {
  const auto s = std::chrono::duration<double>(elapsed).count();
  return s < 10 ? fmt::format("{:.1f} s", s) : fmt::format("{:.0f} s", s);
}

}  // namespace

std::string progress_reporter::step_line(const progress_event& event, std::chrono::steady_clock::duration elapsed) const {
  const migration* running = migrations_.find(event.version);
  std::string line = fmt::format("{}: {}", running ? running->file_name : std::to_string(event.version), event.step);
  if (event.rows_total && event.when != progress_event::phase::finished) {
    const auto total = std::max<std::int64_t>(*event.rows_total, event.rows_done);
    line += fmt::format(": {} of {} {}", grouped(event.rows_done), grouped(total), total == 1 ? "row" : "rows");
    if (total > 0) {
      const double share = static_cast<double>(event.rows_done) / static_cast<double>(total);
      line += fmt::format(" ({:.0f}%), {}", share * 100, seconds(elapsed));
      if (share > 0.02) {
        const auto left = std::chrono::duration_cast<std::chrono::steady_clock::duration>(elapsed * ((1 - share) / share));
        line += fmt::format(", about {} left", seconds(left));
      }
      return line;
    }
  } else if (event.rows_total) {
    line += fmt::format(" ({} {})", grouped(*event.rows_total), *event.rows_total == 1 ? "row" : "rows");
  }
  return line + fmt::format(": {}", seconds(elapsed));
}

void progress_reporter::report(const progress_event& event) {
  const auto now = std::chrono::steady_clock::now();
  if (event.when == progress_event::phase::started) started_ = now;
  const auto elapsed = now - started_;
  if (!terminal_) {
    if (event.when == progress_event::phase::finished && elapsed >= std::chrono::milliseconds(100)) {
      std::fputs((step_line(event, elapsed) + "\n").c_str(), stdout);
      std::fflush(stdout);
    }
    return;
  }
  // Short steps stay silent; long ones redraw the line four times a second.
  if (event.when == progress_event::phase::finished) return;
  if (elapsed < std::chrono::milliseconds(500) || now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  shown_ = true;
  std::fputs(("\r\033[K" + step_line(event, elapsed)).c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace litemig::cli

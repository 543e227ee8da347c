// litemig upgrade: bring one or many databases to a version, concurrently with --jobs.
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/cluster.hpp"
#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

namespace litemig::cli {

namespace {

namespace fs = std::filesystem;

struct database_outcome {
  std::string db;
  std::optional<apply_result> result;
  exit_code code = exit_code::ok;
  std::string error;
  std::vector<std::string> log;
};

// A name that is an existing file (even one named "app[1].db") means that file; only a name
// that names nothing is read as a glob pattern.
bool is_pattern(const std::string& text) {
  std::error_code error;
  return text.find_first_of("*?[") != std::string::npos && !fs::exists(fs::symlink_status(text, error));
}

// Each --db as given, or the files a glob pattern names (a pattern naming nothing is an error).
std::vector<database_outcome> expand_databases(const std::vector<std::string>& arguments) {
  std::vector<database_outcome> outcomes;
  for (const auto& argument : arguments) {
    if (is_cluster_address(argument) || !is_pattern(argument)) {
      outcomes.push_back({argument, std::nullopt, exit_code::ok, {}, {}});
      continue;
    }
    glob_t found{};
    const int rc = ::glob(argument.c_str(), 0, nullptr, &found);
    if (rc == 0) {
      for (std::size_t i = 0; i < found.gl_pathc; ++i) {
        outcomes.push_back({found.gl_pathv[i], std::nullopt, exit_code::ok, {}, {}});
      }
    } else {
      const auto problem = fmt::format("{}: the pattern matches no file", argument);
      outcomes.push_back({argument, std::nullopt, exit_code::failure, problem, {}});
    }
    ::globfree(&found);
  }
  return outcomes;
}

std::string migration_names(const migration_set& migrations, const std::vector<std::int64_t>& versions) {
  std::string names;
  for (auto version : versions) {
    const migration* m = migrations.find(version);
    names += (names.empty() ? "" : ", ") + (m ? m->file_name : std::to_string(version));
  }
  return names;
}

std::string summary_line(const database_outcome& outcome, const migration_set& migrations) {
  const auto& r = *outcome.result;
  std::string text = outcome.db + ": ";
  if (r.adopted_as) text += fmt::format("adopted as {}, ", *r.adopted_as);
  if (r.applied.empty()) {
    text += fmt::format("at version {}, nothing to apply", r.to_version);
  } else {
    text += fmt::format("upgraded from {} to {} (applied {})", r.from_version, r.to_version,
                        migration_names(migrations, r.applied));
  }
  if (r.backup) text += fmt::format("; backup {}", r.backup->string());
  return text;
}

std::string json_report(const std::vector<database_outcome>& outcomes) {
  std::string json = "{\"databases\": [";
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    json += i == 0 ? "\n  " : ",\n  ";
    json += fmt::format("{{\"db\": {}, \"ok\": {}, \"exit_code\": {}", json_string(o.db), o.result ? "true" : "false",
                        static_cast<int>(o.code));
    if (o.result) {
      const auto& r = *o.result;
      std::string applied;
      for (auto version : r.applied) applied += (applied.empty() ? "" : ", ") + std::to_string(version);
      json += fmt::format(", \"from\": {}, \"to\": {}, \"applied\": [{}], \"adopted_as\": {}, \"backup\": {}",
                          r.from_version, r.to_version, applied,
                          r.adopted_as ? std::to_string(*r.adopted_as) : "null",
                          json_optional_string(r.backup ? std::optional<std::string>(r.backup->string()) : std::nullopt));
    } else {
      json += fmt::format(", \"error\": {}", json_string(o.error));
    }
    std::string log;
    for (const auto& line : o.log) log += (log.empty() ? "" : ", ") + json_string(line);
    json += fmt::format(", \"log\": [{}]}}", log);
  }
  return json + "\n]}\n";
}

// --dry-run: the SQL each database would run, read without writing.
int print_pending(const std::vector<database_outcome>& outcomes, const migration_set& migrations,
                  const std::optional<target_spec>& target, bool json, bool allow_checksum_mismatch) {
  std::string items;
  for (const auto& o : outcomes) {
    if (o.code != exit_code::ok) throw failure(o.code, o.error);
    const auto goal = target ? std::optional(resolve_target(*target, migrations, o.db)) : std::nullopt;
    const auto run = pending_on(o.db, migrations, goal, true, allow_checksum_mismatch);
    if (!json) std::cout << (items.empty() ? "" : "\n") << pending_sql(o.db, run, true);
    items += (items.empty() ? "\n  " : ",\n  ") + pending_json(o.db, run, true);
  }
  if (json) std::cout << "{\"databases\": [" << items << "\n]}\n";
  return 0;
}

int cores() { return static_cast<int>(std::max(1U, std::thread::hardware_concurrency())); }

// Many databases on a terminal: one line, redrawn at most four times a second, of how far the
// fleet got. The per-database report follows once all are done.
class fleet_progress {
 public:
  fleet_progress(bool wanted, std::size_t total) : shown_(wanted && ::isatty(STDERR_FILENO) != 0), total_(total) {}

  void finished(bool failed) {
    ++done_;
    if (failed) ++failed_;
    if (!shown_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done_ < total_ && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    std::fputs(fmt::format("\r\033[K{} of {} databases done, {} failed", done_, total_, failed_).c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
  }

  void clear() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }

 private:
  bool shown_;
  bool drawn_ = false;
  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace

int upgrade_command(const arguments& args) {
  return run_reporting_errors("upgrade", [&] {
    command_spec spec{
        "upgrade",
        "litemig upgrade --db DB [--db DB ...] --dir MIGRATIONS_DIR [--to N|head|+N|-N] [--jobs N] [--json] [--dry-run]",
        "Applies the pending migrations of MIGRATIONS_DIR to each database (a missing file is created), one "
        "transaction per migration, after an online backup. --db may repeat and may be a glob pattern; --jobs "
        "migrates that many databases at once (default: one per core), with a progress line on a terminal and one "
        "line per database at the end. Exit 0 when every database succeeded.\n\n"
        "--db dqlite://HOST:PORT[,HOST:PORT...]/DATABASE migrates a dqlite cluster: the migrations are rehearsed on a "
        "copy the leader dumps (the backup, written to --backup-dir or the current folder), then replayed on the "
        "leader in one replicated transaction (docs/cluster.md).\n\n"
        "With --dry-run (or --sql), prints instead the SQL that would run on each database, from the version it is "
        "at: the up parts of its pending migrations in order. The database is only read."};
    spec.options.add_options()
        ("db", po::value<std::vector<std::string>>()->required()->value_name("DB"),
         "database file, glob pattern or dqlite://HOST:PORT[,...]/DATABASE (repeatable)")
        ("dir", po::value<std::string>()->required()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("to", po::value<std::string>()->value_name("N"), "stop at this migration (default: head, the newest): N, head, or +N relative to the database's version")
        ("jobs", po::value<int>()->value_name("N"), "databases migrated at the same time (default: the number of cores)")
        ("json", "print the per-database report as JSON");
    spec.project = {{"dir", "dir"}, {"db", "db"}};
    add_apply_options(spec);
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;

    const auto migrations = load_migrations(values["dir"].as<std::string>());
    apply_options base = read_apply_options(values);
    if (!base.allow_checksum_mismatch) refuse_edited_migrations(migrations);
    const auto target = values.count("to") ? std::optional(parse_target(values["to"].as<std::string>())) : std::nullopt;
    const bool json = values.count("json") != 0;
    const int jobs = values.count("jobs") ? values["jobs"].as<int>() : cores();
    if (jobs < 1) throw failure(exit_code::usage, "--jobs must be at least 1");

    auto outcomes = expand_databases(values["db"].as<std::vector<std::string>>());
    if (wants_dry_run(values)) return print_pending(outcomes, migrations, target, json, base.allow_checksum_mismatch);
    const bool several = outcomes.size() > 1;
    std::mutex output;
    progress_reporter progress(migrations);
    fleet_progress fleet(several && !json, outcomes.size());

    auto migrate_one = [&](database_outcome& outcome) {
      if (outcome.code != exit_code::ok) return;
      apply_options options = base;
      options.log = [&](const std::string& line) {
        // Kept for the JSON report only: a plain report prints each line now, so that a fleet of
        // any size needs no memory per database beyond its summary.
        if (json) {
          outcome.log.push_back(line);
          return;
        }
        const std::lock_guard lock(output);
        progress.clear();
        fleet.clear();
        std::cout << (several ? outcome.db + ": " : std::string()) << line << std::endl;
      };
      if (!json && !several) progress.attach(options);
      try {
        if (target) options.target = resolve_target(*target, migrations, outcome.db);
        outcome.result = is_cluster_address(outcome.db) ? cluster::upgrade(outcome.db, migrations, options)
                                                        : upgrade(outcome.db, migrations, options);
      } catch (...) {
        const auto error = classify(std::current_exception(), outcome.db);
        outcome.code = error.code();
        outcome.error = error.what();
      }
      progress.clear();
      const std::lock_guard lock(output);
      fleet.finished(outcome.code != exit_code::ok);
    };

    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i = next++; i < outcomes.size(); i = next++) migrate_one(outcomes[i]);
    };
    std::vector<std::thread> workers;
    const auto thread_count = std::min<std::size_t>(static_cast<std::size_t>(jobs), outcomes.size());
    for (std::size_t i = 1; i < thread_count; ++i) workers.emplace_back(worker);
    worker();
    for (auto& w : workers) w.join();
    fleet.clear();

    std::vector<exit_code> failures;
    for (const auto& o : outcomes) {
      if (o.code == exit_code::ok) {
        if (!json) std::cout << summary_line(o, migrations) << "\n";
      } else {
        failures.push_back(o.code);
        report("upgrade", "error", o.error);
      }
    }
    if (json) std::cout << json_report(outcomes);
    if (failures.empty()) return 0;
    // One failure kind gives its own code; mixed failures give the general one.
    const bool same = std::all_of(failures.begin(), failures.end(), [&](exit_code c) { return c == failures.front(); });
    return static_cast<int>(same ? failures.front() : exit_code::failure);
  });
}

}  // namespace litemig::cli

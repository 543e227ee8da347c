#include "litemig/verify.hpp"

#include "litemig/applier.hpp"
#include "litemig/compare.hpp"
#include "litemig/data_check.hpp"
#include "litemig/health.hpp"
#include "litemig/inspect.hpp"
#include "litemig/quantities.hpp"
#include "litemig/sample_data.hpp"
#include "litemig/self_check.hpp"
#include "litemig/sqlite.hpp"

#include "scratch_directory.hpp"

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace litemig {
namespace {

apply_options quiet_options(std::int64_t target) {
  apply_options options;
  options.target = target;
  options.backup = false;
  return options;
}

// Thrown once a part failed: the problem is recorded, the round trip stops.
struct stopped {};

class verifier {
 public:
  verifier(const migration_set& set, std::int64_t version, const verify_options& options)
      : set_(set), version_(version), options_(options), scratch_("verify"), work_(scratch_.path() / "verify.sqlite3"),
        before_(inspect_sql(set.snapshot(version - 1).value_or(""), set.locate(snapshot_file_name(version - 1)))),
        after_(inspect_sql(set.snapshot(version).value_or(""), set.locate(snapshot_file_name(version)))) {}

  verify_report run() {
    prepare_start();
    {
      sqlite::database db(work_);
      baseline_ = examine(db, {.integrity = false});
      check_database(db, false, "start");
      std::size_t rows = 0;
      const auto data = capture_data(db, before_);
      for (const auto& [name, table] : data) rows += table.rows.size();
      report_.notes.push_back(fmt::format("{} in {} at version {}", count_of(static_cast<std::int64_t>(rows), "row"),
                                          count_of(static_cast<std::int64_t>(data.size()), "table"), version_ - 1));
    }
    for (const auto& d : baseline_.foreign_keys) {
      report_.notes.push_back(fmt::format("start: {} of {} {} missing rows already", count_of(d.rows, "row"), d.pair(),
                                          d.rows == 1 ? "references" : "reference"));
    }
    const auto* m = set_.find(version_);
    try {
      std::vector<database_data> first;  // the rows at the start and after the first up part
      const auto losses = round_trip(kept_tables(before_, after_, m->up.plan),
                                     {[&](bool up) { apply(up); },
                                      [&](bool up) {
                                        auto data = capture(up);
                                        if (first.size() < 2) first.push_back(data);
                                        return data;
                                      }});
      for (const auto& loss : losses) report_.problems.push_back(loss.stage + ": " + loss.problem);
      // What the first up part dropped or renamed, told by the values (a hand-written part may
      // not say).
      for (const auto& note : compare_kept_data(first[0], first[1]).notes) report_.notes.push_back("up: " + note);
    } catch (const stopped&) {
    }
    if (!report_.problems.empty() && report_.code == exit_code::ok) report_.code = exit_code::failure;
    return std::move(report_);
  }

 private:
  // The database at N-1: a copy of the fixture, or one the applier builds, filled with rows.
  void prepare_start() {
    const auto previous = version_ - 1;
    if (options_.fixture) {
      const auto fixture = options_.fixture->string();
      sqlite::database source(fixture, sqlite::open_mode::read_only);
      if (const auto version = source.user_version(); version != previous) {
        throw failure(exit_code::usage, fixture,
                      fmt::format("fixture is at version {}, migration {:04} needs version {}", version, version_,
                                  previous));
      }
      source.backup_to(work_);
      report_.notes.push_back(fmt::format("starting from fixture {} (version {})", fixture, previous));
      return;
    }
    if (previous > 0) upgrade(work_, set_, quiet_options(previous));
    sqlite::database db(work_, sqlite::open_mode::create);
    insert_sample_rows(db, before_, options_.rows, options_.seed);
    report_.notes.push_back(fmt::format("starting from version {} with generated rows (seed {})", previous, options_.seed));
  }

  std::string next_stage(bool up) {
    ++parts_;
    return up ? (parts_ == 1 ? "up" : "up after down") : "down";
  }

  // A part through the applier, which refuses (and rolls back) a result that differs from its
  // snapshot: a refusal is a failure of the check like any other.
  void apply(bool up) {
    const auto stage = next_stage(up);
    try {
      if (up) {
        upgrade(work_, set_, quiet_options(version_));
      } else {
        downgrade(work_, set_, version_ - 1, quiet_options(version_ - 1));
      }
    } catch (const failure& e) {
      report_.problems.push_back(stage + ": " + e.what());
      report_.code = e.code();
      throw stopped{};
    }
    sqlite::database db(work_);
    check_database(db, up, stage);
  }

  database_data capture(bool up) {
    sqlite::database db(work_);
    return capture_data(db, up ? after_ : before_);
  }

  // Schema against its snapshot, integrity_check, and foreign_key_check: a real fixture may carry
  // dangling references of its own, so only those beyond the start's count.
  void check_database(sqlite::database& db, bool up, const std::string& stage) {
    const auto version = up ? version_ : version_ - 1;
    const auto health = examine(db, {.expected = up ? &after_ : &before_});
    for (const auto& d : health.schema) {
      auto line = describe({d});
      line.pop_back();
      report_.problems.push_back(fmt::format("{}: schema differs from {}: {}", stage, snapshot_file_name(version), line));
    }
    for (const auto& line : health.integrity) report_.problems.push_back(stage + ": integrity_check: " + line);
    for (const auto& d : health.dangling_beyond(baseline_)) {
      report_.problems.push_back(fmt::format("{}: foreign_key_check: {} of {} {} missing rows ({} before)", stage,
                                             count_of(d.rows, "row"), d.pair(), d.rows == 1 ? "references" : "reference",
                                             baseline_.dangling_rows_of(d)));
    }
  }

  const migration_set& set_;
  std::int64_t version_;
  const verify_options& options_;
  scratch_directory scratch_;
  fs::path work_;
  schema before_;
  schema after_;
  health_report baseline_;
  verify_report report_;
  int parts_ = 0;
};

}  // namespace

verify_report verify_migration(const migration_set& set, std::int64_t version, const verify_options& options) {
  if (!set.find(version)) throw failure(exit_code::usage, set.origin(),
                                        fmt::format("there is no migration {:04}", version));
  for (const auto v : {version - 1, version}) {
    if (v > 0 && !set.snapshot(v)) {
      throw failure(exit_code::usage, set.locate(snapshot_file_name(v)),
                    fmt::format("missing; it records the schema of migration {:04}", v));
    }
  }
  return verifier(set, version, options).run();
}

}  // namespace litemig

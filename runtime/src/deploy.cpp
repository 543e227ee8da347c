#include "litemig/deploy.hpp"

#include "deploy_checks.hpp"
#include "deploy_fixups.hpp"
#include "names.hpp"
#include "transfer.hpp"

#include "litemig/applier.hpp"
#include "litemig/files.hpp"
#include "litemig/quantities.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <chrono>

namespace fs = std::filesystem;

namespace litemig {

namespace {

constexpr int step_count = 6;

// One deploy run: the six steps over a local working copy of the source.
class deployment {
 public:
  deployment(const migration_set& migrations, const deploy_options& options)
      : migrations_(migrations),
        options_(options),
        source_(transfer::open_endpoint(transfer::location::parse(options.source), options.tools)),
        stamp_(detail::backup_time()) {
    result_.source = source_->describe();
    result_.dry_run = options.dry_run;
    prefix_ = options.backup_prefix.empty() ? transfer::file_stem(source_->path()) : options.backup_prefix;
    extension_ = detail::backup_extension(source_->path());
    work_dir_ = options.dry_run ? scratch_.path() : options.work_dir.value_or(options.backup_dir);
    working_copy_ = work_dir_ / "deploy.sqlite3";
  }

  deploy_result run() {
    check_request();
    try {
      for (const auto step : {&deployment::fetch, &deployment::back_up, &deployment::apply_fixups, &deployment::migrate,
                              &deployment::verify, &deployment::upload, &deployment::remove_old_backups}) {
        const auto started = std::chrono::steady_clock::now();
        (this->*step)();
        if (step_number_ > 0) log(fmt::format("step {}/{} {}: done in {:.2f} s", step_number_, step_count, step_name_,
                                              seconds_since(started)));
        step_number_ = 0;
      }
    } catch (...) {
      const auto error = classify(std::current_exception());
      throw step_failed(error.code(), error.what());
    }
    return result_;
  }

 private:
  void check_request() const {
    if (migrations_.migrations().empty()) {
      throw failure(exit_code::usage, migrations_.origin(), "no migrations found");
    }
    refuse_edited_migrations(migrations_);
    if (options_.target && (*options_.target < 0 || *options_.target > migrations_.latest_version())) {
      throw failure(exit_code::usage, fmt::format("--to {}: no such migration (the newest is {})", *options_.target,
                                                  migrations_.latest_version()));
    }
  }

  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // Reports a transfer's bytes to the caller, and logs its size, time and rate once it is done.
  transfer::progress_function transfer_watch(std::string what, std::string done_verb) {
    return [this, what = std::move(what), done_verb = std::move(done_verb), started = std::chrono::steady_clock::now(),
            logged = false](std::uint64_t done, std::uint64_t total) mutable {
      if (logged) return;
      if (options_.progress) options_.progress(what, done, total);
      if (done != total) return;
      logged = true;
      const double seconds = seconds_since(started);
      log(fmt::format("  {} {} in {:.2f} s ({}/s)", done_verb, describe_bytes(static_cast<double>(total)),
                      seconds, describe_bytes(static_cast<double>(total) / std::max(seconds, 1e-3))));
    };
  }

  void log(const std::string& line) const {
    if (options_.log) options_.log(fmt::format("[{}] {}", deploy_checks::log_timestamp(), line));
  }

  void begin(int number, std::string name, const std::string& what) {
    step_number_ = number;
    step_name_ = std::move(name);
    log(fmt::format("step {}/{} {}: {}", number, step_count, step_name_, what));
  }

  deploy_failure step_failed(exit_code code, const std::string& cause) {
    if (!keep_working_copy_) working_file_.reset();
    std::string backups;
    if (result_.local_backup) backups += fmt::format("local backup {}", result_.local_backup->string());
    if (result_.remote_backup) backups += fmt::format("{}remote backup {}", backups.empty() ? "" : ", ", *result_.remote_backup);
    if (backups.empty()) backups = "no backup was made yet";
    const std::string message =
        fmt::format("step {} ({}) failed: {}; {} is unchanged; {}", step_number_, step_name_, cause,
                    source_->describe(), backups);
    log(message);
    return deploy_failure(code, message, step_name_);
  }

  void fetch() {
    begin(1, "fetch", fmt::format("{} -> {}", source_->describe(), work_dir_.string()));
    if (source_->has_journal()) {
      throw failure(exit_code::failure, source_->describe(),
                    "a -wal or -journal file is next to the database, so a copy would miss changes: stop the "
                    "program using it");
    }
    if (!options_.dry_run) {
      // Migrated under an unpredictable name: a killed deploy never leaves a file named .migrated-v<to>
      // that was not migrated.
      fs::create_directories(work_dir_);
      working_copy_ = working_file_.emplace(work_dir_, migrated_stem() + extension_ + ".partial-").path();
    }
    source_->fetch(working_copy_, transfer_watch("fetch", "fetched"));
    fetched_sha256_ = transfer::file_sha256(working_copy_);
    if (source_->sha256() != fetched_sha256_) {
      throw failure(exit_code::failure, source_->describe(), "the database changed while it was fetched");
    }
    deploy_checks::check_database(working_copy_, source_->describe());
    const auto status = current(working_copy_);
    needs_adoption_ = !status.has_bookkeeping && !status.empty;
    result_.from_version = status.version;
    if (!needs_adoption_) {
      log(fmt::format("  integrity ok; version {}{}", status.version, status.empty ? " (empty database)" : ""));
      return;
    }
    // Adoption writes bookkeeping: find the version on a scratch copy so the backups stay pristine.
    const fs::path probe = scratch_.path() / "adopt.sqlite3";
    transfer::copy_local_file(working_copy_, probe);
    try {
      result_.from_version = stamp(probe, migrations_, std::nullopt);
      log(fmt::format("  integrity ok; no bookkeeping, schema matches version {} (adopted by fingerprint)",
                      result_.from_version));
    } catch (const failure& e) {
      // Located at its source, which the user knows, not at the scratch copy; a schema no snapshot
      // matches, with what would adopt it in a deploy.
      const auto refusal = e.code() == exit_code::schema_mismatch
                               ? deploy_checks::unmatched_schema(probe, migrations_, source_->describe())
                           : e.location() == probe.string() ? failure(e.code(), source_->describe(), e.cause())
                                                            : e;
      if (!options_.fixups_dir) throw refusal;
      log(fmt::format("  integrity ok; {}; adopting after the fixups", refusal.what()));
    }
  }

  // "<name>.<time>.v<from>-v<to>", the scheme of every backup.
  std::string backup_stem(const std::string& name) const {
    return detail::backup_stem(name, fmt::format("v{}-v{}", result_.from_version, target()), stamp_);
  }

  std::int64_t target() const { return options_.target.value_or(migrations_.latest_version()); }

  void back_up() {
    const fs::path local_backup = options_.backup_dir / (backup_stem(prefix_) + extension_);
    const std::string remote_stem = backup_stem(transfer::file_stem(source_->path()));
    begin(2, "backup",
          local_backup.string() + (source_->is_remote() ? " and " + remote_stem + extension_ + " next to the source" : ""));
    if (options_.dry_run) {
      log("  dry run: no backup written");
      return;
    }
    fs::create_directories(options_.backup_dir);
    detail::new_file written(options_.backup_dir, local_backup.filename().string() + ".partial-");
    take_source_owner(written);
    written.copy_from(working_copy_);
    if (transfer::file_sha256(written.path()) != fetched_sha256_) {
      throw failure(exit_code::failure, local_backup.string(), "the backup differs from the fetched copy");
    }
    deploy_checks::check_database(written.path(), local_backup.string());
    result_.local_backup = written.publish_as_new(backup_stem(prefix_), extension_, '-');
    log(fmt::format("  local backup {} reopened: integrity ok", result_.local_backup->string()));
    if (source_->is_remote()) {
      result_.remote_backup = source_->copy_beside(remote_stem, extension_, fetched_sha256_);
      log(fmt::format("  remote backup {}: same SHA-256 as the checked copy", *result_.remote_backup));
    }
  }

  void apply_fixups() {
    if (!options_.fixups_dir) {
      begin(3, "fixups", "none (no --fixups folder)");
      return;
    }
    const fs::path& folder = *options_.fixups_dir;
    begin(3, "fixups", folder.string());
    const auto fixups = deploy_fixups::read_folder(folder);
    sqlite::database db(working_copy_);
    for (const auto& fixup : fixups) {
      // Decided on the copy as the fixups before it left it, at the version the fetch found.
      const auto verdict = deploy_fixups::decide(fixup, working_copy_, result_.from_version);
      if (!verdict.applies) {
        result_.fixups_skipped.push_back({fixup.name, {}, verdict.why});
        log(fmt::format("  skipped {}: {}", fixup.name, verdict.why));
        continue;
      }
      try {
        sqlite::transaction transaction(db, sqlite::transaction_kind::immediate);
        db.execute(fixup.sql);
        transaction.commit();
      } catch (const sqlite::error& e) {
        throw failure(exit_code::failure, fmt::format("fixup {}: {}", fixup.file.string(), e.sqlite_message()));
      }
      result_.fixups_applied.push_back(fixup.name);
      if (options_.dry_run) result_.planned_fixups.push_back({fixup.name, fixup.sql, verdict.why});
      log(fmt::format("  {} {}: {}", options_.dry_run ? "would apply" : "applied", fixup.name, verdict.why));
    }
    if (fixups.empty()) log("  the folder holds no .sql files");
  }

  void migrate() {
    const std::int64_t target = this->target();
    begin(4, "migrate", fmt::format("to version {}", target));
    if (needs_adoption_) adopt();
    if (result_.from_version > target) {
      throw failure(result_.from_version > migrations_.latest_version() ? exit_code::future_version : exit_code::usage,
                    fmt::format("the database is at version {}, newer than the target {}; deploy only upgrades",
                                result_.from_version, target));
    }
    rows_before_ = deploy_checks::row_counts(working_copy_);
    if (options_.dry_run) {
      if (!result_.adopted_as && result_.from_version < target) {
        result_.planned_repairs = deploy_checks::drifted_views_and_triggers(working_copy_, migrations_, result_.from_version);
        for (const auto& object : result_.planned_repairs) log(fmt::format("  would recreate {}", object));
      }
      for (const auto& m : migrations_.migrations()) {
        if (m.version > result_.from_version && m.version <= target) {
          result_.planned_migrations.push_back({m.file_name, m.up.sql, {}});
          log(fmt::format("  would apply {}", m.file_name));
        }
      }
      if (result_.planned_migrations.empty()) log("  nothing pending");
      if (options_.vacuum) log("  would VACUUM the migrated copy when it has free pages");
      result_.to_version = target;
      return;
    }
    apply_options apply;
    apply.target = target;
    apply.backup = false;  // step 2 made verified backups of the untouched copy
    apply.create_if_missing = false;
    apply.log = [this](const std::string& line) { log("  " + line); };
    const auto applied = upgrade(working_copy_, migrations_, apply);
    result_.migrations_applied = applied.applied;
    result_.to_version = applied.to_version;
    if (applied.applied.empty()) log("  nothing pending");
    if (options_.vacuum) vacuum();
  }

  void adopt() {
    try {
      result_.from_version = stamp(working_copy_, migrations_, std::nullopt);
    } catch (const failure& e) {
      if (e.code() != exit_code::schema_mismatch) throw;
      const auto refusal = deploy_checks::unmatched_schema(working_copy_, migrations_, source_->describe());
      throw failure(refusal.code(), refusal.location(), refusal.cause() + " (after the fixups)");
    }
    result_.adopted_as = result_.from_version;
    log(fmt::format("  adopted as version {} by fingerprint", result_.from_version));
  }

  // Before the verify step, so that the vacuumed file is the one checked and uploaded.
  void vacuum() {
    sqlite::database db(working_copy_);
    const auto free_pages = db.query_int("PRAGMA freelist_count").value_or(0);
    if (free_pages == 0) {
      log("  vacuum: the migrated copy has no free pages");
      return;
    }
    const auto bytes = static_cast<double>(free_pages * db.query_int("PRAGMA page_size").value_or(0));
    db.vacuum();
    result_.vacuumed = true;
    log(fmt::format("  VACUUM reclaimed {} of free pages", describe_bytes(bytes)));
  }

  void verify() {
    begin(5, "verify", working_copy_.string());
    if (options_.dry_run) {
      log("  dry run: nothing to verify");
      return;
    }
    deploy_checks::check_schema(working_copy_, migrations_, result_.to_version);
    deploy_checks::check_database(working_copy_);
    deploy_checks::check_foreign_keys(working_copy_);
    const auto rows_after = deploy_checks::row_counts(working_copy_);
    std::string lost;
    for (const auto& [table, before] : rows_before_) {
      const auto after = rows_after.find(table);
      if (after == rows_after.end()) {
        log(fmt::format("  table \"{}\" ({}) was dropped by the migrations", table, count_of(before, "row")));
      } else if (after->second < before) {
        lost += fmt::format("{}\"{}\" {} -> {}", lost.empty() ? "" : ", ", table, before, count_of(after->second, "row"));
      }
    }
    if (!lost.empty()) {
      throw failure(exit_code::failure, working_copy_.string(), fmt::format("rows were lost: {}", lost));
    }
    log(fmt::format("  schema matches snapshot {}; integrity ok; foreign keys ok; row counts kept", result_.to_version));
  }

  void upload() {
    if (!options_.upload) {
      begin(6, "upload", "not requested (--upload)");
      if (!options_.dry_run) {
        keep_migrated_copy();
        log(fmt::format("  the migrated copy is {}", result_.migrated_copy->string()));
      }
      return;
    }
    begin(6, "upload", fmt::format("{} -> {}", working_copy_.string(), source_->describe()));
    if (options_.dry_run) {
      log("  dry run: nothing uploaded");
      return;
    }
    if (transfer::file_sha256(working_copy_) == fetched_sha256_) {
      // Nothing pending and no fixup changed a byte: production stays exactly as it is.
      result_.nothing_to_upload = true;
      log(fmt::format("  nothing to upload: the migrated copy equals {}, which is left untouched", source_->describe()));
      return;
    }
    const std::string question = fmt::format("Replace {} (version {}) with the migrated copy (version {})?",
                                             source_->describe(), result_.from_version, result_.to_version);
    if (options_.confirm && !options_.confirm(question)) {
      keep_migrated_copy();
      throw failure(exit_code::failure,
                    fmt::format("upload declined; the migrated copy is {}", result_.migrated_copy->string()));
    }
    source_->replace(working_copy_, fetched_sha256_, {}, transfer_watch("upload", "uploaded"));
    result_.uploaded = true;
    log(fmt::format("  {} replaced (temporary name checked, then renamed)", source_->describe()));
  }

  // After a successful deploy: the newest N backups stay on each side, older ones of the scheme go.
  // The deploy is done by then: a backup that cannot be removed is reported, not a failure.
  void remove_old_backups() {
    if (!options_.keep_backups || options_.dry_run) return;
    const std::size_t keep = *options_.keep_backups;
    const auto removed = [&](const std::string& file) {
      log(fmt::format("--keep-backups {}: removed the old backup {}", keep, file));
      result_.removed_backups.push_back(file);
    };
    try {
      for (const auto& file : detail::remove_backups_beyond(options_.backup_dir, prefix_, extension_, keep)) {
        removed(file.string());
      }
      // Beside the source: the remote backups, and a local database's upgrade backups and kept copies.
      for (const auto& file : source_->remove_backups_beyond(transfer::file_stem(source_->path()), extension_, keep)) {
        removed(file);
      }
    } catch (const failure& e) {
      log(fmt::format("--keep-backups {}: old backups left in place: {}", keep, e.what()));
    }
  }

  std::string migrated_stem() const { return detail::backup_stem(prefix_, fmt::format("migrated-v{}", target()), stamp_); }

  // Private and writable while migrated; the source's owner and mode once kept.
  void keep_migrated_copy() {
    take_source_owner(*working_file_);
    result_.migrated_copy = working_file_->publish_as_new(migrated_stem(), extension_, '-');
    keep_working_copy_ = true;
  }

  // A copy of a local source gets its owner and mode; one of a remote source stays private.
  void take_source_owner(detail::new_file& file) const {
    if (const auto local = source_->local_file()) file.take_owner_and_mode(*local, detail::ownership::best_effort);
  }

  const migration_set& migrations_;
  const deploy_options& options_;
  std::unique_ptr<transfer::endpoint> source_;
  std::string stamp_;
  std::string prefix_;
  std::string extension_;
  transfer::scratch_directory scratch_;
  fs::path work_dir_;
  fs::path working_copy_;
  std::optional<detail::new_file> working_file_;  // the working copy's file, unless a dry run
  std::string fetched_sha256_;
  bool needs_adoption_ = false;
  bool keep_working_copy_ = false;
  std::map<std::string, std::int64_t> rows_before_;
  int step_number_ = 0;
  std::string step_name_ = "prepare";
  deploy_result result_;
};

}  // namespace

deploy_result deploy(const migration_set& migrations, const deploy_options& options) {
  deployment run(migrations, options);
  return run.run();
}

}  // namespace litemig

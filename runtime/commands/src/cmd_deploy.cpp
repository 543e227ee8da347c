// litemig deploy and litemig restore: the production deploy and restore of litemig/deploy.hpp.
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/deploy.hpp"

#include "litemig/json.hpp"
#include "litemig/quantities.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <unistd.h>

namespace litemig::cli {

namespace {

template <typename T>
std::string json_optional(const std::optional<T>& value) {
  if (!value) return "null";
  if constexpr (std::is_same_v<T, std::filesystem::path>) {
    return json_string(value->string());
  } else if constexpr (std::is_same_v<T, std::string>) {
    return json_string(*value);
  } else {
    return std::to_string(*value);
  }
}

std::string json_sql_list(const std::vector<planned_sql>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    out += fmt::format("{}{{\"name\":{},\"sql\":{},\"why\":{}}}", out.size() > 1 ? "," : "", json_string(item.name),
                       json_string(item.sql), json_string(item.why));
  }
  return out + "]";
}

std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? "," : "") + json_string(item);
  return out + "]";
}

std::string json_report(const deploy_result& r) {
  return fmt::format(
      "{{\"ok\":true,\"dry_run\":{},\"source\":{},\"from_version\":{},\"to_version\":{},\"adopted_as\":{},"
      "\"fixups\":{},\"skipped_fixups\":{},\"applied\":[{}],\"local_backup\":{},\"remote_backup\":{},"
      "\"migrated_copy\":{},\"vacuumed\":{},\"uploaded\":{},\"nothing_to_upload\":{},\"removed_backups\":{},"
      "\"planned_fixups\":{},\"planned_repairs\":{},\"planned_migrations\":{}}}",
      r.dry_run, json_string(r.source), r.from_version, r.to_version, json_optional(r.adopted_as),
      json_strings(r.fixups_applied), json_sql_list(r.fixups_skipped), fmt::join(r.migrations_applied, ","),
      json_optional(r.local_backup), json_optional(r.remote_backup), json_optional(r.migrated_copy), r.vacuumed,
      r.uploaded, r.nothing_to_upload, json_strings(r.removed_backups), json_sql_list(r.planned_fixups),
      json_strings(r.planned_repairs), json_sql_list(r.planned_migrations));
}

void print_plan(const deploy_result& r) {
  std::cout << fmt::format("dry run: nothing was changed\nsource {} is at version {}{}; target version {}\n", r.source,
                           r.from_version, r.adopted_as ? " (adopted by fingerprint)" : "", r.to_version);
  for (const auto& fixup : r.fixups_skipped) std::cout << fmt::format("-- fixup {} skipped: {}\n", fixup.name, fixup.why);
  for (const auto& fixup : r.planned_fixups) {
    std::cout << fmt::format("-- fixup {} would run: {}\n{}\n", fixup.name, fixup.why, fixup.sql);
  }
  for (const auto& object : r.planned_repairs) std::cout << fmt::format("-- the migrate step would recreate {}\n", object);
  if (r.planned_migrations.empty()) std::cout << "no pending migrations\n";
  for (const auto& m : r.planned_migrations) std::cout << fmt::format("-- migration {}\n{}\n", m.name, m.sql);
}

void print_summary(const deploy_result& r) {
  if (r.dry_run) {
    print_plan(r);
    return;
  }
  std::cout << fmt::format("deployed {}: version {} -> {} ({} applied)\n", r.source, r.from_version,
                           r.to_version, count_of(static_cast<std::int64_t>(r.migrations_applied.size()), "migration"));
  if (r.local_backup) std::cout << fmt::format("local backup:  {}\n", r.local_backup->string());
  if (r.remote_backup) std::cout << fmt::format("remote backup: {}\n", *r.remote_backup);
  if (r.uploaded) {
    std::cout << fmt::format("uploaded: {} now holds the migrated database\n", r.source);
  } else if (r.nothing_to_upload) {
    std::cout << fmt::format("nothing to upload: {} is already at version {} and was left untouched\n", r.source,
                             r.to_version);
  } else if (r.migrated_copy) {
    std::cout << fmt::format("not uploaded; the migrated copy is {} (pass --upload to put it in place)\n",
                             r.migrated_copy->string());
  }
}

// On a terminal: one line, rewritten in place, with the bytes of the transfer and its rate.
class progress_line {
 public:
  void operator()(const std::string& transfer, std::uint64_t done, std::uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done == 0) {
      started_ = now;
      finished_ = false;
    }
    const bool finished = done == total;
    if (finished_ || (!finished && done != 0 && now - shown_ < std::chrono::milliseconds(250))) return;
    finished_ = finished;
    shown_ = now;
    const double seconds = std::max(std::chrono::duration<double>(now - started_).count(), 1e-3);
    std::cerr << fmt::format("\r\033[K  {}: {} of {} ({}/s)", transfer, describe_bytes(static_cast<double>(done)),
                             describe_bytes(static_cast<double>(total)),
                             describe_bytes(static_cast<double>(done) / seconds));
    if (finished) std::cerr << "\n";
    std::cerr << std::flush;
  }

 private:
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point shown_;
  bool finished_ = false;
};

bool ask_on_terminal(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

// The question asked before replacing a production file: none with --yes; off a terminal,
// without --yes, the command is refused before it touches anything.
std::function<bool(const std::string&)> confirmation(const po::variables_map& values, std::string_view flag,
                                                     std::string_view action) {
  if (values.count("yes")) return {};
  if (!::isatty(STDIN_FILENO)) {
    throw failure(exit_code::usage,
                  fmt::format("{} asks for confirmation on a terminal; pass --yes to {} without asking", flag, action));
  }
  return ask_on_terminal;
}

void add_ssh_options(command_spec& spec, ssh_tools& tools) {
  spec.options.add_options()
      ("ssh", po::value(&tools.ssh)->default_value(tools.ssh), "ssh program for ssh:// locations")
      ("scp", po::value(&tools.scp)->default_value(tools.scp), "scp program for ssh:// locations")
      ("ssh-option", po::value(&tools.options)->composing(),
       "OpenSSH option passed to ssh and scp as -o OPTION, e.g. IdentityFile=~/.ssh/deploy (repeatable)");
}

// The one-line error of ERROR, and with --json its JSON line naming the STEP that failed.
int report(std::string_view command, std::exception_ptr error, bool json) {
  const auto classified = classify(error);
  std::string step;
  try {
    std::rethrow_exception(error);
  } catch (const deploy_failure& e) {
    step = e.step();
  } catch (...) {
  }
  std::cerr << command << ": error: " << escape_control_characters(classified.what()) << "\n";
  if (json) {
    std::cout << fmt::format("{{\"ok\":false,\"step\":{},\"error\":{},\"exit_code\":{}}}\n",
                             step.empty() ? "null" : json_string(step), json_string(classified.what()),
                             static_cast<int>(classified.code()));
  }
  return static_cast<int>(classified.code());
}

}  // namespace

int deploy_command(const arguments& args) {
  const auto& program = active_program();
  const std::string command = program.name + " deploy";
  bool json = false;
  try {
    deploy_options options;
    options.backup_prefix = program.backup_prefix;
    std::string backup_dir = options.backup_dir.string();
    std::string dir;
    std::string fixups;
    std::string work_dir;
    std::int64_t target = 0;
    std::int64_t keep_backups = 0;
    command_spec spec{"deploy",
                      "litemig deploy --source SOURCE --dir MIGRATIONS_DIR [--to N] [--backup-dir DIR] [--fixups DIR] "
                      "[--vacuum] [--keep-backups N] [--upload] [--yes] [--dry-run] [--json]",
                      "Fetches the database to a local working copy and checks it, backs it up locally and next to "
                      "the remote file, applies the fixups that apply, migrates, verifies schema, integrity, foreign "
                      "keys and row counts, and with --upload puts the result in place under a temporary name and a "
                      "rename. Each step is logged with a timestamp; the first failure stops the deploy and leaves the "
                      "source unchanged."};
    spec.options.add_options()
        ("source", po::value(&options.source)->required(), "database: PATH, file://PATH or ssh://[user@]host[:port]/path")
        ("dir", po::value(&dir)->required()->value_name("MIGRATIONS_DIR"),
         program.embedded ? "migrations directory (default: the migrations built into this program)" : "migrations directory")
        ("to", po::value(&target), "target migration number (default: the newest)")
        ("backup-dir", po::value(&backup_dir)->default_value(backup_dir), "folder for local backups")
        ("backup-prefix", po::value(&options.backup_prefix),
         "local backup name prefix (default: the source file's name without extension)")
        ("fixups", po::value(&fixups), "folder of .sql fixups applied in name order before migrating, each when its "
         "'-- litemig:fixup' header lines (versions, when-view-broken, when) say it applies")
        ("work-dir", po::value(&work_dir), "folder for the migrated copy (default: the backup folder)")
        ("upload", po::bool_switch(&options.upload), "put the migrated database in place of the source")
        ("vacuum", po::bool_switch(&options.vacuum), "VACUUM the migrated copy before the upload when it has free pages")
        ("keep-backups", po::value(&keep_backups)->value_name("N"),
         "after the deploy, keep only the newest N backups of this database in the backup folder and next to the source")
        ("yes", "upload without asking on the terminal")
        ("dry-run", po::bool_switch(&options.dry_run), "print the plan and the SQL; change nothing anywhere")
        ("json", "print the result as one JSON object on stdout (log lines go to stderr)");
    add_ssh_options(spec, options.tools);
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    json = values.count("json") > 0;
    refuse_cluster(options.source, "deploy");
    options.backup_dir = backup_dir;
    if (values.count("to")) options.target = target;
    if (!fixups.empty()) options.fixups_dir = fixups;
    if (!work_dir.empty()) options.work_dir = work_dir;
    if (values.count("keep-backups")) {
      if (keep_backups < 1) throw failure(exit_code::usage, "--keep-backups must be at least 1 (the backup just made)");
      options.keep_backups = static_cast<std::size_t>(keep_backups);
    }
    if (::isatty(STDERR_FILENO)) options.progress = progress_line();
    if (options.upload && !options.dry_run) options.confirm = confirmation(values, "--upload", "upload");
    std::ostream& log_stream = json ? std::cerr : std::cout;
    options.log = [&log_stream](const std::string& line) { log_stream << line << std::endl; };

    const auto result = deploy(load_migrations(dir), options);
    if (json) {
      std::cout << json_report(result) << "\n";
    } else {
      print_summary(result);
    }
    return 0;
  } catch (...) {
    return report(command, std::current_exception(), json);
  }
}

int restore_command(const arguments& args) {
  const std::string command = active_program().name + " restore";
  try {
    restore_options options;
    command_spec spec{"restore", "litemig restore --backup FILE --db TARGET [--yes]",
                      "Checks that the backup opens and passes integrity_check (with the commits of a -wal file "
                      "beside it), asks before replacing (off a terminal --yes is required), keeps the file it "
                      "replaces as <name>.<time>.replaced.sqlite3 next to it, and puts the backup in place under a "
                      "temporary name and a rename, with the replaced file's owner and mode."};
    spec.options.add_options()
        ("backup", po::value(&options.backup)->required(), "backup to restore: PATH or ssh://[user@]host[:port]/path")
        ("db", po::value(&options.target)->required(), "database to replace: PATH or ssh://[user@]host[:port]/path")
        ("yes", "replace without asking on the terminal");
    add_ssh_options(spec, options.tools);
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    refuse_cluster(options.target, "restore");
    refuse_cluster(options.backup, "restore");
    options.confirm = confirmation(values, "restore", "replace the database");
    options.log = [](const std::string& line) { std::cout << line << std::endl; };
    const auto result = restore(options);
    std::cout << fmt::format("restored {}: version {}{}\n", result.target, result.version,
                             result.has_bookkeeping ? "" : " (no litemig bookkeeping)");
    if (result.previous_kept_as) std::cout << fmt::format("the replaced file is kept as {}\n", *result.previous_kept_as);
    return 0;
  } catch (...) {
    return report(command, std::current_exception(), false);
  }
}

}  // namespace litemig::cli

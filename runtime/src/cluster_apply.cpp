// Upgrade and downgrade of a cluster: the ordinary applier rehearses on a copy the leader dumped,
// with every write it makes recorded; the leader then replays exactly those writes in one
// replicated transaction, after re-reading the version inside it, and commits only when the
// foreign keys and the schema came out as in the rehearsal.
#include "cluster_internal.hpp"

#include "litemig/quantities.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

namespace litemig::cluster {

namespace {

namespace fs = std::filesystem;
using namespace detail;

using table = std::vector<std::vector<std::optional<std::string>>>;

table read_table(sqlite::database& db, std::string_view sql) {
  table rows;
  auto query = db.prepare(sql);
  while (query.step()) {
    auto& row = rows.emplace_back();
    for (int i = 0; i < query.column_count(); ++i) row.push_back(query.column_optional_text(i));
  }
  return rows;
}

std::optional<std::string> as_text(const value& cell) {
  return std::visit(
      [](const auto& v) -> std::optional<std::string> {
        using type = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<type, std::monostate>) return std::nullopt;
        else if constexpr (std::is_same_v<type, std::string>) return v;
        else if constexpr (std::is_same_v<type, blob>) return v.bytes;
        else return fmt::format("{}", v);
      },
      cell);
}

table read_table(connection& leader, std::string_view sql) {
  table rows;
  for (const auto& values : leader.query(sql).values) {
    auto& row = rows.emplace_back();
    for (const auto& cell : values) row.push_back(as_text(cell));
  }
  return rows;
}

// Where a database stands, as the replay re-reads it: user_version and the newest history row.
struct version_state {
  std::string version;
  std::optional<std::vector<std::optional<std::string>>> newest;  // version, name, checksum, applied_at
  friend bool operator==(const version_state&, const version_state&) = default;
  std::optional<std::string> newest_version() const { return newest ? newest->front() : std::nullopt; }
  std::string describe() const {
    return fmt::format("version {}, newest history row {}", version, newest_version().value_or("none"));
  }
};

template <typename source>
version_state state_of(source& db) {
  version_state state;
  state.version = read_table(db, "PRAGMA user_version").at(0).at(0).value_or("0");
  const auto history = read_table(
      db, fmt::format("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '{}'", history_table));
  if (history.at(0).at(0) == "0") return state;
  const auto newest = read_table(
      db, fmt::format("SELECT version, name, checksum, applied_at FROM {} ORDER BY version DESC LIMIT 1", history_table));
  if (!newest.empty()) state.newest = newest.front();
  return state;
}

constexpr std::string_view schema_query = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name";

// Rows failing a foreign key, per "child -> parent".
template <typename source>
std::map<std::string, std::int64_t> violations(source& db) {
  std::map<std::string, std::int64_t> counts;
  for (const auto& row : read_table(db, "PRAGMA foreign_key_check")) {
    ++counts[fmt::format("{} -> {}", row.at(0).value_or(""), row.at(2).value_or(""))];
  }
  return counts;
}

struct rehearsal {
  apply_result result;
  std::vector<sqlite::written_statement> writes;
  version_state start;
  version_state end;
  table schema;
  std::map<std::string, std::int64_t> violations;
};

rehearsal rehearse(const fs::path& copy, const migration_set& migrations,
                   const apply_options& options, std::optional<std::int64_t> down_to) {
  rehearsal r;
  {
    sqlite::database db(copy, sqlite::open_mode::read_only);
    r.start = state_of(db);
  }
  apply_options on_copy = options;
  on_copy.backup = false;
  on_copy.suggest_vacuum = false;  // dqlite forbids VACUUM
  on_copy.keep_backups.reset();
  {
    sqlite::write_recorder recorder(copy, [&](const sqlite::written_statement& w) { r.writes.push_back(w); });
    r.result = down_to ? litemig::downgrade(copy, migrations, *down_to, on_copy) : litemig::upgrade(copy, migrations, on_copy);
  }
  sqlite::database db(copy, sqlite::open_mode::read_only);
  r.end = state_of(db);
  r.schema = read_table(db, schema_query);
  r.violations = violations(db);
  return r;
}

std::vector<value> parameters(const std::vector<sqlite::bound_value>& bound) {
  std::vector<value> values;
  for (const auto& v : bound) {
    std::visit([&](const auto& x) { values.emplace_back(x); }, v);
  }
  return values;
}

std::string excerpt(std::string_view sql) {
  std::string text(sql.substr(0, 120));
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text + (sql.size() > 120 ? "..." : "");
}

// "table \"t\"": the first object of sqlite_schema's rows (type, name, ...) where A and B part.
std::string first_difference(const table& a, const table& b) {
  const auto [in_a, in_b] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  const auto& row = in_a != a.end() ? *in_a : *in_b;
  return fmt::format("{} {}", row.at(0).value_or("?"), sqlite::quote_identifier(row.at(1).value_or("?")));
}

enum class replayed { committed, already_done };

// The replay's own verdict, rolled back: reported as it is, never taken for a lost connection.
class refusal : public failure {
 public:
  using failure::failure;
};

class replay {
 public:
  replay(connection& leader, const address& where, const rehearsal& r) : leader_(leader), where_(where), r_(r) {}

  bool commit_sent() const { return commit_sent_; }

  replayed once() {
    // A no-op inside a transaction: off first, so that a rebuild's DROP TABLE cascades nothing.
    leader_.exec("PRAGMA foreign_keys = OFF");
    leader_.exec("BEGIN");
    const auto state = state_of(leader_);
    if (state != r_.start) {
      roll_back();
      if (state.version == r_.end.version && state.newest_version() == r_.end.newest_version()) return replayed::already_done;
      throw refusal(exit_code::busy,
                    fmt::format("{}: the cluster changed while preparing (now {}; the rehearsal started from {}); run "
                                "again; nothing was changed",
                                where_.text, state.describe(), r_.start.describe()));
    }
    for (const auto& w : r_.writes) {
      try {
        leader_.exec(w.sql, parameters(w.values));
      } catch (const server_error& e) {
        if (e.is_busy() || e.is_not_leader()) throw;
        roll_back();
        // The rehearsal passed on the copy: rows written since then break the new constraints.
        throw refusal(e.is_constraint() ? exit_code::preflight : exit_code::failure,
                      fmt::format("{}: the leader refused a statement of the rehearsed migration{}: {} (in: {}); rolled "
                                  "back, nothing was changed",
                                  where_.text, e.is_constraint() ? " (rows written since the copy break it)" : "",
                                  e.sqlite_message(), excerpt(w.sql)));
      }
    }
    for (const auto& [pair, count] : violations(leader_)) {
      const auto allowed = r_.violations.find(pair);
      if (count <= (allowed == r_.violations.end() ? 0 : allowed->second)) continue;
      roll_back();
      throw refusal(exit_code::preflight,
                    fmt::format("{}: foreign key check failed on the cluster: {}: {} without a parent; rolled back, nothing "
                                "was changed", where_.text, pair, count_of(count, "row")));
    }
    if (const auto live = read_table(leader_, schema_query); live != r_.schema) {
      roll_back();
      throw refusal(exit_code::schema_mismatch,
                    fmt::format("{}: the cluster's schema after the replay differs from the rehearsal's (first at {}); "
                                "rolled back, nothing was changed", where_.text, first_difference(live, r_.schema)));
    }
    commit_sent_ = true;
    leader_.exec("COMMIT");
    return replayed::committed;
  }

  // After a failure the transaction may still be open on a live connection; a lost one took it along.
  void roll_back() {
    try {
      leader_.exec("ROLLBACK");
    } catch (const failure&) {
      // No transaction was open, or the connection is gone: either way nothing was committed.
    }
  }

 private:
  connection& leader_;
  const address& where_;
  const rehearsal& r_;
  bool commit_sent_ = false;
};

// Replays R on the leader, retrying while another writer holds the cluster, up to the busy timeout.
replayed replay_on_leader(connection& leader, const address& where, const rehearsal& r, const apply_options& options,
                          bool& commit_sent) {
  std::fputs(fmt::format("litemig: applying on the cluster leader {}\n", leader.address()).c_str(), stderr);
  std::fflush(stderr);
  const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
  for (;;) {
    replay attempt(leader, where, r);
    try {
      return attempt.once();
    } catch (const refusal&) {
      throw;
    } catch (const server_error& e) {
      commit_sent = attempt.commit_sent();
      if (e.is_not_leader()) {
        throw failure(exit_code::failure,
                      fmt::format("{}: the leader {} stopped leading during the migration ({}); {}", where.text,
                                  leader.address(), e.sqlite_message(),
                                  commit_sent ? "it may or may not have committed: run current to see"
                                              : "nothing was committed; run again"));
      }
      attempt.roll_back();
      // An answer, not silence: the node did not commit.
      commit_sent = false;
      if (!e.is_busy()) {
        throw failure(exit_code::failure, fmt::format("{}: {}; rolled back, nothing was changed", where.text, e.what()));
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        throw failure(exit_code::busy, fmt::format("{}: still locked by another writer after {} ms; nothing was changed",
                                                   where.text, options.busy_timeout.count()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } catch (const failure& e) {
      commit_sent = attempt.commit_sent();
      throw failure(exit_code::failure,
                    fmt::format("{}: lost the connection to the leader {} ({}); {}", where.text, leader.address(), e.what(),
                                commit_sent ? "it was lost during COMMIT, which may or may not have been applied: run "
                                              "current to see"
                                            : "nothing was committed; run again"));
    }
  }
}

apply_result migrate(std::string_view text, const migration_set& migrations, const apply_options& options,
                     std::optional<std::int64_t> down_to) {
  const auto where = parse_address(text);
  if (options.vacuum) {
    throw failure(exit_code::usage, fmt::format("{}: --vacuum is not supported on a dqlite cluster (dqlite forbids VACUUM); "
                                                "nothing was changed", where.text));
  }
  scratch_folder folder;
  fs::path copy;
  std::optional<fs::path> backup;
  bool commit_sent = false;
  const auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  try {
    const auto fetched = fetch_copy(where, folder.path());
    copy = fetched.path;
    // Like a missing file, upgrade builds it: dqlite creates it when the leader opens it.
    if (!fetched.held && (down_to || !options.create_if_missing)) throw no_such_database(where);
    const auto before = folder.path() / (where.database + ".before");
    // A database the cluster did not hold yet is like a new file: it needs no backup.
    const bool backing_up = options.backup && fetched.held;
    if (backing_up) fs::copy_file(copy, before);
    const auto r = rehearse(copy, migrations, options, down_to);
    if (r.writes.empty()) return r.result;
    if (backing_up) {
      backup = publish_backup(before, where, options.backup_dir, r.result.from_version, r.result.to_version);
      log(fmt::format("backup written to {}", backup->string()));
    }
    log(fmt::format("replaying the rehearsed migration ({}) on the leader", count_of(static_cast<std::int64_t>(r.writes.size()),
                                                                                      "statement")));
    auto leader = connect(where);
    if (replay_on_leader(leader, where, r, options, commit_sent) == replayed::already_done) {
      std::error_code ignored;
      if (backup) fs::remove(*backup, ignored);
      log(fmt::format("already at version {}: another migrator applied it meanwhile; nothing was changed", r.end.version));
      return apply_result{r.result.to_version, r.result.to_version, {}, std::nullopt, std::nullopt};
    }
    auto result = r.result;
    result.backup = backup;
    if (backup && options.keep_backups) {
      const auto folder_of_backups = options.backup_dir.value_or(fs::current_path());
      for (const auto& old : remove_old_backups(folder_of_backups / where.database, folder_of_backups, *options.keep_backups)) {
        log(fmt::format("removed the old backup {}", old.string()));
      }
    }
    return result;
  } catch (const failure& e) {
    std::error_code ignored;
    // A backup of a cluster that nothing was committed to is a copy of what is still there.
    if (backup && !commit_sent) fs::remove(*backup, ignored);
    throw failure(e.code(), relabel(e.what(), copy, where));
  }
}

}  // namespace

apply_result upgrade(std::string_view address, const migration_set& migrations, const apply_options& options) {
  return migrate(address, migrations, options, std::nullopt);
}

apply_result downgrade(std::string_view address, const migration_set& migrations, std::int64_t target,
                       const apply_options& options) {
  return migrate(address, migrations, options, target);
}

}  // namespace litemig::cluster

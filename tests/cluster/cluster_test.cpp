// litemig against a real 3-node dqlite cluster, through its command line
// (`--db dqlite://HOST:PORT[,HOST:PORT...]/DATABASE`): a table rebuild keeps ON DELETE CASCADE
// children on every node, a leader killed mid-migration leaves the database at the old or the new
// version and a rerun completes it, two migrators at once apply each migration once, and `check`
// sees a drift made through the dqlite shell.
#include "cluster_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <thread>

using namespace litemig::cluster_testing;
using namespace litemig::reliability;
using namespace std::chrono_literals;
using litemig::cluster::value;

namespace {

const std::string parent_v1 = "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT);\n";
const std::string parent_v2 = "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK(length(name) > 0));\n";
const std::string child =
    "CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE, "
    "body TEXT);\n";

// The rebuild of parent into SHAPE, in the documented order (create, copy, drop, rename).
std::string rebuild_parent(const std::string& shape) {
  auto create = shape;
  create.replace(create.find("parent("), 6, "new_parent");
  return create + "INSERT INTO new_parent(id, name) SELECT id, name FROM parent;\nDROP TABLE parent;\n"
                  "ALTER TABLE new_parent RENAME TO parent;\n";
}

// 1 creates parent and child (cascading); 2 rebuilds parent with a NOT NULL and a CHECK.
void write_parent_child_migrations(const fs::path& dir) {
  write_migration(dir, 1, "initial", parent_v1 + child, "DROP TABLE child;\nDROP TABLE parent;", parent_v1 + child);
  write_migration(dir, 2, "parent_name_required", rebuild_parent(parent_v2), rebuild_parent(parent_v1),
                  parent_v2 + child);
}

class Cluster : public cluster_fixture {
 protected:
  fs::path migrations() const { return path("migrations"); }
  test_cluster& nodes() { return shared(3); }

  fs::path backups() const { return path("backups"); }
  // The command line of litemig COMMAND on URL; an upgrade writes its backup into backups().
  std::vector<std::string> command_line(const std::string& command, const std::string& url) const {
    std::vector<std::string> args{LITEMIG_CLI, command, "--db", url, "--dir", migrations().string()};
    if (command == "upgrade") args.insert(args.end(), {"--backup-dir", backups().string()});
    return args;
  }
  process_result litemig(const std::string& command, const std::string& url, std::vector<std::string> extra = {}) {
    auto args = command_line(command, url);
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args, dir_);
  }
  // The version `litemig current --json` reports for the cluster's database.
  std::int64_t current_version(const std::string& url) {
    const auto result = litemig("current", url, {"--json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const auto at = result.out.find("\"version\": ");
    if (at == std::string::npos) return -1;
    return std::stoll(result.out.substr(at + 11));
  }
  // 100 parents with 3 children each, written through the leader.
  void seed_parents_and_children() {
    auto c = nodes().connect(database_name());
    c.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
           "INSERT INTO parent(id, name) SELECT i, 'parent ' || i FROM n");
    c.exec("INSERT INTO child(parent_id, body) SELECT id, 'child ' || k FROM parent, (SELECT 1 AS k UNION ALL "
           "SELECT 2 UNION ALL SELECT 3)");
    // Planner statistics: the applier analyses a rebuilt table again, as on a file.
    c.exec("ANALYZE");
  }
};

// Waits (up to a minute) until FILE holds a line starting with PREFIX; returns the rest of it.
std::optional<std::string> await_line(const fs::path& file, const std::string& prefix, pid_t writer) {
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < give_up) {
    const auto text = read_file(file);
    if (const auto at = text.find(prefix); at != std::string::npos) {
      const auto end = text.find('\n', at);
      if (end != std::string::npos) return text.substr(at + prefix.size(), end - at - prefix.size());
    }
    if (::kill(writer, 0) != 0) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
  return std::nullopt;
}

TEST_F(Cluster, ARebuildKeepsCascadeChildrenOnEveryNode) {
  write_parent_child_migrations(migrations());
  const auto url = nodes().url(database_name());
  const auto first = litemig("upgrade", url, {"--to", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  seed_parents_and_children();

  const auto upgraded = litemig("upgrade", url);
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
  EXPECT_EQ(current_version(url), 2);
  const auto copies = nodes().dump_each(database_name(), path("dumps"));
  ASSERT_EQ(copies.size(), 3u);
  for (const auto& copy : copies) {
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM parent"), 100) << copy;
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM child"), 300) << copy;
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM pragma_foreign_key_check"), 0) << copy;
    EXPECT_EQ(query_int(copy, "PRAGMA user_version"), 2) << copy;
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM litemig_history"), 2) << copy;
    EXPECT_TRUE(contains(query_text(copy, "SELECT sql FROM sqlite_schema WHERE name = 'parent'"), "CHECK")) << copy;
    EXPECT_GT(query_int(copy, "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'parent'"), 0) << copy;
  }
  EXPECT_EQ(table_digest(copies[0], "child"), table_digest(copies[1], "child"));
  EXPECT_EQ(table_digest(copies[0], "child"), table_digest(copies[2], "child"));
  // The backup taken through the cluster before the change is a file SQLite opens, at version 1.
  std::optional<fs::path> backup;
  for (const auto& entry : fs::directory_iterator(backups())) {
    if (contains(entry.path().filename().string(), "v1-v2")) backup = entry.path();
  }
  ASSERT_TRUE(backup.has_value()) << "no backup of the upgrade from 1 to 2 in " << backups();
  EXPECT_EQ(query_text(*backup, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_int(*backup, "PRAGMA user_version"), 1);
  EXPECT_EQ(query_int(*backup, "SELECT count(*) FROM child"), 300);
}

TEST_F(Cluster, ALeaderKilledMidMigrationLeavesOneVersionAndARerunCompletes) {
  const std::string item_v1 = "CREATE TABLE item(id INTEGER PRIMARY KEY, payload TEXT NOT NULL);\n";
  const std::string item_v2 =
      "CREATE TABLE item(id INTEGER PRIMARY KEY, payload TEXT NOT NULL CHECK(length(payload) > 0));\n"
      "CREATE INDEX item_payload ON item(payload);\n";
  const auto rebuild = [](const std::string& shape) {
    return "CREATE TABLE new_item" + shape.substr(shape.find('('), shape.find(";\n") - shape.find('(')) +
           ";\nINSERT INTO new_item(id, payload) SELECT id, payload FROM item;\nDROP TABLE item;\n"
           "ALTER TABLE new_item RENAME TO item;\n";
  };
  write_migration(migrations(), 1, "items", item_v1, "DROP TABLE item;", item_v1);
  write_migration(migrations(), 2, "payload_required", rebuild(item_v2) + "CREATE INDEX item_payload ON item(payload);",
                  "DROP INDEX item_payload;\n" + rebuild(item_v1), item_v2);
  auto& cluster = nodes();
  const auto url = cluster.url(database_name());
  ASSERT_EQ(litemig("upgrade", url, {"--to", "1"}).exit_code, 0);
  // 200,000 rows: long enough a migration to be killed while it runs.
  cluster.connect(database_name())
      .exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
            "INSERT INTO item SELECT i, printf('payload %08d, padded to some fifty bytes', i) FROM n");

  const launch upgrade{command_line("upgrade", url), std::nullopt, path("upgrade.out"), path("upgrade.err")};
  const auto pid = start(upgrade);
  const auto leader = await_line(upgrade.err, "litemig: applying on the cluster leader ", pid);
  ASSERT_TRUE(leader.has_value()) << "no leader announced: " << read_file(upgrade.err);
  const auto killed = cluster.node_at(*leader);
  cluster.kill(killed);
  const auto first_run = wait_for(pid);

  // After the election: all of migration 2 or none of it.
  const auto version = current_version(url);
  ASSERT_TRUE(version == 1 || version == 2) << "version " << version << "; first run exited " << first_run;
  const auto at_kill = cluster.dump(cluster.leader(), database_name(), path("after_kill"));
  EXPECT_EQ(query_int(at_kill, "SELECT count(*) FROM item"), 200000);
  EXPECT_EQ(query_int(at_kill, "SELECT count(*) FROM litemig_history"), version);
  EXPECT_EQ(query_int(at_kill, "SELECT count(*) FROM sqlite_schema WHERE name = 'item_payload'"), version == 2 ? 1 : 0);
  EXPECT_EQ(query_int(at_kill, "SELECT count(*) FROM sqlite_schema WHERE name = 'new_item'"), 0);

  const auto rerun = litemig("upgrade", url);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(current_version(url), 2);
  cluster.restart(killed);
  const auto copies = cluster.dump_each(database_name(), path("dumps"));
  ASSERT_EQ(copies.size(), 3u);
  for (const auto& copy : copies) {
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM item"), 200000) << copy;
    EXPECT_EQ(query_int(copy, "PRAGMA user_version"), 2) << copy;
    EXPECT_EQ(query_text(copy, "PRAGMA integrity_check"), "ok") << copy;
  }
}

TEST_F(Cluster, TwoMigratorsAtOnceApplyEachMigrationOnce) {
  write_parent_child_migrations(migrations());
  // 3 leaves a trace per application: applied twice, it would log twice.
  write_migration(migrations(), 3, "applied_log",
                  "CREATE TABLE applied_log(note TEXT);\nINSERT INTO applied_log VALUES ('migration 3');",
                  "DROP TABLE applied_log;", parent_v2 + child + "CREATE TABLE applied_log(note TEXT);\n");
  auto& cluster = nodes();
  std::vector<launch> runs;
  std::vector<pid_t> pids;
  for (std::size_t node : {std::size_t{0}, std::size_t{1}}) {
    runs.push_back({command_line("upgrade", cluster.url(node, database_name())), std::nullopt,
                    path(fmt::format("run{}.out", node)), path(fmt::format("run{}.err", node))});
  }
  for (const auto& run : runs) pids.push_back(start(run));
  for (std::size_t i = 0; i < pids.size(); ++i) {
    EXPECT_EQ(wait_for(pids[i]), 0) << read_file(runs[i].err);
  }
  auto c = cluster.connect(database_name());
  const auto history = c.query("SELECT version FROM litemig_history ORDER BY version");
  EXPECT_EQ(history.values, (std::vector<std::vector<value>>{{std::int64_t{1}}, {std::int64_t{2}}, {std::int64_t{3}}}));
  EXPECT_EQ(c.query("SELECT count(*) FROM applied_log").values.at(0).at(0), value(std::int64_t{1}));
  EXPECT_EQ(current_version(cluster.url(database_name())), 3);
}

TEST_F(Cluster, CheckReportsADriftMadeThroughTheDqliteShell) {
  write_parent_child_migrations(migrations());
  auto& cluster = nodes();
  const auto url = cluster.url(database_name());
  ASSERT_EQ(litemig("upgrade", url).exit_code, 0);
  const auto clean = litemig("check", url);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;

  const auto shell = find_program("dqlite");
  ASSERT_TRUE(shell.has_value());
  const auto drift = run({shell->string(), "-s", cluster.address(2), database_name(),
                          "ALTER TABLE child ADD COLUMN extra TEXT"},
                         dir_);
  ASSERT_EQ(drift.exit_code, 0) << drift.err;
  const auto drifted = litemig("check", url);
  EXPECT_EQ(drifted.exit_code, 4) << drifted.out << drifted.err;
  EXPECT_TRUE(contains(drifted.out + drifted.err, "extra")) << drifted.out << drifted.err;
}

}  // namespace

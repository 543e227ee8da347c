// The cluster applier's own promises on a real 3-node cluster: asking never creates a database, a
// new database gets no backup, a rebuild larger than the leader's page cache commits both ways, and
// a refusal found in the rehearsal is one line that leaves the cluster and the backup folder alone.
#include "cluster_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace litemig::cluster_testing;
using namespace litemig::reliability;
using namespace std::chrono_literals;

namespace {

const std::string item_v1 = "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT);\n";
const std::string item_v2 = "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK(length(name) < 20));\n";
const std::string part =
    "CREATE TABLE part(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE);\n";

// Copies item into NEW_ITEM, already created, and puts it in item's place.
const std::string copy_and_swap =
    "INSERT INTO new_item(id, name) SELECT id, name FROM item;\nDROP TABLE item;\nALTER TABLE new_item RENAME TO item;\n";

class ClusterApply : public cluster_fixture {
 protected:
  void SetUp() override {
    cluster_fixture::SetUp();
    if (IsSkipped()) return;
    // Rebuilt both ways, the index reads every row the copy just wrote, before COMMIT.
    const std::string index = "CREATE INDEX item_name ON item(name);\n";
    write_migration(migrations(), 1, "initial", item_v1 + part + index, "DROP TABLE part;\nDROP TABLE item;",
                    item_v1 + part + index);
    write_migration(migrations(), 2, "item_name_checked",
                    "CREATE TABLE new_item(id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK(length(name) < 20));\n" +
                        copy_and_swap + index,
                    "CREATE TABLE new_item(id INTEGER PRIMARY KEY, name TEXT);\n" + copy_and_swap + index,
                    item_v2 + part + index);
    fs::create_directories(backups());
  }
  fs::path migrations() const { return path("migrations"); }
  fs::path backups() const { return path("backups"); }
  test_cluster& nodes() { return shared(3); }
  process_result litemig(std::vector<std::string> args) {
    args.insert(args.begin(), LITEMIG_CLI);
    return run(args, dir_);
  }
  // An upgrade of URL started in the background, once it announced the leader and waits there for
  // another writer (stderr in upgrade.err).
  pid_t upgrade_waiting_on_the_leader(const std::string& url) {
    launch upgrade{{LITEMIG_CLI}, std::nullopt, path("upgrade.out"), path("upgrade.err")};
    const auto args = on("upgrade", url, {"--busy-timeout", "60"});
    upgrade.argv.insert(upgrade.argv.end(), args.begin(), args.end());
    const auto pid = start(upgrade);
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    while (!contains(read_file(upgrade.err), "litemig: applying on the cluster leader") &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(10ms);
    }
    std::this_thread::sleep_for(500ms);
    return pid;
  }
  // A writer runs BEFORE on the leader, an upgrade of URL starts and waits for it, the writer runs
  // WHILE_WAITING and commits; returns the upgrade's pid.
  pid_t upgrade_beside_a_writer(const std::string& url, const std::vector<std::string>& before,
                                const std::vector<std::string>& while_waiting) {
    auto writer = nodes().connect(database_name());
    for (const auto& sql : before) writer.exec(sql);
    const auto pid = upgrade_waiting_on_the_leader(url);
    for (const auto& sql : while_waiting) writer.exec(sql);
    writer.exec("COMMIT");
    return pid;
  }
  // The upgrade PID ends with CODE and MESSAGE, leaves no backup, and the leader holds what the
  // other writer committed: VERSION and ITEMS rows, no half-done rebuild.
  void expect_refused_and_untouched(pid_t pid, int code, const std::string& message, std::int64_t version,
                                    std::int64_t items) {
    const auto exit_code = wait_for(pid);
    const auto err = read_file(path("upgrade.err"));
    EXPECT_EQ(exit_code, code) << err;
    EXPECT_TRUE(contains(err, message)) << err;
    EXPECT_TRUE(fs::is_empty(backups()));
    const auto copy = nodes().dump(nodes().leader(), database_name(), path("after"));
    EXPECT_EQ(query_int(copy, "PRAGMA user_version"), version);
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM item"), items);
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM sqlite_schema WHERE name = 'new_item'"), 0);
  }
  // litemig COMMAND on URL with this test's migrations and backup folder, then EXTRA.
  std::vector<std::string> on(const std::string& command, const std::string& url,
                              const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args{command, "--db", url, "--dir", migrations().string(), "--backup-dir", backups().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

TEST_F(ClusterApply, AskingNeverCreatesADatabaseAndANewOneGetsNoBackup) {
  const auto url = nodes().url(database_name());
  for (auto args : {std::vector<std::string>{"current", "--db", url},
                    std::vector<std::string>{"history", "--db", url, "--dir", migrations().string()},
                    std::vector<std::string>{"check", "--db", url, "--dir", migrations().string()},
                    std::vector<std::string>{"downgrade", "--db", url, "--dir", migrations().string(), "--to", "0"}}) {
    SCOPED_TRACE(args[0]);
    const auto result = litemig(args);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(line_count(result.err), 1U) << result.err;
    EXPECT_TRUE(contains(result.err, "no such database on the cluster")) << result.err;
  }
  EXPECT_EQ(fs::file_size(nodes().dump(nodes().leader(), database_name(), path("asked"))), 0U);

  const auto built = litemig(on("upgrade", url));
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_TRUE(fs::is_empty(backups()));
  for (const auto& copy : nodes().dump_each(database_name(), path("dumps"))) {
    EXPECT_EQ(query_int(copy, "PRAGMA user_version"), 2) << copy;
  }
}

TEST_F(ClusterApply, ARebuildLargerThanTheLeadersPageCacheCommitsUpAndDown) {
  const auto url = nodes().url(database_name());
  ASSERT_EQ(litemig(on("upgrade", url, {"--to", "1"})).exit_code, 0);
  auto leader = nodes().connect(database_name());
  leader.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
              "INSERT INTO item(id, name) SELECT i, 'item ' || i FROM n");
  leader.exec("INSERT INTO part(item_id) SELECT id FROM item WHERE id % 3 = 0");

  const auto up = litemig(on("upgrade", url));
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_TRUE(contains(up.out, "of free pages left by the migration")) << up.out;
  EXPECT_FALSE(contains(up.out, "VACUUM")) << "dqlite forbids it: " << up.out;
  // dqlite checkpointed most of it: the backup is one file in rollback-journal mode all the same.
  for (const auto& backup : fs::directory_iterator(backups())) {
    EXPECT_EQ(query_text(backup.path(), "PRAGMA journal_mode"), "delete") << backup.path();
    EXPECT_EQ(query_int(backup.path(), "SELECT count(*) FROM item"), 300000) << backup.path();
  }
  const auto down = litemig(on("downgrade", url, {"--to", "1"}));
  ASSERT_EQ(down.exit_code, 0) << down.err;
  for (const auto& copy : nodes().dump_each(database_name(), path("dumps"))) {
    EXPECT_EQ(query_int(copy, "PRAGMA user_version"), 1) << copy;
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM item"), 300000) << copy;
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM part"), 100000) << copy;
  }
}

TEST_F(ClusterApply, ARefusalInTheRehearsalIsOneLineAndLeavesTheClusterAndTheBackupFolder) {
  const auto url = nodes().url(database_name());
  ASSERT_EQ(litemig(on("upgrade", url, {"--to", "1"})).exit_code, 0);
  nodes().connect(database_name()).exec("INSERT INTO item(id, name) VALUES (1, 'a name far longer than twenty')");
  const auto before = file_sha256(nodes().dump(nodes().leader(), database_name(), path("before")));

  const auto refused = litemig(on("upgrade", url));
  EXPECT_EQ(refused.exit_code, 8);
  EXPECT_EQ(line_count(refused.err), 1U) << refused.err;
  EXPECT_TRUE(contains(refused.err, url + ": 0002_item_name_checked.sql: pre-flight refused the data")) << refused.err;
  EXPECT_TRUE(fs::is_empty(backups()));
  EXPECT_EQ(file_sha256(nodes().dump(nodes().leader(), database_name(), path("after"))), before);
}

TEST_F(ClusterApply, AWriterHoldingTheClusterIsWaitedForAndAVersionItChangedIsNeverOverwritten) {
  const auto url = nodes().url(database_name());
  ASSERT_EQ(litemig(on("upgrade", url, {"--to", "1"})).exit_code, 0);
  auto writer = nodes().connect(database_name());
  writer.exec("BEGIN");
  writer.exec("INSERT INTO item(id, name) VALUES (7, 'seven')");

  // Held beyond --busy-timeout: exit 7, nothing changed.
  const auto gave_up = litemig(on("upgrade", url, {"--busy-timeout", "0.5"}));
  EXPECT_EQ(gave_up.exit_code, 7) << gave_up.err;
  EXPECT_TRUE(contains(gave_up.err, "still locked by another writer")) << gave_up.err;
  EXPECT_TRUE(fs::is_empty(backups()));

  // Waited for; the writer moves the version meanwhile: the replay re-reads it inside its
  // transaction and refuses to migrate from a version it did not rehearse.
  const auto pid = upgrade_waiting_on_the_leader(url);
  writer.exec("PRAGMA user_version = 9");
  writer.exec("COMMIT");
  expect_refused_and_untouched(pid, 7, "the cluster changed while preparing", 9, 1);
}

TEST_F(ClusterApply, RowsWrittenSinceTheCopyThatBreakTheMigrationAreRefusedOnTheLeader) {
  const auto url = nodes().url(database_name());
  ASSERT_EQ(litemig(on("upgrade", url, {"--to", "1"})).exit_code, 0);
  // The copy the rehearsal passes on holds no row; the writer's rows, committed while the replay
  // waits, break the new CHECK when the leader copies them.
  const auto pid = upgrade_beside_a_writer(url, {"BEGIN", "INSERT INTO item(id, name) VALUES (1, 'short')"},
                                           {"INSERT INTO item(id, name) VALUES (2, 'a name far longer than twenty')"});
  expect_refused_and_untouched(pid, 8, "rows written since the copy break it", 1, 2);
}

TEST_F(ClusterApply, ADriftOrAnOrphanCommittedWhileTheReplayWaitsIsFoundBeforeTheCommit) {
  const auto url = nodes().url(database_name());
  ASSERT_EQ(litemig(on("upgrade", url, {"--to", "1"})).exit_code, 0);
  // A table made outside migrations, at the same version: the live schema parts from the rehearsal's.
  const auto drifted = upgrade_beside_a_writer(url, {"BEGIN", "CREATE TABLE extra(x)"}, {});
  expect_refused_and_untouched(drifted, 4, "differs from the rehearsal's (first at table \"extra\")", 1, 0);
  nodes().connect(database_name()).exec("DROP TABLE extra");

  // A part without its item, written with foreign keys off: a violation the rehearsal never had.
  const auto orphaned = upgrade_beside_a_writer(
      url, {"PRAGMA foreign_keys = OFF", "BEGIN", "INSERT INTO part(id, item_id) VALUES (1, 999)"}, {});
  expect_refused_and_untouched(orphaned, 8, "foreign key check failed on the cluster: part -> item: 1 row", 1, 0);
}

}  // namespace

// Many databases in one upgrade: the schemas and proofs one database's upgrade loaded are reused
// for the next, so every database must still be judged on its own. A database changed outside
// migrations, or a migration that does not produce its snapshot, is refused in each database of
// the fleet, named, and left byte for byte as it was, whatever the order and however many jobs.
#include "reliability_support.hpp"

#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace litemig::reliability;
using litemig::sqlite::database;

namespace {

class Fleet : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_tune_and_note_migrations(path("migrations"));
    fs::create_directories(path("fleet"));
  }

  // NAME at version 1 with a few tunes.
  fs::path device(const std::string& name) {
    const auto db = path("fleet/" + name + ".sqlite3");
    const auto made = run_litemig({"upgrade", "--db", db.string(), "--dir", path("migrations").string(), "--to", "1"},
                                  dir_);
    EXPECT_EQ(made.exit_code, 0) << made.err;
    database(db, litemig::sqlite::open_mode::read_write)
        .execute("INSERT INTO tune(title) VALUES ('The Kesh'), ('Morrison''s')");
    return db;
  }

  // Each of DATABASES named on ERR with CAUSE, and byte-identical to its digest in BEFORE.
  static void expect_refused_unchanged(const std::string& err, const std::vector<fs::path>& databases,
                                       const std::vector<std::string>& before, const std::string& cause) {
    for (std::size_t i = 0; i < databases.size(); ++i) {
      EXPECT_TRUE(contains(err, databases[i].filename().string() + cause)) << err;
      EXPECT_EQ(file_sha256(databases[i]), before[i]) << databases[i];
    }
  }

  process_result upgrade_all(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"upgrade", "--db", path("fleet").string() + "/*.sqlite3", "--dir",
                                  path("migrations").string(), "--no-backup"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_litemig(args, dir_);
  }
};

TEST_F(Fleet, ADatabaseChangedOutsideMigrationsIsRefusedAfterSoundOnesPassed) {
  for (const auto jobs : {"1", "4"}) {
    fs::remove_all(path("fleet"));
    fs::create_directories(path("fleet"));
    std::vector<fs::path> sound;
    std::vector<fs::path> drifted;
    for (const auto* name : {"a", "b", "c", "d", "e"}) {
      const auto db = device(name);
      (std::string("bd").find(name[0]) == std::string::npos ? sound : drifted).push_back(db);
    }
    for (const auto& db : drifted) {
      database(db, litemig::sqlite::open_mode::read_write).execute("ALTER TABLE tune ADD COLUMN key TEXT");
    }
    std::vector<std::string> before;
    for (const auto& db : drifted) before.push_back(file_sha256(db));

    const auto result = upgrade_all({"--jobs", jobs});
    EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
    EXPECT_EQ(line_count(result.err), drifted.size()) << result.err;
    expect_refused_unchanged(result.err, drifted, before, ": the schema was changed outside migrations");
    for (const auto& db : sound) EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2) << db;
  }
}

TEST_F(Fleet, AMigrationThatMissesItsSnapshotIsRefusedInEveryDatabase) {
  std::vector<fs::path> devices;
  for (const auto* name : {"a", "b", "c"}) devices.push_back(device(name));
  std::vector<std::string> before;
  for (const auto& db : devices) before.push_back(file_sha256(db));
  // Migration 2 as edited by hand: the table it creates is no longer the one its snapshot has.
  const auto file = path("migrations/0002_notes.sql");
  auto text = read_file(file);
  const auto at = text.find("body TEXT");
  ASSERT_NE(at, std::string::npos);
  write_file(file, text.replace(at, 9, "body TEXT, extra INTEGER"));

  const auto result = upgrade_all();
  EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
  EXPECT_EQ(line_count(result.err), devices.size()) << result.err;
  expect_refused_unchanged(result.err, devices, before, ": 0002_notes.sql: the schema after the migration");
}

TEST_F(Fleet, ManyDatabasesUseEveryCoreByDefaultAndReportEachFile) {
  std::vector<fs::path> devices;
  for (int i = 0; i < 12; ++i) devices.push_back(device(fmt::format("device-{:02}", i)));
  write_file(path("fleet/zz-corrupt.sqlite3"), std::string(100, '\0') + std::string(8192, '\xa5'));
  const auto corrupt = file_sha256(path("fleet/zz-corrupt.sqlite3"));

  const auto result = upgrade_all();
  EXPECT_EQ(result.exit_code, 1) << result.err;
  for (const auto& db : devices) {
    EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2) << db;
    EXPECT_TRUE(contains(result.out, db.string() + ": upgraded from 1 to 2 (applied 0002_notes.sql)")) << result.out;
  }
  EXPECT_EQ(line_count(result.err), 1U) << result.err;
  EXPECT_TRUE(contains(result.err, "zz-corrupt.sqlite3")) << result.err;
  EXPECT_EQ(file_sha256(path("fleet/zz-corrupt.sqlite3")), corrupt);
}

}  // namespace

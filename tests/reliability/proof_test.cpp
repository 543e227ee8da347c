// What the generator proved stands in for the comparison only while it still describes the file:
// a generated part carries the digest of the schema its self-check verified; an edited part, an
// edited snapshot or a schema changed since are compared by meaning again. Each migration of a
// run has its own savepoint, and a failure names its file and statement while the whole run
// rolls back as one.
#include "reliability_support.hpp"

#include "litemig/applier.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

using namespace litemig::reliability;
using litemig::sqlite::database;
using litemig::sqlite::open_mode;

namespace {

class SchemaProofs : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    reference_ = path("reference.sqlite3");
    database(reference_, open_mode::create).execute("CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
    expect_ok(litemig({"generate", "--schema", reference_.string(), "--dir", migrations().string()}));
    database(reference_, open_mode::read_write)
        .execute("ALTER TABLE tune ADD COLUMN key TEXT; "
                 "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_ref INTEGER REFERENCES tune(id), body TEXT)");
    expect_ok(litemig({"generate", "--schema", reference_.string(), "--dir", migrations().string()}));
  }

  fs::path migrations() const { return path("migrations"); }
  fs::path second() const { return migrations() / "0002_add_note_and_add_key_to_tune.sql"; }

  process_result litemig(std::vector<std::string> args) { return run_litemig(std::move(args), dir_); }
  static void expect_ok(const process_result& r) { EXPECT_EQ(r.exit_code, 0) << r.out << r.err; }

  // NAME at version 1 with a tune.
  fs::path at_version_one(const std::string& name) {
    const auto db = path(name);
    expect_ok(litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--to", "1"}));
    database(db, open_mode::read_write).execute("INSERT INTO tune(title) VALUES ('The Kesh')");
    return db;
  }

  process_result upgrade(const fs::path& db) {
    return litemig({"upgrade", "--db", db.string(), "--dir", migrations().string(), "--no-backup"});
  }

  // The upgrade of DB is refused with EXIT_CODE and one line holding MESSAGE; DB is as it was.
  void expect_refused(const fs::path& db, int exit_code, const std::string& message) {
    const auto before = file_sha256(db);
    const auto result = upgrade(db);
    EXPECT_EQ(result.exit_code, exit_code) << result.out << result.err;
    EXPECT_EQ(line_count(result.err), 1u) << result.err;
    EXPECT_TRUE(contains(result.err, message)) << result.err;
    EXPECT_EQ(file_sha256(db), before);
  }

  // Replaces FROM by TO in FILE and records the edit in the directory's sum.
  void edit(const fs::path& file, const std::string& from, const std::string& to) {
    auto text = read_file(file);
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, from.size(), to);
    write_file(file, text);
    expect_ok(litemig({"hash", "--dir", migrations().string(), "--allow-older-edits"}));
  }

  fs::path reference_;
};

TEST_F(SchemaProofs, AGeneratedPartCarriesTheDigestItsResultIsRecordedWith) {
  const auto text = read_file(second());
  const auto up = litemig::parse_migration(second().filename().string(), text).up;
  ASSERT_TRUE(up.verified) << text;
  EXPECT_EQ(up.verified->snapshot, litemig::sha256_hex(read_file(migrations() / "snapshots/0002.sql")));

  const auto db = at_version_one("device.sqlite3");
  expect_ok(upgrade(db));
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
  EXPECT_EQ(query_text(db, "SELECT digest FROM litemig_verified_schema"), up.verified->schema);
  EXPECT_EQ(query_text(db, "SELECT snapshot FROM litemig_verified_schema"), up.verified->snapshot);
  expect_ok(litemig({"check", "--db", db.string(), "--dir", migrations().string()}));
}

TEST_F(SchemaProofs, AnEditedPartThatMissesItsDigestIsStillComparedByMeaning) {
  edit(second(), "ALTER TABLE \"tune\" ADD COLUMN key TEXT;", "ALTER TABLE \"tune\" ADD COLUMN key INTEGER;");
  ASSERT_TRUE(litemig::parse_migration(second().filename().string(), read_file(second())).up.verified);
  expect_refused(at_version_one("device.sqlite3"), 4,
                 "0002_add_note_and_add_key_to_tune.sql: the schema after the migration differs");
}

TEST_F(SchemaProofs, CheckComparesAgainWhenTheSnapshotOrTheSchemaChanged) {
  const auto db = at_version_one("device.sqlite3");
  expect_ok(upgrade(db));
  const auto check = [&] { return litemig({"check", "--db", db.string(), "--dir", migrations().string()}); };
  expect_ok(check());

  const auto snapshot = migrations() / "snapshots/0002.sql";
  const auto original = read_file(snapshot);
  edit(snapshot, "body TEXT", "body TEXT, rating INTEGER");
  auto result = check();
  EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
  EXPECT_TRUE(contains(result.out, "rating")) << result.out;

  write_file(snapshot, original);
  expect_ok(litemig({"hash", "--dir", migrations().string(), "--allow-older-edits"}));
  expect_ok(check());
  database(db, open_mode::read_write).execute("CREATE INDEX note_by_tune ON note(tune_ref)");
  result = check();
  EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
  EXPECT_TRUE(contains(result.out, "note_by_tune")) << result.out;
}

// Tables that the comparison leaves out (Alembic's, in any case) leave the recorded digest
// standing, so `check` keeps its shortcut on a database adopted from Alembic.
TEST_F(SchemaProofs, TheDigestCoversWhatTheComparisonCovers) {
  const auto db = at_version_one("device.sqlite3");
  expect_ok(upgrade(db));
  const auto recorded = query_text(db, "SELECT digest FROM litemig_verified_schema");
  const auto digest = [&] {
    database handle(db, open_mode::read_only);
    return litemig::schema_digest(handle);
  };
  database(db, open_mode::read_write)
      .execute("CREATE TABLE ALEMBIC_VERSION(version_num VARCHAR(32) NOT NULL PRIMARY KEY); "
               "CREATE INDEX alembic_by_version ON ALEMBIC_VERSION(version_num)");
  EXPECT_EQ(digest(), recorded);
  expect_ok(litemig({"check", "--db", db.string(), "--dir", migrations().string()}));

  database(db, open_mode::read_write).execute("CREATE TABLE rating(id INTEGER PRIMARY KEY)");
  EXPECT_NE(digest(), recorded);
}

TEST_F(SchemaProofs, ARecordOfAnOlderLitemigGainsTheSnapshotDigest) {
  const auto db = at_version_one("device.sqlite3");
  database(db, open_mode::read_write)
      .execute("DROP TABLE litemig_verified_schema; "
               "CREATE TABLE litemig_verified_schema(version INTEGER NOT NULL, digest TEXT NOT NULL)");
  expect_ok(upgrade(db));
  EXPECT_EQ(query_text(db, "SELECT snapshot FROM litemig_verified_schema"),
            litemig::sha256_hex(read_file(migrations() / "snapshots/0002.sql")));
  expect_ok(litemig({"check", "--db", db.string(), "--dir", migrations().string()}));
}

TEST_F(SchemaProofs, AFailureNamesItsMigrationAndStatementAndTheWholeRunRollsBack) {
  write_migration(migrations(), 3, "broken", "CREATE TABLE rating(id INTEGER PRIMARY KEY);\nINSERT INTO missing VALUES (1);\n",
                  "DROP TABLE rating;\n",
                  read_file(migrations() / "snapshots/0002.sql") + "CREATE TABLE rating(id INTEGER PRIMARY KEY);\n");
  expect_ok(litemig({"hash", "--dir", migrations().string()}));
  // Migration 0002 stays rolled back with 0003: the file is as it was at version 1.
  expect_refused(at_version_one("device.sqlite3"), 1,
                 "0003_broken.sql: no such table: missing (in: INSERT INTO missing VALUES (1);");
}

}  // namespace

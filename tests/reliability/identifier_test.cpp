// Identifiers with spaces, quotes, brackets, reserved words, leading spaces and non-ASCII
// letters, through the command-line tool: generate, upgrade, check, downgrade, upgrade again.
#include "reliability_support.hpp"

#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

using namespace litemig::reliability;
using litemig::sqlite::database;

namespace {

const std::string version_one = R"sql(
CREATE TABLE "play list"("id" INTEGER PRIMARY KEY, " Title" TEXT NOT NULL, "we""ird" INTEGER, "[bracketed]" TEXT,
                         "Grüße" TEXT, "select" TEXT);
CREATE TABLE "order"("id" INTEGER PRIMARY KEY, "play list id" INTEGER REFERENCES "play list"("id"), "group" TEXT);
CREATE INDEX "idx of ""order""" ON "order"("group");
CREATE INDEX " leading" ON "play list"(" Title");
CREATE VIEW "view [with] brackets" AS SELECT " Title", "Grüße" FROM "play list";
CREATE TRIGGER "on insert; really" AFTER INSERT ON "order" BEGIN
  UPDATE "play list" SET "we""ird" = coalesce("we""ird", 0) + 1 WHERE "id" = NEW."play list id";
END;
)sql";

// A column renamed, a type changed (a rebuild), a column added, a table renamed; the index,
// view and trigger follow.
const std::string version_two = R"sql(
CREATE TABLE "play list"("id" INTEGER PRIMARY KEY, " Name" TEXT NOT NULL, "we""ird" REAL, "[bracketed]" TEXT,
                         "Grüße" TEXT, "select" TEXT, "Straße" TEXT DEFAULT 'ß');
CREATE TABLE "täble ""order"""("id" INTEGER PRIMARY KEY, "play list id" INTEGER REFERENCES "play list"("id"), "group" TEXT);
CREATE INDEX "idx of ""order""" ON "täble ""order"""("group");
CREATE INDEX " leading" ON "play list"(" Name");
CREATE VIEW "view [with] brackets" AS SELECT " Name", "Grüße", "Straße" FROM "play list";
CREATE TRIGGER "on insert; really" AFTER INSERT ON "täble ""order""" BEGIN
  UPDATE "play list" SET "we""ird" = coalesce("we""ird", 0) + 1 WHERE "id" = NEW."play list id";
END;
)sql";

const std::string hints = R"(# awkward names, quoted SQL-style
rename column "play list"." Title" to " Name"
rename table "order" to "täble ""order"""
)";

class Identifiers : public reliability_test {
 protected:
  fs::path migrations() const { return path("migrations"); }
  fs::path reference() const { return path("reference.sqlite3"); }
  fs::path db() const { return path("app db.sqlite3"); }
  void set_reference(const std::string& sql) {
    fs::remove(reference());
    database(reference(), litemig::sqlite::open_mode::create).execute(sql);
  }
  process_result cli(std::vector<std::string> args) { return run_litemig(std::move(args), dir_); }
};

}  // namespace

TEST_F(Identifiers, AwkwardNamesSurviveGenerateUpgradeCheckAndDowngrade) {
  set_reference(version_one);
  auto first = cli({"generate", "--schema", reference().string(), "--dir", migrations().string()});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  auto created = cli({"upgrade", "--db", db().string(), "--dir", migrations().string()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  database(db()).execute(R"sql(
    INSERT INTO "play list"("id", " Title", "we""ird", "[bracketed]", "Grüße", "select")
      VALUES (1, ' Leading space', 3, '[x]', 'Grüße!', 'select'), (2, 'It''s "quoted"', NULL, ']', 'ü', NULL);
    INSERT INTO "order"("play list id", "group") VALUES (1, 'group by'), (2, 'ordér'), (1, NULL);
  )sql");
  ASSERT_EQ(query_int(db(), R"(SELECT "we""ird" FROM "play list" WHERE "id" = 1)"), 5) << "the trigger ran twice";
  const auto at_version_one = content_digest(db());
  EXPECT_EQ(cli({"check", "--db", db().string(), "--dir", migrations().string()}).exit_code, 0);

  set_reference(version_two);
  write_file(path("hints.txt"), hints);
  auto second = cli({"generate", "--schema", reference().string(), "--dir", migrations().string(), "--hints",
                     path("hints.txt").string(), "--name", "awkward names"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;

  auto upgraded = cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--backup-dir", path("backups").string()});
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
  auto checked = cli({"check", "--db", db().string(), "--dir", migrations().string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_EQ(query_text(db(), R"(SELECT group_concat(" Name", '|') FROM "play list")"), " Leading space|It's \"quoted\"");
  EXPECT_EQ(query_text(db(), R"(SELECT group_concat("Straße", '') FROM "play list")"), "ßß");
  EXPECT_EQ(query_int(db(), R"(SELECT count(*) FROM "täble ""order""")"), 3);
  EXPECT_EQ(query_text(db(), R"(SELECT "Grüße" FROM "view [with] brackets" WHERE " Name" = ' Leading space')"), "Grüße!");
  EXPECT_EQ(query_text(db(), "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  database(db()).execute(R"(INSERT INTO "täble ""order"""("play list id") VALUES (2))");
  EXPECT_EQ(query_int(db(), R"(SELECT "we""ird" FROM "play list" WHERE "id" = 2)"), 2) << "the trigger was not recreated";
  database(db()).execute(R"(DELETE FROM "täble ""order""" WHERE "id" = 4; UPDATE "play list" SET "we""ird" = 1 WHERE "id" = 2)");

  auto down = cli({"downgrade", "--db", db().string(), "--dir", migrations().string(), "--to", "1", "--no-backup"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(cli({"check", "--db", db().string(), "--dir", migrations().string()}).exit_code, 0);
  EXPECT_EQ(content_digest(db()), at_version_one) << "the round trip changed the data";

  auto again = cli({"upgrade", "--db", db().string(), "--dir", migrations().string(), "--no-backup"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(cli({"check", "--db", db().string(), "--dir", migrations().string()}).exit_code, 0);
  EXPECT_EQ(cli({"generate", "--schema", reference().string(), "--dir", migrations().string(), "--hints",
                 path("hints.txt").string()}).out.find("no changes") != std::string::npos, true);
}

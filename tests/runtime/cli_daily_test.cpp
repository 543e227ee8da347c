// End to end: what a team reaches for every day (head and relative targets, show, dry runs,
// project settings, diagrams) with the real litemig binary on real files.
#include "runtime_test_support.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <map>
#include <sstream>

using namespace litemig;
using namespace litemig::testing;

namespace {


class CliDaily : public runtime_test {
 protected:
  void SetUp() override {
    runtime_test::SetUp();
    write_library_migrations(migrations());
  }
  fs::path migrations() const { return path("migrations"); }
  std::string dir() const { return migrations().string(); }
  process_result litemig(std::vector<std::string> args) { return run_litemig(std::move(args), dir_); }

  // Runs litemig in the folder CWD with the LITEMIG_* variables ENV (and no others of its kind).
  process_result litemig_in(const fs::path& cwd, const std::map<std::string, std::string>& env,
                            std::vector<std::string> args) {
    surroundings around{cwd, {}};
    for (const char* name : {"LITEMIG_DIR", "LITEMIG_DB", "LITEMIG_REFERENCE", "LITEMIG_HINTS"}) around.environment[name] = std::nullopt;
    for (const auto& [name, value] : env) around.environment[name] = value;
    return run({litemig_argv(std::move(args)), std::nullopt, path("in.out"), path("in.err")}, around);
  }
};

}  // namespace

TEST_F(CliDaily, HeadAndRelativeTargetsMoveFromTheDatabasesVersion) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations(), 5);

  auto next = litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--to", "+1", "--no-backup"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
  auto head = litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--to", "head", "--no-backup"});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3);
  auto back = litemig({"downgrade", "--db", db.string(), "--dir", dir(), "--to", "-2", "--no-backup"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tune"), 5);

  const auto before = file_sha256(db);
  for (const auto& bad : {std::vector<std::string>{"downgrade", "--db", db.string(), "--dir", dir(), "--to", "-2"},
                          std::vector<std::string>{"upgrade", "--db", db.string(), "--dir", dir(), "--to", "+3"},
                          std::vector<std::string>{"upgrade", "--db", db.string(), "--dir", dir(), "--to", "latest"}}) {
    auto refused = litemig(bad);
    EXPECT_EQ(refused.exit_code, 2) << bad[0] << " " << bad.back();
    EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
    EXPECT_EQ(file_sha256(db), before);
  }

  auto stamped = litemig({"stamp", "--db", db.string(), "--dir", dir(), "--to", "head", "--allow-checksum-mismatch"});
  ASSERT_EQ(stamped.exit_code, 0) << stamped.err;
  EXPECT_TRUE(contains(stamped.out, "stamped as version 3")) << stamped.out;
}

TEST_F(CliDaily, ARelativeTargetCountsFromTheVersionAnUnversionedDatabaseIsAdoptedAt) {
  const auto db = path("legacy.sqlite3");
  { sqlite::database(db, sqlite::open_mode::create).execute(read_file(migrations() / "snapshots/0002.sql")); }
  auto dry = litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--to", "+1", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(contains(dry.out, "version 2 to 3, 1 migration (adopted as 2 first)")) << dry.out;
  auto next = litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--to", "+1", "--no-backup"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_TRUE(contains(next.out, "adopted as 2")) << next.out;
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3);
}

TEST_F(CliDaily, CurrentWithADirectorySaysHeadOrHowManyArePending) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations(), 1);
  auto behind = litemig({"current", "--db", db.string(), "--dir", dir()});
  ASSERT_EQ(behind.exit_code, 0) << behind.err;
  EXPECT_TRUE(contains(behind.out, "2 migrations pending (head is 3)")) << behind.out;
  ASSERT_EQ(litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--to", "2", "--no-backup"}).exit_code, 0);
  EXPECT_TRUE(contains(litemig({"current", "--db", db.string(), "--dir", dir()}).out, "; 1 migration pending"));
  ASSERT_EQ(litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--no-backup"}).exit_code, 0);
  auto at_head = litemig({"current", "--db", db.string(), "--dir", dir()});
  EXPECT_TRUE(contains(at_head.out, "(head)")) << at_head.out;
  auto json = litemig({"current", "--db", db.string(), "--dir", dir(), "--json"});
  EXPECT_TRUE(contains(json.out, "\"head\": 3, \"pending\": 0")) << json.out;
}

TEST_F(CliDaily, ShowPrintsTheMigrationAsTheApplierReadsIt) {
  auto shown = litemig({"show", "2", "--dir", dir()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(contains(shown.out, "0002_notes.sql")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "checksum: " + file_sha256(migrations() / "0002_notes.sql"))) << shown.out;
  EXPECT_TRUE(contains(shown.out, "-- litemig:foreign-key-check \"note\"")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "INSERT INTO note(tune_id, body)")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "DROP TABLE note;")) << shown.out;
  EXPECT_LT(shown.out.find("CREATE TABLE note"), shown.out.find("DROP TABLE note")) << "up before down";

  auto head = litemig({"show", "head", "--dir", dir(), "--json"});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_TRUE(contains(head.out, "\"name\": \"tune_mode\"")) << head.out;
  auto missing = litemig({"show", "9", "--dir", dir()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(line_count(missing.err), 1u) << missing.err;
}

TEST_F(CliDaily, DryRunPrintsThePendingSqlAndOnlyReads) {
  const auto db = path("app.sqlite3");
  create_library_database(db, migrations(), 3);
  ::chmod(db.c_str(), 0444);  // a writer's open would be refused: the dry run only reads
  const auto before = file_sha256(db);

  auto dry = litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  const auto notes = dry.out.find("INSERT INTO note(tune_id, body)");
  const auto mode = dry.out.find("ALTER TABLE tune ADD COLUMN mode");
  ASSERT_NE(notes, std::string::npos) << dry.out;
  ASSERT_NE(mode, std::string::npos) << dry.out;
  EXPECT_LT(notes, mode) << "in the order they would run";
  EXPECT_FALSE(contains(dry.out, "CREATE TABLE tune(")) << "migration 1 is applied already";
  EXPECT_TRUE(contains(dry.out, "version 1 to 3, 2 migrations")) << dry.out;

  auto as_json = litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--sql", "--json", "--to", "+1"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_TRUE(contains(as_json.out, "\"from\": 1, \"to\": 2")) << as_json.out;
  EXPECT_FALSE(contains(as_json.out, "ADD COLUMN mode")) << as_json.out;
  EXPECT_EQ(file_sha256(db), before);

  ::chmod(db.c_str(), 0644);
  ASSERT_EQ(litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--no-backup"}).exit_code, 0);
  const auto upgraded = file_sha256(db);
  auto down = litemig({"downgrade", "--db", db.string(), "--dir", dir(), "--to", "1", "--dry-run"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_LT(down.out.find("ALTER TABLE tune DROP COLUMN mode"), down.out.find("DROP TABLE note")) << down.out;
  EXPECT_EQ(file_sha256(db), upgraded);

  const auto fresh = path("fresh.sqlite3");
  auto nothing_yet = litemig({"upgrade", "--db", fresh.string(), "--dir", dir(), "--dry-run"});
  ASSERT_EQ(nothing_yet.exit_code, 0) << nothing_yet.err;
  EXPECT_TRUE(contains(nothing_yet.out, "version 0 to 3, 3 migrations")) << nothing_yet.out;
  EXPECT_FALSE(fs::exists(fresh)) << "a dry run creates no database";

  write_file(migrations() / "0002_notes.sql", read_file(migrations() / "0002_notes.sql") + "-- edited\n");
  auto edited = litemig({"downgrade", "--db", db.string(), "--dir", dir(), "--to", "1", "--dry-run"});
  EXPECT_EQ(edited.exit_code, 6) << "what the command would refuse, its dry run refuses";
  EXPECT_EQ(line_count(edited.err), 1u) << edited.err;
  EXPECT_EQ(litemig({"downgrade", "--db", db.string(), "--dir", dir(), "--to", "1", "--dry-run", "--allow-checksum-mismatch"})
                .exit_code,
            0);

  { sqlite::database(db).execute("PRAGMA user_version = 9"); }
  EXPECT_EQ(litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--dry-run"}).exit_code, 5);
}

TEST_F(CliDaily, ProjectSettingsComeFromTheFileAboveThenTheEnvironmentThenTheCommandLine) {
  const auto project = path("project");
  fs::create_directories(project / "src" / "deep");
  fs::rename(migrations(), project / "migrations");
  write_file(project / "litemig.conf", "# the team's settings\ndir = migrations\ndb = dev.sqlite3\n");

  auto from_file = litemig_in(project / "src" / "deep", {}, {"upgrade", "--no-backup"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(query_int(project / "dev.sqlite3", "PRAGMA user_version"), 3) << "paths are relative to the file";

  const auto other = path("other.sqlite3");
  auto from_env = litemig_in(project / "src", {{"LITEMIG_DB", other.string()}}, {"upgrade", "--no-backup", "--to", "1"});
  ASSERT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_EQ(query_int(other, "PRAGMA user_version"), 1) << "the environment overrides the file";

  const auto third = path("third.sqlite3");
  auto from_flag = litemig_in(project, {{"LITEMIG_DB", other.string()}}, {"upgrade", "--db", third.string(), "--no-backup"});
  ASSERT_EQ(from_flag.exit_code, 0) << from_flag.err;
  EXPECT_EQ(query_int(third, "PRAGMA user_version"), 3) << "the command line overrides both";
  EXPECT_EQ(query_int(other, "PRAGMA user_version"), 1);

  auto current = litemig_in(project, {}, {"current"});
  EXPECT_TRUE(contains(current.out, "(head)")) << current.out << current.err;

  write_file(project / "litemig.conf", "dir = migrations\ndatabase = dev.sqlite3\n");
  auto unknown = litemig_in(project, {}, {"history"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(line_count(unknown.err), 1u) << unknown.err;
  EXPECT_TRUE(contains(unknown.err, "litemig.conf: unknown setting 'database'")) << unknown.err;
  write_file(project / "litemig.conf", "dir =\n");
  auto empty = litemig_in(project, {}, {"history"});
  EXPECT_EQ(empty.exit_code, 2) << "an empty path would name the file's own folder";
  EXPECT_TRUE(contains(empty.err, "the setting 'dir' is empty")) << empty.err;
  write_file(project / "litemig.conf", "dir migrations\n");
  auto malformed = litemig_in(project, {}, {"history"});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_EQ(line_count(malformed.err), 1u) << malformed.err;
  EXPECT_TRUE(contains(malformed.err, "litemig.conf")) << malformed.err;
}

TEST_F(CliDaily, DiagramDrawsTablesKeysAndRelationshipsAsMermaid) {
  auto at_head = litemig({"diagram", "--dir", dir()});
  ASSERT_EQ(at_head.exit_code, 0) << at_head.err;
  EXPECT_EQ(at_head.out.rfind("erDiagram\n", 0), 0u) << at_head.out;
  EXPECT_TRUE(contains(at_head.out, "  tune {\n    INTEGER id PK\n")) << at_head.out;
  EXPECT_TRUE(contains(at_head.out, "INTEGER tune_id FK \"NOT NULL\"")) << at_head.out;
  EXPECT_TRUE(contains(at_head.out, "TEXT mode \"NOT NULL\"")) << at_head.out;
  EXPECT_TRUE(contains(at_head.out, "tune ||--o{ note : \"tune_id\"")) << at_head.out;

  auto first = litemig({"diagram", "--dir", dir(), "--version", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_FALSE(contains(first.out, "note {")) << first.out;

  auto change = litemig({"diagram", "--dir", dir(), "--migration", "3"});
  ASSERT_EQ(change.exit_code, 0) << change.err;
  EXPECT_TRUE(contains(change.out, "%% table tune: changed")) << change.out;
  EXPECT_TRUE(contains(change.out, "TEXT mode \"NOT NULL, added\"")) << change.out;
  EXPECT_FALSE(contains(change.out, "title \"NOT NULL, ")) << "an unchanged column is not marked";

  const auto db = path("app.sqlite3");
  ASSERT_EQ(litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--no-backup"}).exit_code, 0);
  const auto before = file_sha256(db);
  auto live = litemig({"diagram", "--db", db.string()});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  EXPECT_EQ(live.out.substr(live.out.find("  note {")), at_head.out.substr(at_head.out.find("  note {")));
  EXPECT_EQ(file_sha256(db), before);

  auto unknown = litemig({"diagram", "--dir", dir(), "--version", "7"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(line_count(unknown.err), 1u) << unknown.err;
}

TEST_F(CliDaily, DiagramNamesEveryTableDistinctlyAndNeverReadsAFifo) {
  const auto db = path("awkward.sqlite3");
  {
    sqlite::database created(db, sqlite::open_mode::create);
    created.execute("CREATE TABLE \"a b\"(id INTEGER PRIMARY KEY, \"x y\" DECIMAL(10,2) UNIQUE);"
                    "CREATE TABLE a_b(id INTEGER PRIMARY KEY, ref INTEGER REFERENCES \"a b\"(id));"
                    "CREATE TABLE \"line\nbreak\"(v)");
  }
  auto drawn = litemig({"diagram", "--db", db.string()});
  ASSERT_EQ(drawn.exit_code, 0) << drawn.err;
  EXPECT_TRUE(contains(drawn.out, "  a_b {\n")) << "a name Mermaid reads keeps it: " << drawn.out;
  EXPECT_TRUE(contains(drawn.out, "  a_b_2[\"a b\"] {\n")) << drawn.out;
  EXPECT_TRUE(contains(drawn.out, "DECIMAL(10_2) x_y UK")) << drawn.out;
  EXPECT_TRUE(contains(drawn.out, "a_b_2 |o--o{ a_b : \"ref\"")) << drawn.out;
  EXPECT_TRUE(contains(drawn.out, "line_break[\"line break\"] {")) << drawn.out;

  const auto fifo = path("schema.sql");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const auto* command : {"diagram", "diff"}) {
    auto refused = command == std::string("diff") ? litemig({"diff", fifo.string(), db.string()})
                                                  : litemig({"diagram", "--db", fifo.string()});
    EXPECT_EQ(refused.exit_code, 1) << command;
    EXPECT_TRUE(contains(refused.err, "not a regular file")) << refused.err;
  }
}

TEST_F(CliDaily, CountsTakeTheRightNumberAndHelpFitsTheTerminal) {
  const auto db = path("app.sqlite3");
  ASSERT_EQ(litemig({"upgrade", "--db", db.string(), "--dir", dir(), "--no-backup"}).exit_code, 0);
  { sqlite::database(db).execute("ALTER TABLE note ADD COLUMN rating INTEGER"); }
  auto checked = litemig({"check", "--db", db.string(), "--dir", dir()});
  EXPECT_EQ(checked.exit_code, 4);
  EXPECT_TRUE(contains(checked.err, "in 1 place")) << checked.err;

  EXPECT_TRUE(contains(litemig({"generate", "--help"}).out, "--min-sqlite VERSION"));
  for (const auto* command : {"--help", "generate", "diff", "hash", "upgrade", "downgrade", "current", "history", "check", "stamp",
                              "embed", "verify", "show", "diagram"}) {
    const auto help = command == std::string("--help") ? litemig({"--help"}) : litemig({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    std::istringstream lines(help.out);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_LE(line.size(), 79u) << command << ": " << line;
      EXPECT_TRUE(line.empty() || line.back() != ' ') << command << ": trailing space in: " << line;
      EXPECT_FALSE(contains(line, " arg ")) << command << ": an unnamed value in: " << line;
    }
  }
}

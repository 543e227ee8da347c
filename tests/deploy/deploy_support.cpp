#include "deploy_support.hpp"

#include "litemig/applier.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

namespace deploy_test {

namespace {

const char* const snapshot_1 =
    "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n"
    "CREATE TABLE note (id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n"
    "CREATE VIEW tune_list AS SELECT id, title FROM tune;\n";

const char* const migration_1 =
    "-- litemig:up\n"
    "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n"
    "CREATE TABLE note (id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n"
    "CREATE VIEW tune_list AS SELECT id, title FROM tune;\n"
    "-- litemig:down\n"
    "DROP VIEW tune_list;\nDROP TABLE note;\nDROP TABLE tune;\n";

void write_snapshot(const fs::path& dir, long version, const std::string& sql) {
  write_file(dir / litemig::snapshot_file_name(version), sql);
}

// Five tunes (two share a title) with a note each; the note text holds a quote.
void add_rows(const fs::path& db) {
  litemig::sqlite::database handle(db);
  litemig::sqlite::transaction data(handle);
  const char* titles[] = {"The Kesh", "Butterfly", "Out on the Ocean", "The Kesh", "Drowsy Maggie"};
  for (int id = 1; id <= 5; ++id) {
    auto insert = handle.prepare("INSERT INTO tune (id, title) VALUES (?, ?)");
    insert.bind(1, std::int64_t{id}).bind(2, std::string_view(titles[id - 1]));
    insert.step();
    auto note = handle.prepare("INSERT INTO note (id, tune_id, body) VALUES (?, ?, ?)");
    note.bind(1, std::int64_t{id * 10}).bind(2, std::int64_t{id}).bind(3, std::string_view("learnt it's 'tricky'"));
    note.step();
  }
  data.commit();
}

}  // namespace

command_result run(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> argv{program};
  argv.insert(argv.end(), args.begin(), args.end());
  return litemig::testing::run(std::move(argv), fresh_dir("capture"));
}

command_result run_tool(const std::vector<std::string>& args) { return run(LITEMIG_CLI, args); }

void local_deploy_test::SetUp() {
  root = fresh_dir("work");
  migrations = root / "migrations";
  write_migrations(migrations);
  db = root / "prod" / "tunetrees.sqlite3";
  fs::create_directories(db.parent_path());
  make_production_database(db, migrations, 1);
  backups = root / "backups";
  original_sha = file_sha256(db);
  original_notes = rows(db, "note");
}

command_result local_deploy_test::deploy(std::vector<std::string> extra) {
  std::vector<std::string> args{"deploy", "--source", db.string(), "--dir", migrations.string(),
                                "--backup-dir", backups.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_tool(args);
}

void write_migrations(const fs::path& dir) {
  write_file(dir / "0001_initial.sql", migration_1);
  write_snapshot(dir, 1, snapshot_1);
  write_file(dir / "0002_tune_mode.sql",
             "-- litemig:up\n"
             "ALTER TABLE tune ADD COLUMN mode TEXT;\n"
             "DROP VIEW tune_list;\n"
             "CREATE VIEW tune_list AS SELECT id, title, mode FROM tune;\n"
             "-- litemig:down\n"
             "DROP VIEW tune_list;\n"
             "ALTER TABLE tune DROP COLUMN mode;\n"
             "CREATE VIEW tune_list AS SELECT id, title FROM tune;\n");
  write_snapshot(dir, 2,
                 "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT);\n"
                 "CREATE TABLE note (id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n"
                 "CREATE VIEW tune_list AS SELECT id, title, mode FROM tune;\n");
  write_file(dir / "0003_note_text.sql",
             "-- litemig:up\n"
             "ALTER TABLE note RENAME COLUMN body TO text;\n"
             "-- litemig:down\n"
             "ALTER TABLE note RENAME COLUMN text TO body;\n");
  write_snapshot(dir, 3,
                 "CREATE TABLE tune (id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT);\n"
                 "CREATE TABLE note (id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), text TEXT);\n"
                 "CREATE VIEW tune_list AS SELECT id, title, mode FROM tune;\n");
}

void write_failing_migrations(const fs::path& dir) {
  write_file(dir / "0001_initial.sql", migration_1);
  write_snapshot(dir, 1, snapshot_1);
  write_file(dir / "0002_unique_title.sql",
             "-- litemig:up\n"
             "CREATE UNIQUE INDEX tune_title ON tune(title);\n"
             "-- litemig:down\n"
             "DROP INDEX tune_title;\n");
  write_snapshot(dir, 2, std::string(snapshot_1) + "CREATE UNIQUE INDEX tune_title ON tune(title);\n");
}

void make_production_database(const fs::path& db, const fs::path& migrations_dir, long version) {
  litemig::apply_options options;
  options.target = version;
  options.backup = false;
  litemig::upgrade(db, litemig::migration_set::from_directory(migrations_dir), options);
  add_rows(db);
}

void copy_with_a_commit_only_in_the_log(const fs::path& db, const fs::path& copy) {
  litemig::sqlite::database writer(db);
  writer.execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
  writer.execute("INSERT INTO note(tune_id, body) SELECT id, 'only in the log' FROM tune LIMIT 1");
  fs::copy_file(db, copy);
  fs::copy_file(db.string() + "-wal", copy.string() + "-wal");
}

void make_database_without_bookkeeping(const fs::path& db, const fs::path& migrations_dir, long version) {
  litemig::sqlite::database(db, litemig::sqlite::open_mode::create)
      .execute(read_file(migrations_dir / litemig::snapshot_file_name(version)));
  add_rows(db);
}

void break_view(const fs::path& db) {
  litemig::sqlite::database handle(db);
  handle.execute("DROP VIEW tune_list; CREATE VIEW tune_list AS SELECT id, title, mode, key FROM tune;");
}

std::vector<std::string> rows(const fs::path& db, const std::string& table) {
  litemig::sqlite::database handle(db, litemig::sqlite::open_mode::read_only);
  auto select = handle.prepare("SELECT * FROM " + litemig::sqlite::quote_identifier(table) + " ORDER BY id");
  std::vector<std::string> result;
  while (select.step()) {
    std::string row;
    for (int i = 0; i < select.column_count(); ++i) {
      row += (select.is_null(i) ? std::string("NULL") : select.column_text(i)) + "|";
    }
    result.push_back(row);
  }
  return result;
}

long user_version(const fs::path& db) {
  litemig::sqlite::database handle(db, litemig::sqlite::open_mode::read_only);
  return static_cast<long>(handle.user_version());
}

}  // namespace deploy_test

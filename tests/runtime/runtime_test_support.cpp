#include "runtime_test_support.hpp"

#include "litemig/applier.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <string>

namespace litemig::testing {

void write_library_migrations(const fs::path& dir) {
  const std::string tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
  const std::string note =
      "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n";
  const std::string tune_with_mode =
      "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'major');\n";
  write_migration(dir, 1, "initial", tune, "DROP TABLE tune;", tune);
  write_migration(dir, 2, "notes",
                  "-- litemig:foreign-key-check \"note\"\n" + note +
                      "INSERT INTO note(tune_id, body) SELECT id, 'imported' FROM tune;",
                  "DROP TABLE note;", tune + note);
  write_migration(dir, 3, "tune_mode", "ALTER TABLE tune ADD COLUMN mode TEXT NOT NULL DEFAULT 'major';",
                  "ALTER TABLE tune DROP COLUMN mode;", tune_with_mode + note);
}

void create_library_database(const fs::path& db, const fs::path& migrations, int tunes) {
  apply_options options;
  options.target = 1;
  options.backup = false;
  fs::create_directories(db.parent_path());
  upgrade(db, migration_set::from_directory(migrations), options);
  sqlite::database connection(db);
  connection.execute(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(tunes) +
      ") INSERT INTO tune(title) SELECT 'tune ' || i FROM n");
}

}  // namespace litemig::testing

#include "reliability_support.hpp"

#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

namespace litemig::reliability {

void write_tune_and_note_migrations(const fs::path& dir) {
  const std::string tune = "CREATE TABLE tune(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
  const std::string note =
      "CREATE TABLE note(id INTEGER PRIMARY KEY, tune_id INTEGER NOT NULL REFERENCES tune(id), body TEXT);\n";
  write_migration(dir, 1, "initial", tune, "DROP TABLE tune;", tune);
  write_migration(dir, 2, "notes", note + "INSERT INTO note(tune_id, body) SELECT id, 'imported' FROM tune;",
                  "DROP TABLE note;", tune + note);
}

namespace {

// Appends every row of TABLE, in the order of all its columns, typed, to TEXT.
void append_rows(sqlite::database& db, const std::string& table, std::string& text) {
  const auto quoted = sqlite::quote_identifier(table);
  const auto columns = db.query_int("SELECT count(*) FROM pragma_table_info(" + sqlite::quote_literal(table) + ")").value_or(0);
  std::string order;
  for (std::int64_t i = 1; i <= columns; ++i) order += (i > 1 ? ", " : "") + std::to_string(i);
  auto rows = db.prepare("SELECT * FROM " + quoted + (order.empty() ? "" : " ORDER BY " + order));
  text += "table " + table + "\n";
  while (rows.step()) {
    for (int c = 0; c < rows.column_count(); ++c) {
      text += std::to_string(static_cast<int>(rows.column_type(c))) + ":" + (rows.is_null(c) ? "" : rows.column_text(c)) + "\x1f";
    }
    text += "\n";
  }
}

}  // namespace

std::string content_digest(const fs::path& db_path) {
  sqlite::database db(db_path, sqlite::open_mode::read_only);
  std::string text = "user_version " + std::to_string(db.user_version()) + "\n";
  std::vector<std::string> tables;
  auto names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  while (names.step()) tables.push_back(names.column_text(0));
  for (const auto& table : tables) append_rows(db, table, text);
  return sha256_hex(text);
}

std::string table_digest(const fs::path& db_path, const std::string& table) {
  sqlite::database db(db_path, sqlite::open_mode::read_only);
  std::string text;
  append_rows(db, table, text);
  return sha256_hex(text);
}

}  // namespace litemig::reliability

// The deploy suite's fixtures over the shared test support: a small migrations directory and a
// production database at an old version with real rows.
#pragma once

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace deploy_test {

using namespace litemig::testing;
using command_result = process_result;

// Runs PROGRAM (a path or a name in PATH) with ARGS, no shell, and collects its output.
command_result run(const std::string& program, const std::vector<std::string>& args);
// Runs the litemig executable under test.
command_result run_tool(const std::vector<std::string>& args);

// Writes migrations 0001..0003 with their snapshots: tune/note tables, a tune_list view,
// 0002 adds tune.mode, 0003 renames note.body to note.text (which re-reads every view).
void write_migrations(const fs::path& dir);
// The same, but 0002 creates a unique index on tune.title, which duplicate titles break.
void write_failing_migrations(const fs::path& dir);

// A database at VERSION of the migrations in DIR holding tunes and notes (two tunes share a title).
void make_production_database(const fs::path& db, const fs::path& migrations_dir, long version);
// The schema of VERSION and the same rows, but no litemig bookkeeping: a database from before litemig.
void make_database_without_bookkeeping(const fs::path& db, const fs::path& migrations_dir, long version);
// Replaces the tune_list view by a stale one naming a column that does not exist.
void break_view(const fs::path& db);

// Switches DB to WAL mode, adds a note that stays in its -wal file, and copies DB and its -wal
// to COPY and COPY-wal while the log still holds that note.
void copy_with_a_commit_only_in_the_log(const fs::path& db, const fs::path& copy);

// Every row of TABLE, ordered by id, one string per row: what a user relies on being kept.
std::vector<std::string> rows(const fs::path& db, const std::string& table);
long user_version(const fs::path& db);

// A production database at version 1 of write_migrations() in a local folder, deployed with
// backups into their own folder.
class local_deploy_test : public ::testing::Test {
 protected:
  void SetUp() override;
  // `litemig deploy` of the database with EXTRA options.
  command_result deploy(std::vector<std::string> extra);

  fs::path root, migrations, db, backups;
  std::string original_sha;
  std::vector<std::string> original_notes;
};

}  // namespace deploy_test

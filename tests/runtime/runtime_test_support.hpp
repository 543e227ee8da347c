// Shared by the runtime tests: a private folder per test, a small migrations directory written
// by the test, real litemig processes and file fingerprints.
#pragma once

#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace litemig::testing {

namespace fs = std::filesystem;

// A fresh folder for the running test, removed when the test ends.
class runtime_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  fs::path path(const std::string& name) const { return dir_ / name; }

  fs::path dir_;
};

void write_file(const fs::path& path, const std::string& text);
std::string read_file(const fs::path& path);
// SHA-256 of the file's bytes: "unchanged" means byte-identical.
std::string file_sha256(const fs::path& path);

// Writes DIR/NNNN_slug.sql with its up and down parts and DIR/snapshots/NNNN.sql.
void write_migration(const fs::path& dir, std::int64_t version, const std::string& slug, const std::string& up,
                     const std::string& down, const std::string& snapshot);

// The library used by most tests: tunes (1), notes seeded from tunes (2), a mode column (3).
void write_library_migrations(const fs::path& dir);
inline constexpr std::int64_t library_latest = 3;
// Creates DB at version 1 of the library migrations with TUNES rows.
void create_library_database(const fs::path& db, const fs::path& migrations, int tunes);

std::int64_t query_int(const fs::path& db, const std::string& sql);

struct process_result {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Starts the litemig binary with ARGS, its output going to OUT and ERR.
pid_t start_cli(const std::vector<std::string>& args, const fs::path& out, const fs::path& err);
int wait_for(pid_t pid);
// Runs litemig to completion.
process_result run_cli(const std::vector<std::string>& args, const fs::path& scratch);

}  // namespace litemig::testing

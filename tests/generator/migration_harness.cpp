#include "migration_harness.hpp"
#include "test_support.hpp"

#include "litemig/errors.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"
#include "litemig/verify.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;

namespace litemig::testing {

migration_harness::migration_harness(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = fs::temp_directory_path() /
         fmt::format("litemig_gen_{}_{}_{}", info ? info->name() : "x", name, ::getpid());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

migration_harness::~migration_harness() {
  std::error_code ignored;
  if (!::testing::Test::HasFailure()) fs::remove_all(dir_, ignored);
}

void migration_harness::set_reference(const std::string& sql) {
  fs::remove(reference());
  sqlite::database db(reference(), sqlite::open_mode::create);
  db.execute(sql);
}

generate_result migration_harness::generate(const std::string& hints_text, const std::string& name) {
  generate_options options;
  options.reference = reference();
  options.dir = migrations();
  if (!name.empty()) options.name = name;
  if (!hints_text.empty()) {
    std::ofstream(dir_ / "hints.txt") << hints_text;
    options.hints_file = dir_ / "hints.txt";
  }
  return litemig::generate(options);
}

generate_result migration_harness::generate_accepting_suggestions() {
  std::string hints_text;
  for (int round = 0; round < 5; ++round) {
    auto result = generate(hints_text);
    if (result.result != generate_result::outcome::decisions_needed) return result;
    for (const auto& d : result.decisions) hints_text += d.choices.front().text() + "\n";
  }
  throw std::runtime_error("decisions kept coming after accepting the suggestions");
}

std::string migration_harness::read_migration(std::int64_t version) const {
  for (const auto& entry : fs::directory_iterator(migrations())) {
    if (entry.path().filename().string().starts_with(fmt::format("{:04}_", version))) return read_file(entry.path());
  }
  return {};
}

std::vector<std::string> migration_harness::verify_step(std::int64_t version, int rows, std::uint32_t seed, bool* refused) {
  try {
    verify_options options;
    options.rows = rows;
    options.seed = seed;
    const auto report = verify_migration(migration_set::from_directory(migrations()), version, options);
    if (refused != nullptr && report.code == exit_code::preflight) {
      *refused = true;
      return {};
    }
    return report.problems;
  } catch (const std::exception& e) {
    return {e.what()};
  }
}

}  // namespace litemig::testing

// A scratch project for generator tests: a reference database, a migrations directory, and
// the full check of one migration on a database with rows (the same checks `litemig verify`
// makes, through the same runtime applier the product uses).
#pragma once

#include "litemig/generate.hpp"
#include "test_support.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace litemig::testing {

class migration_harness {
 public:
  explicit migration_harness(const std::string& name);
  ~migration_harness();

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path migrations() const { return dir_ / "migrations"; }
  std::filesystem::path reference() const { return dir_ / "reference.sqlite3"; }

  // Replaces the reference database by one built from SQL.
  void set_reference(const std::string& sql);
  // Runs generate with HINTS_TEXT as the hints file (none when empty).
  generate_result generate(const std::string& hints_text = {}, const std::string& name = {});
  // Runs generate, taking the first (suggested) choice of every decision, as a user accepting
  // litemig's suggestions would.
  generate_result generate_accepting_suggestions();

  // `litemig verify`'s check (verify_migration) of VERSION with ROWS rows per table: up, down and up
  // again, schema, integrity, foreign keys and kept values after each. Returns the problems.
  // When REFUSED is given, a pre-flight refusal of the sample rows (a new constraint they break)
  // sets it instead of counting as a problem (the applier leaves the database untouched).
  std::vector<std::string> verify_step(std::int64_t version, int rows = 12, std::uint32_t seed = 7, bool* refused = nullptr);

  std::string read_migration(std::int64_t version) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace litemig::testing

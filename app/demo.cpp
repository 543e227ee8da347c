#include "demo.hpp"

#include "demo_data.hpp"
#include "launch.hpp"

#include "litemig/applier.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <iostream>

namespace tunetrees {

namespace {
constexpr std::int64_t demo_schema_version = 1;
}

void create_demo_database(const std::filesystem::path& db) {
  if (std::filesystem::exists(db)) return;
  litemig::apply_options options;
  options.target = demo_schema_version;
  options.backup = false;
  litemig::upgrade(db, migrations(), options);
  litemig::sqlite::database connection(db);
  litemig::sqlite::transaction tx(connection);
  connection.execute(demo_data_sql);
  tx.commit();
  std::cout << fmt::format("tunetrees: created demo database {} at schema version {}\n", db.string(),
                           demo_schema_version);
}

}  // namespace tunetrees

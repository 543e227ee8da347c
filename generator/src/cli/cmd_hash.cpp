#include "tool_commands.hpp"
#include "options.hpp"

#include "litemig/generate.hpp"
#include "litemig/migration.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace litemig::cli {

int hash_command(const arguments& args) {
  return run_reporting_errors("hash", [&] {
    command_spec spec{"hash", "litemig hash --dir MIGRATIONS_DIR [--allow-older-edits]",
                      "Re-records MIGRATIONS_DIR/litemig.sum after a deliberate edit of the newest migration (for\n"
                      "example a data migration added by hand). Until then, generate and the build refuse a\n"
                      "directory whose files changed. An edit of an older migration or snapshot is refused\n"
                      "(exit 6): databases may have applied it already."};
    spec.options.add_options()("dir", po::value<std::string>()->required()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("allow-older-edits", "record edits of older migrations too (only when no database has applied them)");
    spec.project = {{"dir", "dir"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;
    const std::filesystem::path dir = values["dir"].as<std::string>();
    const auto count = record_sum(dir, values.count("allow-older-edits") != 0);
    std::cout << fmt::format("recorded {} in {}\n", count_of(static_cast<std::int64_t>(count), "file"), (dir / sum_file_name).string());
    return 0;
  });
}

}  // namespace litemig::cli

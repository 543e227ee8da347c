// litemig show: one migration as the applier reads it: name, checksum, directives and SQL.
#include "commands.hpp"
#include "migration_commands.hpp"
#include "options.hpp"

#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <iostream>

namespace litemig::cli {

namespace {

// The part's plan and foreign-key checks, as the directive lines that declare them.
std::vector<std::string> directive_lines(const migration_part& part) {
  std::vector<std::string> lines;
  if (part.foreign_key_check_declared) lines.push_back(render_directive(directive::foreign_key_check, part.foreign_key_check_tables));
  const auto& plan = part.plan;
  for (const auto& t : plan.rebuilt_tables) lines.push_back(render_directive(directive::rebuild, {t}));
  for (const auto& [from, to] : plan.renamed_tables) lines.push_back(render_directive(directive::rename_table, {from, to}));
  for (const auto& r : plan.renamed_columns) lines.push_back(render_directive(directive::rename_column, {r.table, r.from, r.to}));
  for (const auto& t : plan.dropped_tables) lines.push_back(render_directive(directive::drop_table, {t}));
  for (const auto& c : plan.dropped_columns) lines.push_back(render_directive(directive::drop_column, {c.table, c.column}));
  return lines;
}

// "up:", its directives, then its SQL indented, so that the parts stand apart.
std::string part_text(std::string_view label, const migration_part& part) {
  std::string text = fmt::format("\n{}:\n  directives:", label);
  const auto lines = directive_lines(part);
  if (lines.empty()) text += " none (as in a hand-written part: the applier derives drops from the snapshots)";
  for (const auto& line : lines) text += fmt::format("\n    {}", line);
  text += "\n  sql:\n";
  std::string_view sql = part.sql;
  while (!sql.empty()) {
    const auto end = std::min(sql.size(), sql.find('\n'));
    text += fmt::format("    {}\n", sql.substr(0, end));
    sql.remove_prefix(std::min(sql.size(), end + 1));
  }
  return text;
}

std::string part_json(const migration_part& part) {
  std::string lines;
  for (const auto& line : directive_lines(part)) lines += (lines.empty() ? "" : ", ") + json_string(line);
  return fmt::format("{{\"directives\": [{}], \"sql\": {}}}", lines, json_string(part.sql));
}

}  // namespace

int show_command(const arguments& args) {
  return run_reporting_errors("show", [&] {
    command_spec spec{"show", "litemig show N|head --dir MIGRATIONS_DIR [--json]",
                      "Prints migration N of MIGRATIONS_DIR as the applier reads it: its file, name and checksum, "
                      "then for the up and the down part the directives it declares (rebuilds, renames, drops, "
                      "foreign-key checks) and its SQL."};
    spec.options.add_options()
        ("version", po::value<std::string>()->required()->value_name("N"), "the migration: its number, or head")
        ("dir", po::value<std::string>()->required()->value_name("MIGRATIONS_DIR"), "the migrations directory")
        ("json", "print the migration as JSON");
    spec.positional.add("version", 1);
    spec.project = {{"dir", "dir"}};
    po::variables_map values;
    if (!parse(spec, args, values)) return 0;

    const auto dir = values["dir"].as<std::string>();
    const auto migrations = load_migrations(dir);
    const auto target = parse_target(values["version"].as<std::string>());
    if (target.relative) throw failure(exit_code::usage, "show takes a migration's number or head, not a relative version");
    const auto version = target.head ? migrations.latest_version() : target.number;
    const migration* m = migrations.find(version);
    if (!m) {
      throw failure(exit_code::usage, fmt::format("{}: there is no migration {} (the newest is {})", dir, version,
                                                  migrations.latest_version()));
    }
    if (values.count("json")) {
      std::cout << fmt::format("{{\"version\": {}, \"name\": {}, \"file\": {}, \"checksum\": {}, \"up\": {}, \"down\": {}}}\n",
                               m->version, json_string(m->name), json_string(migrations.locate(m->file_name)),
                               json_string(m->checksum), part_json(m->up), part_json(m->down));
      return 0;
    }
    std::cout << fmt::format("{}\nversion:  {}\nname:     {}\nchecksum: {}\n", migrations.locate(m->file_name), m->version,
                             m->name, m->checksum)
              << part_text("up", m->up) << part_text("down", m->down);
    return 0;
  });
}

}  // namespace litemig::cli

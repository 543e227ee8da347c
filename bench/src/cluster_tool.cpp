// The benchmark's go-between with a dqlite cluster, through litemig's wire client:
//   litemig_bench_cluster wait NODES COUNT           until the first node answers and, for COUNT > 0,
//                                                    counts COUNT voters and knows a leader
//   litemig_bench_cluster load NODES DATABASE FILE   FILE's schema, rows, sequences, statistics and
//                                                    user_version copied into DATABASE on the cluster
//   litemig_bench_cluster dump NODE DATABASE FILE    NODE's copy written to FILE (checkpointed)
// NODES is "HOST:PORT,HOST:PORT,...". Exits 1 with one line on stderr when something fails.
#include "cluster_wire.hpp"

#include "litemig/errors.hpp"
#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace {

using namespace std::chrono_literals;
namespace cluster = litemig::cluster;
namespace sqlite = litemig::sqlite;

// The wire protocol carries at most 255 parameters a statement; a transaction of about this many
// values keeps each replicated commit to a few megabytes.
constexpr std::size_t max_parameters = 255;
constexpr std::size_t values_per_transaction = 200'000;

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  while (from <= list.size()) {
    const auto to = std::min(list.find(',', from), list.size());
    if (to > from) parts.push_back(list.substr(from, to - from));
    from = to + 1;
  }
  return parts;
}

cluster::value column_value(const sqlite::statement& row, int i) {
  switch (row.column_type(i)) {
    case sqlite::storage_class::integer: return row.column_int(i);
    case sqlite::storage_class::real: return row.column_double(i);
    case sqlite::storage_class::text: return row.column_text(i);
    case sqlite::storage_class::blob: return cluster::blob{row.column_text(i)};
    case sqlite::storage_class::null: break;
  }
  return std::monostate{};
}

// Every row of TABLE, in multi-row INSERTs of as many rows as the parameter limit allows.
void copy_rows(sqlite::database& from, cluster::connection& to, const std::string& table) {
  auto rows = from.prepare("SELECT * FROM " + sqlite::quote_identifier(table));
  const auto columns = static_cast<std::size_t>(rows.column_count());
  const auto per_insert = std::max<std::size_t>(1, max_parameters / columns);
  const std::string row_marks = "(" + fmt::format("{}", fmt::join(std::vector<std::string>(columns, "?"), ",")) + ")";
  std::vector<cluster::value> values;
  std::size_t in_transaction = 0;
  const auto flush = [&] {
    if (values.empty()) return;
    std::vector<std::string> marks(values.size() / columns, row_marks);
    to.exec(fmt::format("INSERT INTO {} VALUES {}", sqlite::quote_identifier(table), fmt::join(marks, ",")), values);
    in_transaction += values.size();
    values.clear();
    if (in_transaction >= values_per_transaction) {
      to.exec("COMMIT");
      to.exec("BEGIN");
      in_transaction = 0;
    }
  };
  to.exec("BEGIN");
  while (rows.step()) {
    for (std::size_t i = 0; i < columns; ++i) values.push_back(column_value(rows, static_cast<int>(i)));
    if (values.size() / columns == per_insert) flush();
  }
  flush();
  to.exec("COMMIT");
}

void load(const std::string& nodes, const std::string& database, const std::string& file) {
  sqlite::database from(file, sqlite::open_mode::read_only);
  auto to = cluster::connection::to_leader(split(nodes), database, 60s);
  to.set_timeout(600s);
  to.exec("PRAGMA foreign_keys = OFF");  // dqlite's connections start with them on; tables load in any order
  std::vector<std::pair<std::string, std::string>> tables;
  std::vector<std::string> later;  // indexes, views and triggers: built once the rows are in
  auto objects = from.prepare(
      "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
      "ORDER BY type <> 'table', rowid");
  while (objects.step()) {
    if (objects.column_text(0) == "table") {
      tables.emplace_back(objects.column_text(1), objects.column_text(2));
    } else {
      later.push_back(objects.column_text(2));
    }
  }
  for (const auto& [name, sql] : tables) to.exec(sql);
  for (const auto& [name, sql] : tables) copy_rows(from, to, name);
  for (const auto& sql : later) to.exec(sql);
  if (from.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_sequence'").value_or(0) > 0) {
    copy_rows(from, to, "sqlite_sequence");
  }
  if (from.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'").value_or(0) > 0) {
    to.exec("ANALYZE sqlite_schema");  // creates sqlite_stat1 without analysing the tables
    to.exec("DELETE FROM sqlite_stat1");
    copy_rows(from, to, "sqlite_stat1");
  }
  to.exec(fmt::format("PRAGMA user_version = {}", from.user_version()));
}

void dump(const std::string& node, const std::string& database, const std::filesystem::path& file) {
  const auto files = cluster::connection::to_node(node, 60s).dump(database);
  if (files.size() != 2) throw litemig::failure(litemig::exit_code::failure, fmt::format("{}: {} files dumped", node, files.size()));
  std::filesystem::remove(file);
  std::ofstream(file, std::ios::binary) << files[0].bytes;
  std::ofstream(file.string() + "-wal", std::ios::binary) << files[1].bytes;
  sqlite::database(file).execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;");
}

void wait(const std::string& nodes, std::size_t voters) {
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  std::string last;
  while (std::chrono::steady_clock::now() < give_up) {
    try {
      auto first = cluster::connection::to_node(split(nodes).at(0), 2s);
      const auto members = first.members();
      const auto voting = std::count_if(members.begin(), members.end(), [](const auto& m) { return m.role == cluster::voter; });
      if (static_cast<std::size_t>(voting) >= voters && (voters == 0 || !first.leader().address.empty())) return;
      last = fmt::format("{} voters of {}", voting, voters);
    } catch (const litemig::failure& e) {
      last = e.what();
    }
    std::this_thread::sleep_for(100ms);
  }
  throw litemig::failure(litemig::exit_code::failure, fmt::format("cluster {} not formed within 60 s: {}", nodes, last));
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 3 && args[0] == "wait") {
      wait(args[1], std::stoul(args[2]));
    } else if (args.size() == 4 && args[0] == "load") {
      load(args[1], args[2], args[3]);
    } else if (args.size() == 4 && args[0] == "dump") {
      dump(args[1], args[2], args[3]);
    } else {
      std::cerr << "usage: litemig_bench_cluster wait NODES COUNT | load NODES DATABASE FILE | dump NODE DATABASE FILE\n";
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "litemig_bench_cluster: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

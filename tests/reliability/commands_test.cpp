// One command layer: `tunetrees db <command>` runs litemig's commands with the migrations built
// into the app, so it prints what `litemig <command> --dir schema/migrations` prints, JSON
// included, and has the same --help.
#include "reliability_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace litemig::reliability;

namespace {

class Commands : public reliability_test {
 protected:
  fs::path app_database() const {
    const auto db = path("tunetrees.sqlite3");
    if (!fs::exists(db)) fs::copy_file(fs::path(LITEMIG_SOURCE_DIR) / "tests" / "fixtures" / "tunetrees_v1.sqlite3", db);
    return db;
  }
  static std::string migrations() { return (fs::path(LITEMIG_SOURCE_DIR) / "schema" / "migrations").string(); }
  // The tool names its migrations (and their files) by their folder, the app as "embedded".
  static std::string as_embedded(std::string text) {
    for (const auto& [from, to] : {std::pair{migrations() + "/", std::string("embedded:")},
                                   std::pair{'"' + migrations() + '"', std::string("\"embedded\"")}}) {
      for (auto at = text.find(from); at != std::string::npos; at = text.find(from)) text.replace(at, from.size(), to);
    }
    return text;
  }
};

#ifdef TUNETREES_APP
process_result run_app(const fs::path& db, std::vector<std::string> args, const fs::path& scratch) {
  std::vector<std::string> argv{TUNETREES_APP, "--db", db.string(), "db"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, scratch);
}

TEST_F(Commands, TheAppsDbCommandsPrintTheToolsJson) {
  const auto db = app_database();
  const std::vector<std::vector<std::string>> commands{
      {"current", "--json"}, {"history", "--json"}, {"check", "--json"}, {"upgrade", "--dry-run", "--json"},
      {"downgrade", "--to", "0", "--dry-run"}};
  for (const auto& args : commands) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(args, " ")));
    auto tool_args = args;
    tool_args.insert(tool_args.end(), {"--db", db.string(), "--dir", migrations()});
    const auto tool = run_litemig(tool_args, dir_);
    const auto app = run_app(db, args, dir_);
    ASSERT_EQ(tool.exit_code, 0) << tool.err;
    EXPECT_EQ(app.exit_code, tool.exit_code) << app.err;
    EXPECT_EQ(app.out, as_embedded(tool.out));
  }
  const auto show_tool = run_litemig({"show", "2", "--dir", migrations(), "--json"}, dir_);
  const auto show_app = run_app(db, {"show", "2", "--json"}, dir_);
  ASSERT_EQ(show_tool.exit_code, 0) << show_tool.err;
  EXPECT_EQ(show_app.out, as_embedded(show_tool.out)) << show_app.err;
}

TEST_F(Commands, EveryAppDbCommandHasTheToolsHelpUnderItsOwnName) {
  const auto db = app_database();
  for (const std::string command : {"current", "history", "upgrade", "downgrade", "check", "stamp", "show", "deploy", "restore"}) {
    SCOPED_TRACE(command);
    const auto help = run_app(db, {command, "--help"}, dir_);
    EXPECT_EQ(help.exit_code, 0) << help.err;
    EXPECT_TRUE(help.out.starts_with("usage: tunetrees db " + command + " ")) << help.out;
    EXPECT_FALSE(contains(help.out, "--dir MIGRATIONS_DIR [")) << help.out;
    for (std::size_t start = 0, end; (end = help.out.find('\n', start)) != std::string::npos; start = end + 1) {
      EXPECT_LE(end - start, 80u) << help.out.substr(start, end - start);
    }
  }
  const auto unknown = run_app(db, {"upgrade", "--bogus"}, dir_);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(line_count(unknown.err), 1u) << unknown.err;
  EXPECT_TRUE(contains(unknown.err, "see tunetrees db upgrade --help")) << unknown.err;
}
#endif

TEST_F(Commands, DeployAndRestoreHelpIsWrappedLikeTheOthers) {
  for (const std::string command : {"deploy", "restore", "upgrade"}) {
    SCOPED_TRACE(command);
    const auto help = run_litemig({command, "--help"}, dir_);
    EXPECT_EQ(help.exit_code, 0) << help.err;
    for (std::size_t start = 0, end; (end = help.out.find('\n', start)) != std::string::npos; start = end + 1) {
      const auto line = help.out.substr(start, end - start);
      EXPECT_LE(line.size(), 80u) << line;
      EXPECT_FALSE(line.ends_with(" ")) << line;
    }
  }
}

}  // namespace

// The pieces of a cluster migration that need no cluster: the record of an upgrade's writes, which
// the leader replays, makes the same database when plain SQLite replays it on another copy; the
// record holds typed values and only writes; a malformed address or a command that cannot work on
// a cluster is one line, exit 2, before anything is reached.
#include "reliability_support.hpp"

#include "litemig/applier.hpp"
#include "litemig/cluster.hpp"
#include "litemig/errors.hpp"
#include "litemig/migration.hpp"
#include "litemig/sqlite.hpp"

#include <gtest/gtest.h>

#include <variant>
#include <vector>

using namespace litemig::reliability;
using litemig::exit_code;
using litemig::sqlite::bound_value;
using litemig::sqlite::database;
using litemig::sqlite::written_statement;

namespace {

const std::string parent_v1 = "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);";
const std::string child =
    "CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE, note TEXT);";
const std::string parent_v2 =
    "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '' CHECK (length(name) < 50), score REAL, "
    "data BLOB);";

class Replay : public reliability_test {
 protected:
  void SetUp() override {
    reliability_test::SetUp();
    write_migration(migrations(), 1, "initial", parent_v1 + "\n" + child, "DROP TABLE child;\nDROP TABLE parent;",
                    parent_v1 + "\n" + child + "\n");
    // A rebuild of the parent of ON DELETE CASCADE children, a data change and an index.
    write_migration(migrations(), 2, "rebuild",
                    "CREATE TABLE litemig_new_parent(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '' CHECK "
                    "(length(name) < 50), score REAL, data BLOB);\n"
                    "INSERT INTO litemig_new_parent(id, name, score, data) SELECT id, coalesce(name, ''), score, data FROM "
                    "parent;\nDROP TABLE parent;\nALTER TABLE litemig_new_parent RENAME TO parent;\n"
                    "UPDATE child SET note = upper(note);\nCREATE INDEX child_parent ON child(parent_id);",
                    "DROP INDEX child_parent;", parent_v2 + "\n" + child + "\nCREATE INDEX child_parent ON child(parent_id);\n");
  }
  fs::path migrations() const { return path("migrations"); }

  // A database at version 1 holding every storage class, children included.
  fs::path database_at_version_one() {
    const auto db = path("app.db");
    litemig::apply_options options;
    options.backup = false;
    options.target = 1;
    litemig::upgrade(db, litemig::migration_set::from_directory(migrations()), options);
    database(db).execute(
        "INSERT INTO parent VALUES (1, 'one', 1.5, x'00ff'), (2, NULL, NULL, NULL), (3, 'three', -0.25, x'');"
        "INSERT INTO child(parent_id, note) VALUES (1, 'a'), (1, NULL), (2, 'b'), (3, 'c');");
    return db;
  }
};

std::vector<written_statement> recorded_upgrade(const fs::path& db, const fs::path& migrations) {
  std::vector<written_statement> writes;
  litemig::sqlite::write_recorder recorder(db, [&](const written_statement& w) { writes.push_back(w); });
  litemig::apply_options options;
  options.backup = false;
  litemig::upgrade(db, litemig::migration_set::from_directory(migrations), options);
  return writes;
}

// Plain SQLite, through the layer: foreign keys off, one transaction, each statement with its values.
void replay(const fs::path& db, const std::vector<written_statement>& writes) {
  database replica(db);
  replica.execute("PRAGMA foreign_keys = ON");
  replica.execute("PRAGMA foreign_keys = OFF");
  replica.execute("BEGIN");
  for (const auto& w : writes) {
    auto statement = replica.prepare(w.sql);
    for (std::size_t i = 0; i < w.values.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      std::visit(
          [&](const auto& v) {
            using type = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<type, std::monostate>) statement.bind_null(index);
            else statement.bind(index, v);
          },
          w.values[i]);
    }
    while (statement.step()) {
    }
  }
  replica.execute("COMMIT");
}

std::string stored_schema(const fs::path& db) {
  std::string text;
  database reader(db, litemig::sqlite::open_mode::read_only);
  auto rows = reader.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
  while (rows.step()) {
    for (int i = 0; i < 4; ++i) text += rows.column_optional_text(i).value_or("NULL") + "|";
    text += "\n";
  }
  return text;
}

TEST_F(Replay, TheRecordOfAnUpgradeReplayedOnACopyGivesTheSameSchemaAndData) {
  const auto db = database_at_version_one();
  const auto replica = path("replica.db");
  fs::copy_file(db, replica);

  const auto writes = recorded_upgrade(db, migrations());
  ASSERT_EQ(query_int(db, "PRAGMA user_version"), 2);
  replay(replica, writes);

  EXPECT_EQ(stored_schema(replica), stored_schema(db));
  EXPECT_EQ(content_digest(replica), content_digest(db));
  // Foreign keys were off during the rebuild: no child was cascaded away.
  EXPECT_EQ(query_int(replica, "SELECT count(*) FROM child"), 4);
  EXPECT_EQ(query_text(replica, "SELECT group_concat(note, ',') FROM child WHERE note IS NOT NULL"), "A,B,C");
}

TEST_F(Replay, TheRecordHoldsOnlyWritesInsideTheTransactionWithTheirValuesTyped) {
  const auto db = database_at_version_one();
  const auto writes = recorded_upgrade(db, migrations());
  for (const auto& w : writes) {
    SCOPED_TRACE(w.sql);
    for (const char* never : {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SELECT count", "journal_mode",
                              "foreign_key_check", "quick_check"}) {
      EXPECT_EQ(w.sql.find(never), std::string::npos);
    }
  }
  // The history row: the values the applier bound, with their types, never read back from SQL text.
  const auto history = std::find_if(writes.begin(), writes.end(), [](const written_statement& w) {
    return w.sql.find("INTO litemig_history") != std::string::npos && w.values.size() == 4;
  });
  ASSERT_NE(history, writes.end());
  EXPECT_EQ(history->values[0], bound_value(std::int64_t{2}));
  EXPECT_EQ(history->values[1], bound_value(std::string("rebuild")));
  EXPECT_TRUE(std::holds_alternative<std::string>(history->values[3]));

  // Directly: each run of a reused statement with what was bound then; reads and writes outside a
  // transaction are not heard.
  database direct(db);
  direct.execute("CREATE TABLE typed(a, b, c, d)");
  std::vector<written_statement> heard;
  litemig::sqlite::write_recorder recorder(db, [&](const written_statement& w) { heard.push_back(w); });
  database recorded(db);
  recorded.execute("INSERT INTO typed VALUES (0, 0, 0, 0)");
  recorded.execute("BEGIN");
  auto insert = recorded.prepare("INSERT INTO typed VALUES (?1, ?2, ?3, ?4)");
  insert.bind(1, std::int64_t{7}).bind(2, 2.5).bind(3, std::string_view("text")).bind_null(4);
  insert.step();
  insert.reset();
  insert.bind(2, -1.0);
  insert.step();
  recorded.query_int("SELECT count(*) FROM typed");
  // A setting that changes what later statements write is heard; a pragma that only reads is not.
  recorded.execute("PRAGMA legacy_alter_table = ON; PRAGMA table_info(typed); PRAGMA journal_mode;");
  recorded.execute("COMMIT");
  ASSERT_EQ(heard.size(), 3U);
  EXPECT_EQ(heard[2].sql, "PRAGMA legacy_alter_table = ON;");
  EXPECT_EQ(heard[0].sql, "INSERT INTO typed VALUES (?1, ?2, ?3, ?4)");
  EXPECT_EQ(heard[0].values, (std::vector<bound_value>{std::int64_t{7}, 2.5, std::string("text"), std::monostate{}}));
  EXPECT_EQ(heard[1].values, (std::vector<bound_value>{std::monostate{}, -1.0, std::monostate{}, std::monostate{}}));
}

TEST(ClusterAddress, TheFormIsParsedInOnePlaceAndAnythingElseIsAUsageError) {
  const auto parsed = litemig::cluster::parse_address("dqlite://127.0.0.1:9001,node-2.example:9002,[::1]:9003/app.db");
  EXPECT_EQ(parsed.nodes, (std::vector<std::string>{"127.0.0.1:9001", "node-2.example:9002", "[::1]:9003"}));
  EXPECT_EQ(parsed.database, "app.db");
  EXPECT_TRUE(litemig::is_cluster_address("DQLITE://h:1/x"));
  EXPECT_FALSE(litemig::is_cluster_address("./dqlite://h:1/x"));
  EXPECT_FALSE(litemig::is_cluster_address("app.db"));
  for (const char* bad : {"dqlite:/h:1/db", "dqlite://h:1", "dqlite://h/db", "dqlite://h:0/db", "dqlite://h:65536/db",
                          "dqlite://h:1x/db", "dqlite://:1/db", "dqlite://h:1,/db", "dqlite://h:1/", "dqlite://h:1/a/b",
                          "dqlite://h:1/..", "dqlite://h:1/a\nb", "dqlite://h b:1/db", "dqlite://[zz]:1/db"}) {
    SCOPED_TRACE(bad);
    try {
      litemig::cluster::parse_address(bad);
      ADD_FAILURE() << "accepted";
    } catch (const litemig::failure& e) {
      EXPECT_EQ(e.code(), exit_code::usage);
      EXPECT_EQ(line_count(e.what()), 1U);
      EXPECT_TRUE(contains(e.what(), "dqlite://HOST:PORT[,HOST:PORT...]/DATABASE"));
    }
  }
}

TEST_F(Replay, ACommandThatCannotWorkOnAClusterOrAMalformedAddressIsOneLineExitTwo) {
  const auto dir = migrations().string();
  // Port 1 on loopback: nothing listens, and nothing must be tried before the refusal.
  const std::string cluster = "dqlite://127.0.0.1:1/app.db";
  const std::vector<std::vector<std::string>> refused{
      {"stamp", "--db", cluster, "--dir", dir, "--to", "1"},
      {"deploy", "--source", cluster, "--dir", dir},
      {"restore", "--backup", path("backup.db").string(), "--db", cluster, "--yes"},
      {"upgrade", "--db", cluster, "--dir", dir, "--vacuum"},
      {"upgrade", "--db", "dqlite://127.0.0.1/app.db", "--dir", dir},
      {"current", "--db", "dqlite://127.0.0.1:1/"},
      {"check", "--db", "dqlite:127.0.0.1:1/app.db", "--dir", dir},
  };
  for (const auto& args : refused) {
    SCOPED_TRACE(args[0] + " " + args[2]);
    const auto result = run_litemig(args, dir_);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(line_count(result.err), 1U) << result.err;
    EXPECT_TRUE(contains(result.err, "dqlite")) << result.err;
  }
}

}  // namespace

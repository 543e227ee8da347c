// The dqlite wire client against real dqlite-demo nodes (one alone, and three in a cluster): every
// value type round trips, results of many batches arrive whole, the leader is found through a
// follower, SQLite's errors keep their code, dumps open with SQLite on every node, and the
// behaviour of dqlite 1.11 that the cluster applier relies on holds. Then against a hostile peer:
// lengths the peer announces are checked, and a silent peer times out.
#include "cluster_support.hpp"

#include "litemig/sqlite.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <thread>

using namespace litemig::cluster_testing;
using namespace litemig::reliability;
using namespace std::chrono_literals;
using litemig::exit_code;
using litemig::failure;
using litemig::cluster::blob;
using litemig::cluster::connection;
using litemig::cluster::server_error;
using litemig::cluster::value;

namespace {

class Wire : public cluster_fixture {
 protected:
  connection single() { return connection::to_leader(shared(1).addresses(), database_name(), client_timeout); }
  connection trio() { return connection::to_leader(shared(3).addresses(), database_name(), client_timeout); }
};

std::int64_t count_of(connection& c, const std::string& sql) {
  return std::get<std::int64_t>(c.query(sql).values.at(0).at(0));
}

TEST_F(Wire, EveryValueTypeRoundTrips) {
  auto c = single();
  c.exec("CREATE TABLE v(k INTEGER PRIMARY KEY, x)");
  const std::vector<value> values{
      std::monostate{},
      std::string{},
      std::string("caf\xc3\xa9 \"quoted\" 'text'"),
      blob{std::string("\0a\0\0b\xff", 6)},
      blob{},
      std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::int64_t>::max(),
      std::int64_t{0},
      0.1,
      -1.0 / 3.0,
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::denorm_min(),
  };
  for (std::size_t i = 0; i < values.size(); ++i) {
    c.exec("INSERT INTO v(k, x) VALUES (?, ?)", {static_cast<std::int64_t>(i), values[i]});
  }
  const auto got = c.query("SELECT k, x, typeof(x) FROM v ORDER BY k");
  ASSERT_EQ(got.columns, (std::vector<std::string>{"k", "x", "typeof(x)"}));
  ASSERT_EQ(got.values.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(got.values[i][1], values[i]) << "value " << i;
  EXPECT_EQ(got.values[0][2], value(std::string("null")));
  EXPECT_EQ(got.values[3][2], value(std::string("blob")));
  // Parameters bind in a query too, and a real keeps every bit.
  const auto echoed = c.query("SELECT ?, ?", {0.1, blob{std::string(1, '\0')}});
  EXPECT_EQ(std::bit_cast<std::uint64_t>(std::get<double>(echoed.values[0][0])), std::bit_cast<std::uint64_t>(0.1));
  EXPECT_EQ(echoed.values[0][1], value(blob{std::string(1, '\0')}));
}

TEST_F(Wire, TextWithANulByteIsRefusedBeforeItIsSent) {
  auto c = single();
  try {
    c.exec("SELECT ?", {std::string("a\0b", 3)});
    FAIL() << "a NUL byte in text was sent";
  } catch (const failure& e) {
    EXPECT_EQ(e.code(), exit_code::usage);
    EXPECT_TRUE(contains(e.what(), "NUL byte")) << e.what();
  }
  EXPECT_EQ(count_of(c, "SELECT 1"), 1);  // the connection is still usable
}

TEST_F(Wire, ManyRowsArriveWhole) {
  auto c = single();
  c.exec("CREATE TABLE big(id INTEGER PRIMARY KEY, label TEXT)");
  // 20,000 rows of about 40 bytes: the node sends them in batches of about a page.
  c.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
         "INSERT INTO big SELECT i, printf('row number %08d of the table', i) FROM n");
  const auto got = c.query("SELECT id, label FROM big ORDER BY id");
  ASSERT_EQ(got.values.size(), 20000u);
  for (std::size_t i = 0; i < got.values.size(); ++i) {
    const auto id = static_cast<std::int64_t>(i + 1);
    ASSERT_EQ(got.values[i][0], value(id));
    ASSERT_EQ(got.values[i][1], value(fmt::format("row number {:08} of the table", id)));
  }
}

TEST_F(Wire, TheLeaderIsFoundThroughAFollower) {
  auto& cluster = shared(3);
  const auto leader = cluster.leader();
  const auto follower = (leader + 1) % cluster.size();
  auto c = connection::to_leader({cluster.address(follower)}, database_name(), client_timeout);
  EXPECT_EQ(c.address(), cluster.address(leader));
  EXPECT_EQ(c.exec("CREATE TABLE t(x)").rows_affected, 0);
  const auto members = connection::to_node(cluster.address(follower), client_timeout).members();
  EXPECT_EQ(members.size(), 3u);
}

TEST_F(Wire, ErrorsKeepSQLitesMessageAndCode) {
  auto c = single();
  const auto node = shared(1).address(0);
  try {
    c.exec("SELEC 1");
    FAIL() << "bad SQL ran";
  } catch (const server_error& e) {
    EXPECT_EQ(e.sqlite_code(), 1);
    EXPECT_EQ(e.code(), exit_code::failure);
    EXPECT_TRUE(contains(e.sqlite_message(), "syntax error")) << e.sqlite_message();
    EXPECT_EQ(std::string(e.what()), fmt::format("dqlite node {}: near \"SELEC\": syntax error (SQLite code 1)", node));
  }
  c.exec("CREATE TABLE u(x UNIQUE)");
  c.exec("INSERT INTO u VALUES (1)");
  try {
    c.exec("INSERT INTO u VALUES (1)");
    FAIL() << "a duplicate went in";
  } catch (const server_error& e) {
    EXPECT_TRUE(e.is_constraint());
    EXPECT_EQ(e.sqlite_code(), 2067);  // SQLITE_CONSTRAINT_UNIQUE
  }
  // A write while another connection holds the write transaction: SQLITE_BUSY, exit 7.
  c.exec("BEGIN");
  c.exec("INSERT INTO u VALUES (2)");
  auto other = single();
  try {
    other.exec("INSERT INTO u VALUES (3)");
    FAIL() << "two write transactions at once";
  } catch (const server_error& e) {
    EXPECT_TRUE(e.is_busy());
    EXPECT_EQ(e.code(), exit_code::busy);
  }
  c.exec("COMMIT");
  EXPECT_EQ(count_of(other, "SELECT count(*) FROM u"), 2);
}

TEST_F(Wire, AnUnreachableNodeIsNamedInOneLine) {
  auto& cluster = shared(1);
  const auto closed = cluster.address(0);
  cluster.kill(0);
  try {
    connection::to_node(closed, 1s);
    FAIL() << "connected to a killed node";
  } catch (const failure& e) {
    EXPECT_EQ(e.code(), exit_code::failure);
    EXPECT_EQ(std::string(e.what()), fmt::format("dqlite node {}: connection refused", closed));
  }
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(connection::to_leader({closed}, "x.db", 300ms), failure);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  cluster.restart(0);
}

TEST_F(Wire, DumpsOpenWithSQLiteOnEveryNode) {
  auto& cluster = shared(3);
  auto c = trio();
  c.exec("CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT, data BLOB)");
  c.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
         "INSERT INTO note SELECT i, 'note ' || i, zeroblob(i % 50) FROM n");
  const auto copies = cluster.dump_each(database_name(), path("dumps"));
  ASSERT_EQ(copies.size(), 3u);
  for (const auto& copy : copies) {
    litemig::sqlite::database db(copy, litemig::sqlite::open_mode::read_only);
    EXPECT_EQ(db.query_text("PRAGMA integrity_check"), "ok") << copy;
    EXPECT_EQ(db.query_int("SELECT count(*) FROM note"), 3000) << copy;
    EXPECT_EQ(db.query_text("SELECT body FROM note WHERE id = 2999"), "note 2999") << copy;
  }
  EXPECT_EQ(content_digest(copies[0]), content_digest(copies[1]));
  EXPECT_EQ(content_digest(copies[0]), content_digest(copies[2]));
  // A node that never held a database dumps it as two empty files.
  const auto files = connection::to_node(cluster.address(0), client_timeout).dump("never-created.db");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[1].name, "never-created.db-wal");
  EXPECT_TRUE(files[0].bytes.empty() && files[1].bytes.empty());
}

// What the cluster applier relies on (noted at the top of runtime/src/cluster_wire.cpp).
TEST_F(Wire, ExecRunsEveryStatementOfItsTextAndQueryOnlyTheFirst) {
  auto c = single();
  c.exec("CREATE TABLE m(x); INSERT INTO m VALUES (1); INSERT INTO m VALUES (2)");
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM m"), 2);
  EXPECT_EQ(c.query("SELECT 1; SELECT 2").values, (std::vector<std::vector<value>>{{std::int64_t{1}}}));
  // Parameters bind to the first statement only: more than it takes is an error, and nothing runs.
  EXPECT_THROW(c.exec("INSERT INTO m VALUES (?); INSERT INTO m VALUES (?)", {std::int64_t{7}, std::int64_t{8}}),
               server_error);
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM m"), 2);
}

TEST_F(Wire, ExecRunsAStatementThatYieldsRowsOnce) {
  auto c = single();
  c.exec("SELECT 1");
  c.exec("PRAGMA analysis_limit = 1000");
  EXPECT_EQ(count_of(c, "PRAGMA analysis_limit"), 1000);
  c.exec("CREATE TABLE r(id INTEGER PRIMARY KEY, x)");
  c.exec("BEGIN");
  c.exec("INSERT INTO r(x) VALUES (1), (2), (3) RETURNING id");
  c.exec("COMMIT");
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM r"), 3);
  // Under QUERY_SQL a statement without columns does not run at all.
  EXPECT_THROW(c.query("CREATE TABLE never(x)"), server_error);
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM sqlite_schema WHERE name = 'never'"), 0);
}

TEST_F(Wire, ForeignKeysOffHoldsForTheConnectionSoARebuildKeepsCascadeChildren) {
  auto c = trio();
  EXPECT_EQ(count_of(c, "PRAGMA foreign_keys"), 1);  // dqlite's connections start with foreign keys on
  for (const auto* sql : {"CREATE TABLE p(id INTEGER PRIMARY KEY)",
                          "CREATE TABLE c(id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id) ON DELETE CASCADE)",
                          "INSERT INTO p VALUES (1), (2)", "INSERT INTO c VALUES (1, 1), (2, 2), (3, 2)"}) {
    c.exec(sql);
  }
  const auto rebuild = [&](connection& on) {
    on.exec("BEGIN");
    on.exec("CREATE TABLE p_new(id INTEGER PRIMARY KEY)");
    on.exec("INSERT INTO p_new SELECT id FROM p");
    on.exec("DROP TABLE p");
    on.exec("ALTER TABLE p_new RENAME TO p");
    EXPECT_TRUE(on.query("PRAGMA foreign_key_check").values.empty());
    on.exec("COMMIT");
  };
  c.exec("PRAGMA foreign_keys=OFF");
  EXPECT_EQ(count_of(c, "PRAGMA foreign_keys"), 0);
  rebuild(c);
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM c"), 3);
  // The same rebuild with foreign keys on: the DROP deletes every child (what the issue reports).
  c.exec("PRAGMA foreign_keys=ON");
  rebuild(c);
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM c"), 0);
}

TEST_F(Wire, BeginAndCommitOnOneConnectionMakeOneReplicatedTransaction) {
  auto& cluster = shared(3);
  {
    auto c = trio();
    c.exec("CREATE TABLE t(x)");
    c.exec("BEGIN");
    c.exec("INSERT INTO t VALUES (1)");
    auto other = trio();
    EXPECT_EQ(count_of(other, "SELECT count(*) FROM t"), 0);
    c.exec("INSERT INTO t VALUES (2)");
    c.exec("COMMIT");
    EXPECT_EQ(count_of(other, "SELECT count(*) FROM t"), 2);
    c.exec("BEGIN");
    c.exec("INSERT INTO t VALUES (3)");
  }  // closed before COMMIT
  auto c = trio();
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM t"), 2);
  for (const auto& copy : cluster.dump_each(database_name(), path("dumps"))) {
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM t"), 2) << copy;
  }
}

TEST_F(Wire, ATransactionLargerThanThePageCacheCommitsBecauseSpillingIsOff) {
  auto c = single();
  c.set_timeout(60s);
  EXPECT_EQ(count_of(c, "PRAGMA cache_spill"), 0);
  c.exec("CREATE TABLE item(id INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
  c.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
         "INSERT INTO item SELECT i, printf('payload %08d, padded to some fifty bytes', i) FROM n");
  // A table rebuild with an index, in one transaction: some 30 MB of pages.
  const auto rebuild = [&] {
    c.exec("BEGIN");
    c.exec("CREATE TABLE new_item(id INTEGER PRIMARY KEY, payload TEXT NOT NULL CHECK(length(payload) > 0))");
    c.exec("INSERT INTO new_item SELECT id, payload FROM item");
    c.exec("DROP TABLE item");
    c.exec("ALTER TABLE new_item RENAME TO item");
    c.exec("CREATE INDEX item_payload ON item(payload)");
    c.exec("COMMIT");
  };
  // Why: with spilling on, dqlite 1.11 fails the transaction and rolls it back.
  c.exec("PRAGMA cache_spill = ON");
  try {
    rebuild();
    ADD_FAILURE() << "a spilled transaction committed: dqlite may no longer need cache_spill=OFF";
  } catch (const server_error& e) {
    EXPECT_EQ(e.sqlite_code(), 522) << e.what();  // SQLITE_IOERR_SHORT_READ
  }
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM sqlite_schema WHERE name IN ('new_item', 'item_payload')"), 0);
  c.exec("PRAGMA cache_spill = OFF");
  rebuild();
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM item"), 200000);
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM sqlite_schema WHERE name = 'item_payload'"), 1);
}

// A peer on loopback that answers each request with the next scripted reply (raw bytes), then
// closes its side (or, when SILENT, waits for the client to close).
class scripted_peer {
 public:
  scripted_peer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof where;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&where), size) != 0 || ::listen(listener_, 1) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&where), &size) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    address_ = fmt::format("127.0.0.1:{}", ntohs(where.sin_port));
  }
  ~scripted_peer() {
    if (serving_.joinable()) serving_.join();
    ::close(listener_);
  }
  const std::string& address() const { return address_; }
  void serve(std::vector<std::string> replies, bool silent = false) {
    serving_ = std::thread([this, replies = std::move(replies), silent] { answer(replies, silent); });
  }

 private:
  void answer(const std::vector<std::string>& replies, bool silent) {
    const int fd = ::accept(listener_, nullptr, nullptr);
    std::string handshake(8, '\0');
    read_exactly(fd, handshake);
    for (const auto& reply : replies) {
      std::string header(8, '\0');
      if (!read_exactly(fd, header)) break;
      std::string body(8 * (static_cast<unsigned char>(header[0]) | static_cast<unsigned char>(header[1]) << 8), '\0');
      if (!read_exactly(fd, body)) break;
      if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) break;
    }
    if (!silent) ::shutdown(fd, SHUT_WR);
    char drain[256];
    while (::recv(fd, drain, sizeof drain, 0) > 0) {
    }
    ::close(fd);
  }
  static bool read_exactly(int fd, std::string& into) {
    std::size_t got = 0;
    while (got < into.size()) {
      const auto n = ::recv(fd, into.data() + got, into.size() - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  }
  int listener_ = -1;
  std::string address_;
  std::thread serving_;
};

std::string word(std::uint64_t v) {
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>((v >> (8 * i)) & 0xff);
  return bytes;
}

// A message of TYPE announcing WORDS words, followed by BODY (which may hold fewer).
std::string message(std::uint8_t type, const std::string& body, std::uint64_t words) {
  return word(words | (std::uint64_t{type} << 32)) + body;
}
std::string message(std::uint8_t type, const std::string& body) { return message(type, body, body.size() / 8); }

const std::string welcome = message(2, word(15000));

void expect_malformed(const std::function<void()>& call, const std::string& fragment) {
  try {
    call();
    FAIL() << "a hostile answer was accepted";
  } catch (const failure& e) {
    EXPECT_EQ(e.code(), exit_code::failure);
    EXPECT_TRUE(contains(e.what(), fragment)) << e.what();
    EXPECT_EQ(line_count(e.what()), 1u);
  }
}

std::string text(const std::string& v) { return v + std::string(8 - v.size() % 8, '\0'); }

TEST(WireHostilePeer, AnnouncedSizesAreCheckedAgainstTheMessage) {
  {
    // 32 GiB announced, 8 bytes sent, then the peer closes.
    scripted_peer peer;
    peer.serve({message(2, word(1), 0xffffffff)});
    expect_malformed([&] { connection::to_node(peer.address(), 2s); }, "connection closed by the node");
  }
  {
    // A file of 2^62 bytes in a FILES answer of three words.
    scripted_peer peer;
    peer.serve({welcome, message(9, word(1) + text("x") + word(std::uint64_t{1} << 62))});
    auto c = connection::to_node(peer.address(), 2s);
    expect_malformed([&] { c.dump("x"); }, "malformed FILES response");
  }
  {
    // A file name that the message ends inside.
    scripted_peer peer;
    peer.serve({welcome, message(9, word(1) + "unending" + "and more")});
    auto c = connection::to_node(peer.address(), 2s);
    expect_malformed([&] { c.dump("x"); }, "text without its terminating NUL cut short");
  }
  {
    // 2^40 members announced in an empty answer.
    scripted_peer peer;
    peer.serve({welcome, message(3, word(std::uint64_t{1} << 40))});
    auto c = connection::to_node(peer.address(), 2s);
    expect_malformed([&] { c.members(); }, "malformed SERVERS response");
  }
  {
    // A FAILURE whose message has no terminating NUL.
    scripted_peer peer;
    peer.serve({welcome, message(0, word(1) + "unending")});
    auto c = connection::to_node(peer.address(), 2s);
    expect_malformed([&] { c.members(); }, "malformed FAILURE response");
  }
}

// A dump is streamed to its destination as it arrives: the bytes of each file and none of the
// padding after them.
TEST(WireHostilePeer, ADumpArrivesByteForByteAndWithoutItsPadding) {
  scripted_peer peer;
  const std::string database = "twelve bytes";
  peer.serve({welcome, message(9, word(2) + text("x") + word(database.size()) + database + std::string(4, '\0') +
                                      text("x-wal") + word(3) + "wal" + std::string(5, '\0'))});
  auto c = connection::to_node(peer.address(), 2s);
  const auto files = c.dump("x");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "x");
  EXPECT_EQ(files[0].bytes, database);
  EXPECT_EQ(files[1].name, "x-wal");
  EXPECT_EQ(files[1].bytes, "wal");
}

TEST(WireHostilePeer, RowsWithImpossibleCountsOrTypesAreRefused) {
  const std::string column_a = word(1) + text("a");
  for (const auto& [rows, fragment] : std::vector<std::pair<std::string, std::string>>{
           {word(std::uint64_t{1} << 40), "items announced"},
           {column_a + word(0xc) + word(5), "unknown value type 12"},
           {column_a + word(4) + word(1000), "1000 bytes announced"},
           {column_a + word(1) + word(5), "a word cut short"},
       }) {
    scripted_peer peer;
    // The peer names itself leader, opens the database, runs the pragma and answers the query with ROWS.
    peer.serve({welcome, message(1, word(1) + text(peer.address())), message(4, word(0)), message(6, word(0) + word(0)),
                message(7, rows)});
    auto c = connection::to_leader({peer.address()}, "x.db", 2s);
    expect_malformed([&] { c.query("SELECT a FROM t"); }, fragment);
  }
}

TEST(WireHostilePeer, ASilentPeerTimesOut) {
  scripted_peer peer;
  peer.serve({}, true);
  const auto started = std::chrono::steady_clock::now();
  expect_malformed([&] { connection::to_node(peer.address(), 300ms); }, "no answer within 300 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

}  // namespace

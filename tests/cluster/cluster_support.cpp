#include "cluster_support.hpp"

#include "reliability_support.hpp"

#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace litemig::cluster_testing {

namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// "127.0.0.1:PORT" with a port the kernel just handed out, free once the probe closes.
std::string free_loopback_address() {
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in where{};
  where.sin_family = AF_INET;
  where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof where;
  const bool bound = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&where), size) == 0 &&
                     ::getsockname(probe, reinterpret_cast<sockaddr*>(&where), &size) == 0;
  if (probe >= 0) ::close(probe);
  if (!bound) throw std::runtime_error("no free loopback port");
  return fmt::format("127.0.0.1:{}", ntohs(where.sin_port));
}

// Whether PID has exited (and is reaped now).
bool has_exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

// Sends SIGNAL to PID and waits up to PATIENCE for it to end; false when it is still running.
bool end_process(pid_t pid, int signal, std::chrono::milliseconds patience) {
  ::kill(pid, signal);
  const auto give_up = clock::now() + patience;
  while (clock::now() < give_up) {
    if (has_exited(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

template <typename Check>
bool eventually(std::chrono::milliseconds patience, Check check) {
  const auto give_up = clock::now() + patience;
  for (;;) {
    try {
      if (check()) return true;
    } catch (const failure&) {
    }
    if (clock::now() >= give_up) return false;
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace

std::optional<fs::path> find_program(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string folders = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t from = 0;
  while (from <= folders.size()) {
    const auto to = std::min(folders.find(':', from), folders.size());
    const fs::path candidate = fs::path(folders.substr(from, to - from)) / program;
    if (to > from && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    from = to + 1;
  }
  return std::nullopt;
}

std::string missing_tools() {
  for (const char* program : {"dqlite-demo", "dqlite"}) {
    if (!find_program(program)) return fmt::format("{} is not on PATH (Debian: apt-get install go-dqlite)", program);
  }
  return {};
}

test_cluster::test_cluster(fs::path folder, std::size_t nodes) : folder_(std::move(folder)), nodes_(nodes) {
  demo_ = find_program("dqlite-demo").value_or("dqlite-demo");
  fs::create_directories(folder_);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    nodes_[i].dir = folder_ / fmt::format("node-{}", i);
    bool started = false;
    for (int attempt = 0; attempt < 5 && !started; ++attempt) {
      nodes_[i].address = free_loopback_address();
      nodes_[i].api = free_loopback_address();
      started = launch(i);
    }
    if (!started) throw std::runtime_error(fmt::format("dqlite-demo node {} did not start; see {}", i, folder_.string()));
  }
  wait_until_formed();
}

test_cluster::~test_cluster() {
  for (auto& n : nodes_) {
    if (n.pid != 0 && !end_process(n.pid, SIGTERM, 2s)) end_process(n.pid, SIGKILL, 5s);
    n.pid = 0;
  }
  std::error_code ignored;
  fs::remove_all(folder_, ignored);
}

bool test_cluster::launch(std::size_t i) {
  auto& n = nodes_[i];
  fs::create_directories(n.dir);
  std::vector<std::string> argv{demo_.string(), "-a", n.api, "-d", n.address, "-D", n.dir.string()};
  if (i != 0) argv.insert(argv.end(), {"-j", nodes_[0].address});
  const auto log = folder_ / fmt::format("node-{}.log", i);
  n.pid = testing::start({argv, std::nullopt, log, log.string() + ".err"});
  bool exited = false;
  const bool answers = eventually(10s, [&] {
    exited = has_exited(n.pid);
    return exited || (cluster::connection::to_node(n.address, 500ms), true);
  });
  if (answers && !exited) return true;
  if (!exited) end_process(n.pid, SIGKILL, 5s);
  n.pid = 0;
  return false;
}

void test_cluster::wait_until_formed() const {
  const bool formed = eventually(30s, [&] {
    auto first = cluster::connection::to_node(nodes_[0].address, client_timeout);
    const auto members = first.members();
    if (members.size() != nodes_.size()) return false;
    for (const auto& m : members) {
      if (m.role != cluster::voter) return false;
    }
    return !first.leader().address.empty();
  });
  if (!formed) throw std::runtime_error(fmt::format("the dqlite cluster in {} did not form", folder_.string()));
}

std::vector<std::string> test_cluster::addresses() const {
  std::vector<std::string> all;
  for (const auto& n : nodes_) all.push_back(n.address);
  return all;
}

std::string test_cluster::url(const std::string& database) const {
  std::string list;
  for (const auto& n : nodes_) list += (list.empty() ? "" : ",") + n.address;
  return fmt::format("dqlite://{}/{}", list, database);
}

std::string test_cluster::url(std::size_t node, const std::string& database) const {
  return fmt::format("dqlite://{}/{}", address(node), database);
}

std::size_t test_cluster::node_at(const std::string& where) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].address == where) return i;
  }
  throw std::runtime_error("no node of the test cluster at " + where);
}

std::size_t test_cluster::leader() const {
  std::optional<std::size_t> found;
  eventually(20s, [&] {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (!is_up(i)) continue;
      const auto named = cluster::connection::to_node(address(i), 1s).leader().address;
      if (!named.empty() && is_up(node_at(named))) {
        found = node_at(named);
        return true;
      }
    }
    return false;
  });
  if (!found) throw std::runtime_error("no leader elected in the test cluster");
  return *found;
}

cluster::connection test_cluster::connect(const std::string& database) const {
  return cluster::connection::to_leader(addresses(), database, 20s);
}

void test_cluster::kill(std::size_t node) {
  auto& n = nodes_.at(node);
  if (n.pid != 0) end_process(n.pid, SIGKILL, 10s);
  n.pid = 0;
}

void test_cluster::restart(std::size_t node) {
  if (is_up(node)) return;
  if (!launch(node)) throw std::runtime_error(fmt::format("dqlite-demo node {} did not restart", node));
}

fs::path test_cluster::dump(std::size_t node, const std::string& database, const fs::path& folder) const {
  const auto files = cluster::connection::to_node(address(node), client_timeout).dump(database);
  if (files.size() != 2 || files[0].name != database || files[1].name != database + "-wal") {
    throw std::runtime_error(fmt::format("node {} dumped {} files, not {} and its -wal", node, files.size(), database));
  }
  const auto into = folder / fmt::format("node-{}", node);
  fs::remove_all(into);
  const auto db = into / "db.sqlite3";
  testing::write_file(db, files[0].bytes);
  testing::write_file(db.string() + "-wal", files[1].bytes);
  sqlite::database(db).execute("PRAGMA wal_checkpoint(TRUNCATE)");
  return db;
}

std::vector<fs::path> test_cluster::dump_each(const std::string& database, const fs::path& folder) const {
  std::vector<fs::path> copies;
  // A node restarted a moment ago catches up through Raft; on a loaded machine that takes a while,
  // and leadership may move meanwhile: the leader is asked again on every attempt.
  const bool converged = eventually(60s, [&] {
    copies.clear();
    const auto expected = reliability::content_digest(dump(leader(), database, folder / "leader"));
    bool same = true;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (!is_up(i)) continue;
      copies.push_back(dump(i, database, folder));
      same = same && reliability::content_digest(copies.back()) == expected;
    }
    return same;
  });
  if (!converged && copies.empty()) {
    throw std::runtime_error(fmt::format("no node could dump {} within a minute", database));
  }
  return copies;
}

std::vector<std::unique_ptr<test_cluster>> cluster_fixture::clusters_;

void cluster_fixture::SetUp() {
  scratch_test::SetUp();
  const auto reason = missing_tools();
  if (!reason.empty()) GTEST_SKIP() << reason;
}

void cluster_fixture::TearDownTestSuite() { clusters_.clear(); }

test_cluster& cluster_fixture::shared(std::size_t nodes) {
  for (const auto& c : clusters_) {
    if (c->size() != nodes) continue;
    // A node an earlier test killed and left down serves again.
    for (std::size_t i = 0; i < c->size(); ++i) {
      if (!c->is_up(i)) c->restart(i);
    }
    return *c;
  }
  const auto* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  const auto folder = fs::temp_directory_path() / fmt::format("litemig_cluster_{}_{}_{}", ::getpid(), suite->name(), nodes);
  fs::remove_all(folder);
  return *clusters_.emplace_back(std::make_unique<test_cluster>(folder, nodes));
}

std::string cluster_fixture::database_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return fmt::format("{}.db", info->name());
}

}  // namespace litemig::cluster_testing

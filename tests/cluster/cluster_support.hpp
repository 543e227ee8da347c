// A real dqlite cluster for the tests: dqlite-demo nodes on free loopback ports, in a folder of
// their own, joined into one cluster; nodes can be killed and restarted, and each node's copy of a
// database can be dumped through the wire client and opened as a plain SQLite file.
#pragma once

#include "cluster_wire.hpp"
#include "reliability_support.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace litemig::cluster_testing {

namespace fs = std::filesystem;

// PROGRAM found on PATH, or nullopt.
std::optional<fs::path> find_program(const std::string& program);
// Why the cluster tests cannot run here ("" when they can): dqlite-demo or dqlite is missing.
std::string missing_tools();

class test_cluster {
 public:
  // Starts NODES nodes under FOLDER and waits until all of them are voters and one leads.
  test_cluster(fs::path folder, std::size_t nodes);
  test_cluster(const test_cluster&) = delete;
  test_cluster& operator=(const test_cluster&) = delete;
  // SIGTERM to every live node, SIGKILL to those still alive after two seconds.
  ~test_cluster();

  std::size_t size() const { return nodes_.size(); }
  const std::string& address(std::size_t node) const { return nodes_.at(node).address; }
  std::vector<std::string> addresses() const;
  pid_t pid(std::size_t node) const { return nodes_.at(node).pid; }  // 0 while down
  bool is_up(std::size_t node) const { return pid(node) != 0; }
  // dqlite://A,B,C/DATABASE through every node, or through NODE alone.
  std::string url(const std::string& database) const;
  std::string url(std::size_t node, const std::string& database) const;
  // The node that leads (waits up to 20 s for an election among the live nodes).
  std::size_t leader() const;
  std::size_t node_at(const std::string& address) const;
  // A client connection to the leader with DATABASE open.
  cluster::connection connect(const std::string& database) const;

  // SIGKILL, reaped.
  void kill(std::size_t node);
  // Starts a killed node again on its address and data, and waits until it answers (a node that
  // is up is left as it is).
  void restart(std::size_t node);

  // DATABASE as NODE holds it, dumped through the client into FOLDER/node-N/ and checkpointed
  // there: a plain SQLite file (empty when the node does not hold the database).
  fs::path dump(std::size_t node, const std::string& database, const fs::path& folder) const;
  // Every live node's copy, once they all hold the same content as the leader's (replication
  // catches up within 20 s), else as they are.
  std::vector<fs::path> dump_each(const std::string& database, const fs::path& folder) const;

 private:
  struct process {
    std::string address;  // the database (raft) address clients use
    std::string api;      // dqlite-demo's HTTP address, unused by the tests but bound
    fs::path dir;
    pid_t pid = 0;
  };
  // Starts node I (joining node 0 unless it is node 0) and waits until it answers; false when
  // it died first (its ports were taken).
  bool launch(std::size_t i);
  void wait_until_formed() const;

  fs::path folder_;
  fs::path demo_;
  std::vector<process> nodes_;
};

inline constexpr std::chrono::milliseconds client_timeout{5000};

// A test's own folder, skipped with the reason when the dqlite tools are missing; the tests of a
// suite share its clusters (started on first use, nodes left down restarted, stopped after the
// suite's last test).
class cluster_fixture : public testing::scratch_test {
 protected:
  void SetUp() override;
  static void TearDownTestSuite();
  static test_cluster& shared(std::size_t nodes);
  // A database name of the running test's own.
  static std::string database_name();

 private:
  static std::vector<std::unique_ptr<test_cluster>> clusters_;
};

}  // namespace litemig::cluster_testing

// A client of dqlite's documented wire protocol (version 1, as spoken by dqlite 1.11) over TCP:
// leader discovery, one database per connection, statements, dumps and the member list. Every
// read and write is bounded by a timeout, and every length the server sends is checked against
// the message that carries it.
#pragma once

#include "litemig/errors.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace litemig::cluster {

struct blob {
  std::string bytes;
  friend bool operator==(const blob&, const blob&) = default;
};
using value = std::variant<std::monostate, std::int64_t, double, std::string, blob>;  // null, integer, real, text, blob
struct exec_result {
  std::int64_t last_insert_id = 0;
  std::int64_t rows_affected = 0;
};
struct rows {
  std::vector<std::string> columns;
  std::vector<std::vector<value>> values;
};
struct dumped_file {
  std::string name;  // the database and its "-wal"
  std::string bytes;
};
struct member {
  std::uint64_t id;
  std::string address;
  int role;  // 0 voter, 1 standby, 2 spare
};

// dqlite's roles of a member.
inline constexpr int voter = 0;
inline constexpr int standby = 1;
inline constexpr int spare = 2;

// A FAILURE response: SQLite's (extended) result code and message, as the node reported them.
// Exits 7 (busy) for SQLITE_BUSY and SQLITE_LOCKED, 1 otherwise.
class server_error : public failure {
 public:
  server_error(const std::string& node, std::uint64_t code, const std::string& message);
  int sqlite_code() const noexcept { return code_; }
  int primary_code() const noexcept { return code_ & 0xff; }
  const std::string& sqlite_message() const noexcept { return message_; }
  bool is_busy() const noexcept;
  bool is_constraint() const noexcept;
  // The node is not, or no longer, the leader: retry on the new one.
  bool is_not_leader() const noexcept;

 private:
  int code_;
  std::string message_;
};

class connection {
 public:
  // Any reachable node of NODES ("host:port") tells who leads; connects to the leader, registers
  // as a client and opens DATABASE with cache spilling off (dqlite 1.11 fails a transaction whose
  // pages spill before COMMIT). Retries for up to TIMEOUT while an election is under way.
  static connection to_leader(const std::vector<std::string>& nodes, const std::string& database,
                              std::chrono::milliseconds timeout);
  // Connects to NODE itself (leader or not), without opening a database (for dump and members).
  static connection to_node(const std::string& node, std::chrono::milliseconds timeout);

  connection(connection&& other) noexcept;
  connection& operator=(connection&& other) noexcept;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  // EXEC_SQL of ONE statement with PARAMS bound to it (send statements one at a time); rows the
  // statement yields are discarded.
  exec_result exec(std::string_view sql, const std::vector<value>& params = {});
  // QUERY_SQL of one statement, all row batches collected.
  rows query(std::string_view sql, const std::vector<value>& params = {});
  // DUMP: the database and its WAL as this node holds them.
  std::vector<dumped_file> dump(const std::string& database);
  // DUMP, streamed: for each file the node sends, SINK(name, size) says where its bytes go, and
  // they go there as they arrive, so that a dump needs no memory of the database's size.
  using file_sink = std::function<std::function<void(std::string_view)>(const std::string& name, std::uint64_t size)>;
  void dump_into(const std::string& database, const file_sink& sink);
  // CLUSTER: the members of the cluster as this node knows them.
  std::vector<member> members();
  // The id and address of the leader as this node knows it (address "" while none is known).
  member leader();

  const std::string& address() const { return address_; }
  // How long a read or write may wait for the node before the node counts as unreachable (the
  // connection's TIMEOUT until changed): a long statement on the leader needs a longer one.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  connection(int fd, std::string address, std::chrono::milliseconds timeout)
      : fd_(fd), address_(std::move(address)), timeout_(timeout) {}
  struct response {
    std::uint8_t type = 0;
    std::string body;
  };
  void handshake();
  void open(const std::string& database);
  response request(std::uint8_t type, const std::string& body);
  void send_request(std::uint8_t type, const std::string& body);
  // The next message's type and the size of its body, in bytes.
  std::pair<std::uint8_t, std::uint64_t> receive_header();
  void send(const std::string& bytes);
  response receive();
  void receive_exact(char* data, std::size_t size);
  void wait_for(short events);
  // The body of GOT when it has type WANTED; throws the server_error a FAILURE carries.
  const std::string& expect(const response& got, std::uint8_t wanted, std::string_view what);
  [[noreturn]] void lost(const std::string& cause);
  void close();

  int fd_ = -1;
  std::string address_;
  std::chrono::milliseconds timeout_;
};

}  // namespace litemig::cluster

// dqlite's wire protocol, version 1 (dqlite 1.11.1): after a one-word handshake every message is a
// header word (body size in words, type, schema, two unused bytes) and a body of little-endian
// words; text is NUL-terminated and padded to a word, a blob is its length and padded bytes.
//
// Observed on dqlite 1.11.1 (go-dqlite 1.11.5's dqlite-demo); tests/cluster/wire_test.cpp keeps
// checking the first five:
// - EXEC_SQL runs EVERY statement of its text (the node prepares the tail after each one) but binds
//   the parameters to the first only; QUERY_SQL runs the first statement and ignores the rest.
//   litemig sends one statement at a time regardless.
// - A new connection starts with foreign keys ON (so a piped rebuild cascades). `PRAGMA
//   foreign_keys=OFF` sent through EXEC_SQL is honoured for the next statements on the same
//   connection: a parent dropped inside BEGIN...COMMIT keeps its ON DELETE CASCADE children.
// - BEGIN and COMMIT sent as separate EXEC_SQL requests on one connection make one transaction:
//   other connections see nothing of it and get SQLITE_BUSY when they write; a connection that
//   closes before COMMIT leaves nothing behind.
// - A transaction whose dirty pages SQLite spills into the WAL before COMMIT fails once the spill
//   is large (SQLITE_IOERR_SHORT_READ, 522: a CREATE INDEX over 100,000 rows inside BEGIN with the
//   default cache), and the node rolls the transaction back. With `PRAGMA cache_spill=OFF` the same
//   transaction over 600,000 rows commits: every connection opened here turns spilling off.
// - DUMP answers on a follower with that node's replicated copy, and names the database and its
//   "-wal"; for a database the node does not hold it answers two empty files.
// - Columns declared DATETIME, DATE, TIMESTAMP or BOOLEAN come back in dqlite's own types, mapped
//   here to integer or text; a NULL in such a column arrives as empty text (DATETIME) or 0
//   (BOOLEAN), and a REAL in a DATETIME column aborts the node on an assertion: read table
//   contents through DUMP, not QUERY_SQL.
// - A statement that yields no columns fails under QUERY_SQL ("not an error", code 1) without running;
//   one that yields a row (a SELECT, `PRAGMA analysis_limit = N` reporting its value, INSERT ...
//   RETURNING) runs under EXEC_SQL, which then answers SQLITE_ROW ("another row available", 100)
//   and resets it. SQLite does a statement's writes by its first row, so exec() takes that answer
//   as success and the caller need not know which statements yield rows.
#include "cluster_wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace litemig::cluster {

namespace {

constexpr std::uint64_t protocol_version = 1;
constexpr std::uint64_t rows_part = 0xeeeeeeeeeeeeeeee;
constexpr std::uint64_t rows_done = 0xffffffffffffffff;
constexpr std::size_t word = 8;

namespace request_type {
constexpr std::uint8_t leader = 0, client = 1, open = 3, exec_sql = 8, query_sql = 9, dump = 15, cluster = 16;
}
namespace response_type {
constexpr std::uint8_t failure = 0, server = 1, welcome = 2, servers = 3, db = 4, result = 6, rows = 7, files = 9;
}
namespace value_type {
constexpr std::uint8_t integer = 1, real = 2, text = 3, blob = 4, null = 5, unixtime = 9, iso8601 = 10, boolean = 11;
}
constexpr std::uint64_t cluster_format_with_roles = 1;

// SQLite's result codes this client tells apart.
constexpr int sqlite_busy = 5;
constexpr int sqlite_locked = 6;
constexpr int sqlite_constraint = 19;
constexpr std::uint64_t sqlite_row = 100;
constexpr int sqlite_ioerr_not_leader = 10 | (40 << 8);
constexpr int sqlite_ioerr_leadership_lost = 10 | (41 << 8);

std::size_t padded(std::size_t size) { return (size + word - 1) / word * word; }

// Builds a message body.
class writer {
 public:
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  void text(std::string_view v, std::string_view what) {
    if (v.find('\0') != std::string_view::npos) {
      throw failure(exit_code::usage, fmt::format("dqlite: {} holds a NUL byte, which the wire protocol cannot carry in text", what));
    }
    bytes_ += v;
    bytes_.append(padded(v.size() + 1) - v.size(), '\0');
  }
  void raw(std::string_view v) {
    bytes_ += v;
    bytes_.append(padded(v.size()) - v.size(), '\0');
  }
  // The parameters' tuple: a count byte, a type byte per value (padded to a word), the values.
  void params(const std::vector<value>& values) {
    if (values.size() > 255) {
      throw failure(exit_code::usage, fmt::format("dqlite: {} parameters given, the wire protocol carries at most 255", values.size()));
    }
    std::string header(1, static_cast<char>(values.size()));
    for (const auto& v : values) header += static_cast<char>(type_of(v));
    raw(header);
    for (const auto& v : values) encode(v);
  }
  std::string take() { return std::move(bytes_); }

 private:
  static std::uint8_t type_of(const value& v) {
    static constexpr std::uint8_t types[] = {value_type::null, value_type::integer, value_type::real, value_type::text,
                                             value_type::blob};
    return types[v.index()];
  }
  void encode(const value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
      u64(static_cast<std::uint64_t>(*i));
    } else if (const auto* d = std::get_if<double>(&v)) {
      u64(std::bit_cast<std::uint64_t>(*d));
    } else if (const auto* t = std::get_if<std::string>(&v)) {
      text(*t, "a text parameter");
    } else if (const auto* b = std::get_if<blob>(&v)) {
      u64(b->bytes.size());
      raw(b->bytes);
    } else {
      u64(0);
    }
  }
  std::string bytes_;
};

// Reads a message body; every length is checked against what remains of it.
class reader {
 public:
  reader(std::string_view body, const std::string& node, std::string_view what) : body_(body), node_(node), what_(what) {}
  std::uint64_t u64() {
    need(word, "a word");
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(body_[at_ + static_cast<std::size_t>(i)]);
    at_ += word;
    return v;
  }
  std::uint64_t peek_u64() {
    const auto at = at_;
    const auto v = u64();
    at_ = at;
    return v;
  }
  std::string text() {
    const auto end = body_.find('\0', at_);
    if (end == std::string_view::npos) malformed("text without its terminating NUL");
    std::string v(body_.substr(at_, end - at_));
    skip(padded(end - at_ + 1));
    return v;
  }
  std::string bytes(std::uint64_t size) {
    const auto at = at_;
    skip_bytes(size);
    return std::string(body_.substr(at, static_cast<std::size_t>(size)));
  }
  // Past SIZE bytes and their padding (the padding of the last value may be missing).
  void skip_bytes(std::uint64_t size) {
    if (size > remaining()) malformed(fmt::format("{} bytes announced, {} left", size, remaining()));
    skip(std::min<std::size_t>(padded(static_cast<std::size_t>(size)), remaining()));
  }
  std::size_t position() const { return at_; }
  // The next N bytes, unread yet.
  std::string_view view(std::size_t n) {
    need(n, "a header");
    return body_.substr(at_, n);
  }
  void skip(std::size_t n) {
    need(n, "padding");
    at_ += n;
  }
  std::size_t remaining() const { return body_.size() - at_; }
  // A count of items of at least ITEM_SIZE bytes each: more than the body can hold is malformed.
  std::size_t count(std::size_t item_size) {
    const auto n = u64();
    if (n > remaining() / item_size) malformed(fmt::format("{} items announced in {} bytes", n, remaining()));
    return static_cast<std::size_t>(n);
  }
  [[noreturn]] void malformed(const std::string& cause) const {
    throw failure(exit_code::failure, fmt::format("dqlite node {}: malformed {} response: {}", node_, what_, cause));
  }

 private:
  void need(std::size_t n, std::string_view what) {
    if (n > remaining()) malformed(fmt::format("{} cut short", what));
  }
  std::string_view body_;
  std::size_t at_ = 0;
  const std::string& node_;
  std::string_view what_;
};

value decode_value(reader& in, std::uint8_t type) {
  switch (type) {
    case value_type::integer:
    case value_type::unixtime:
    case value_type::boolean:
      return static_cast<std::int64_t>(in.u64());
    case value_type::real:
      return std::bit_cast<double>(in.u64());
    case value_type::text:
    case value_type::iso8601:
      return in.text();
    case value_type::blob:
      return blob{in.bytes(in.u64())};
    case value_type::null:
      in.u64();
      return std::monostate{};
    default:
      in.malformed(fmt::format("unknown value type {}", type));
  }
}

// One ROWS response: column names, then rows until the PART or DONE marker; true when more follow.
bool decode_rows(reader& in, rows& into) {
  const auto n = in.count(word);
  if (n == 0) in.malformed("no columns");
  std::vector<std::string> names(n);
  for (auto& name : names) name = in.text();
  if (into.columns.empty()) {
    into.columns = std::move(names);
  } else if (names != into.columns) {
    in.malformed("a later batch names other columns");
  }
  // A row's header has a 4-bit type per column; types stop at 11, so no header reads as a marker.
  const auto header_size = padded((n + 1) / 2);
  for (;;) {
    const auto marker = in.peek_u64();
    if (marker == rows_done || marker == rows_part) {
      in.u64();
      return marker == rows_part;
    }
    const std::string header(in.view(header_size));
    in.skip(header_size);
    auto& row = into.values.emplace_back();
    row.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto slot = static_cast<unsigned char>(header[i / 2]);
      row.push_back(decode_value(in, static_cast<std::uint8_t>(i % 2 == 0 ? slot & 0x0f : slot >> 4)));
    }
  }
}

// "host:port" or "[v6]:port" split into host and port.
std::pair<std::string, std::string> split_address(const std::string& node) {
  const auto colon = node.rfind(':');
  // A node's address is named in messages as it is: it may hold no control character.
  const bool printable = escape_control_characters(node) == node;
  if (colon == std::string::npos || colon == 0 || colon + 1 == node.size() || !printable) {
    throw failure(exit_code::usage, fmt::format("dqlite node {}: not HOST:PORT", escape_control_characters(node)));
  }
  auto host = node.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, node.substr(colon + 1)};
}

int poll_timeout(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, 24 * 3600 * 1000));
}

// strerror's text as the tail of a message: "connection refused".
std::string last_error() {
  std::string text = std::strerror(errno);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// A TCP connection to NODE, established within TIMEOUT; -1 with CAUSE set when it fails.
int dial(const std::string& node, std::chrono::milliseconds timeout, std::string& cause) {
  const auto [host, port] = split_address(node);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    cause = ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (auto* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      cause = last_error();
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int ready = ::poll(&p, 1, poll_timeout(timeout));
      int error = ready == 0 ? ETIMEDOUT : 0;
      socklen_t size = sizeof error;
      if (ready > 0) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
      errno = error;
    } else if (errno == EINPROGRESS) {
      errno = 0;
    }
    if (errno != 0) {
      cause = errno == ETIMEDOUT ? fmt::format("no answer within {} ms", timeout.count()) : last_error();
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd >= 0) {
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  return fd;
}

}  // namespace

server_error::server_error(const std::string& node, std::uint64_t code, const std::string& message)
    : failure((code & 0xff) == sqlite_busy || (code & 0xff) == sqlite_locked ? exit_code::busy : exit_code::failure,
              fmt::format("dqlite node {}: {} (SQLite code {})", node, escape_control_characters(message), code)),
      code_(static_cast<int>(code)),
      message_(message) {}

bool server_error::is_busy() const noexcept { return primary_code() == sqlite_busy || primary_code() == sqlite_locked; }
bool server_error::is_constraint() const noexcept { return primary_code() == sqlite_constraint; }
bool server_error::is_not_leader() const noexcept {
  return code_ == sqlite_ioerr_not_leader || code_ == sqlite_ioerr_leadership_lost;
}

connection connection::to_node(const std::string& node, std::chrono::milliseconds timeout) {
  std::string cause;
  const int fd = dial(node, timeout, cause);
  if (fd < 0) throw failure(exit_code::failure, fmt::format("dqlite node {}: {}", escape_control_characters(node), cause));
  connection c(fd, node, timeout);
  c.handshake();
  return c;
}

connection connection::to_leader(const std::vector<std::string>& nodes, const std::string& database,
                                 std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  const auto left = [&] {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()),
                    std::chrono::milliseconds(1));
  };
  std::string last = "no node given";
  do {
    for (const auto& node : nodes) {
      try {
        auto asked = to_node(node, left());
        const auto leader = asked.leader();
        if (leader.address.empty()) {
          last = fmt::format("dqlite node {}: no leader elected yet", node);
          continue;
        }
        auto c = leader.address == node ? std::move(asked) : to_node(leader.address, left());
        c.timeout_ = timeout;
        c.open(database);
        return c;
      } catch (const server_error& e) {
        if (!e.is_not_leader()) throw;
        last = e.what();
      } catch (const failure& e) {
        if (e.code() == exit_code::usage) throw;
        last = e.what();
      }
    }
    std::this_thread::sleep_for(std::min(std::chrono::milliseconds(100), left()));
  } while (clock::now() < deadline);
  std::string list;
  for (const auto& node : nodes) list += (list.empty() ? "" : ",") + node;
  throw failure(exit_code::failure, fmt::format("dqlite cluster {}: no leader reachable within {} ms ({})",
                                                escape_control_characters(list), timeout.count(), last));
}

connection::connection(connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), address_(std::move(other.address_)), timeout_(other.timeout_) {}

connection& connection::operator=(connection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    address_ = std::move(other.address_);
    timeout_ = other.timeout_;
  }
  return *this;
}

connection::~connection() { close(); }

void connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void connection::handshake() {
  writer version;
  version.u64(protocol_version);
  send(version.take());
  writer body;
  body.u64(0);  // the client's id: none
  expect(request(request_type::client, body.take()), response_type::welcome, "CLIENT");
}

void connection::open(const std::string& database) {
  writer body;
  body.text(database, "the database name");
  body.u64(0);   // flags: the node ignores them
  body.text("", "the VFS name");  // the node's own VFS
  const auto got = request(request_type::open, body.take());
  reader in(expect(got, response_type::db, "OPEN"), address_, "DB");
  if (in.u64() != 0) in.malformed("a database id other than 0");
  // A transaction larger than the page cache must stay in memory: dqlite fails it once spilled.
  exec("PRAGMA cache_spill = OFF");
}

member connection::leader() {
  writer body;
  body.u64(0);
  const auto got = request(request_type::leader, body.take());
  reader in(expect(got, response_type::server, "LEADER"), address_, "SERVER");
  member m{};
  m.id = in.u64();
  m.address = in.text();
  m.role = voter;
  return m;
}

exec_result connection::exec(std::string_view sql, const std::vector<value>& params) {
  writer body;
  body.u64(0);  // the database opened on this connection
  body.text(sql, "the SQL text");
  body.params(params);
  const auto got = request(request_type::exec_sql, body.take());
  // SQLITE_ROW: the statement ran and yielded a row, which EXEC_SQL does not carry (see the top).
  if (got.type == response_type::failure && reader(got.body, address_, "FAILURE").u64() == sqlite_row) return {};
  reader in(expect(got, response_type::result, "EXEC_SQL"), address_, "RESULT");
  exec_result result;
  result.last_insert_id = static_cast<std::int64_t>(in.u64());
  result.rows_affected = static_cast<std::int64_t>(in.u64());
  return result;
}

rows connection::query(std::string_view sql, const std::vector<value>& params) {
  writer body;
  body.u64(0);
  body.text(sql, "the SQL text");
  body.params(params);
  auto got = request(request_type::query_sql, body.take());
  rows result;
  for (;;) {
    reader in(expect(got, response_type::rows, "QUERY_SQL"), address_, "ROWS");
    if (!decode_rows(in, result)) return result;
    got = receive();  // the node sends the next batch unasked
  }
}

std::vector<dumped_file> connection::dump(const std::string& database) {
  std::vector<dumped_file> files;
  dump_into(database, [&](const std::string& name, std::uint64_t) {
    files.push_back({name, {}});
    return [&files, at = files.size() - 1](std::string_view bytes) { files[at].bytes.append(bytes); };
  });
  return files;
}

void connection::dump_into(const std::string& database, const file_sink& sink) {
  writer request_body;
  request_body.text(database, "the database name");
  send_request(request_type::dump, request_body.take());
  const auto [type, size] = receive_header();
  if (type != response_type::files) {
    response got{type, std::string(static_cast<std::size_t>(std::min<std::uint64_t>(size, 1 << 20)), '\0')};
    if (size > got.body.size()) lost(fmt::format("answered DUMP with {} bytes of type {}", size, type));
    receive_exact(got.body.data(), got.body.size());
    expect(got, response_type::files, "DUMP");
  }
  // Every length is checked against what the message announced before a byte of it is read.
  std::uint64_t left = size;
  const auto malformed = [&](const std::string& cause) {
    close();
    throw failure(exit_code::failure, fmt::format("dqlite node {}: malformed FILES response: {}", address_, cause));
  };
  std::string buffer;
  const auto take = [&](std::uint64_t n, std::string_view what) -> std::string_view {
    if (n > left) malformed(fmt::format("{} cut short", what));
    buffer.resize(static_cast<std::size_t>(n));
    receive_exact(buffer.data(), buffer.size());
    left -= n;
    return buffer;
  };
  const auto number = [&] {
    const auto bytes = take(word, "a word");
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    return v;
  };
  const auto count = number();
  if (count > left / (2 * word)) malformed(fmt::format("{} items announced in {} bytes", count, left));
  constexpr std::uint64_t chunk = std::uint64_t{1} << 20;
  for (std::uint64_t file = 0; file < count; ++file) {
    std::string name;
    for (;;) {  // NUL-terminated, padded to a word
      const auto bytes = take(word, "text without its terminating NUL");
      const auto end = bytes.find('\0');
      name.append(bytes.substr(0, end));
      if (end != std::string_view::npos) break;
    }
    const auto file_size = number();
    if (file_size > left) malformed(fmt::format("{} bytes announced, {} left", file_size, left));
    const auto write = sink(name, file_size);
    for (std::uint64_t done = 0; done < file_size;) {
      const auto piece = take(std::min(chunk, file_size - done), "a file");
      write(piece);
      done += piece.size();
    }
    // The padding of the last value may be missing.
    take(std::min<std::uint64_t>(padded(static_cast<std::size_t>(file_size)) - file_size, left), "padding");
  }
  while (left > 0) take(std::min(chunk, left), "the rest");
}

std::vector<member> connection::members() {
  writer body;
  body.u64(cluster_format_with_roles);
  const auto got = request(request_type::cluster, body.take());
  reader in(expect(got, response_type::servers, "CLUSTER"), address_, "SERVERS");
  std::vector<member> result(in.count(3 * word));
  for (auto& m : result) {
    m.id = in.u64();
    m.address = in.text();
    m.role = static_cast<int>(in.u64());
  }
  return result;
}

const std::string& connection::expect(const response& got, std::uint8_t wanted, std::string_view what) {
  if (got.type == response_type::failure) {
    reader in(got.body, address_, "FAILURE");
    const auto code = in.u64();
    throw server_error(address_, code, in.text());
  }
  if (got.type != wanted) {
    throw failure(exit_code::failure,
                  fmt::format("dqlite node {}: answered {} with a response of type {}", address_, what, got.type));
  }
  return got.body;
}

connection::response connection::request(std::uint8_t type, const std::string& body) {
  send_request(type, body);
  return receive();
}

void connection::send_request(std::uint8_t type, const std::string& body) {
  writer header;
  header.u64((body.size() / word) | (std::uint64_t{type} << 32));
  send(header.take() + body);
}

void connection::send(const std::string& bytes) {
  if (fd_ < 0) lost("connection closed");
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    wait_for(POLLOUT);
    const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) lost(last_error());
    sent += static_cast<std::size_t>(n);
  }
}

std::pair<std::uint8_t, std::uint64_t> connection::receive_header() {
  if (fd_ < 0) lost("connection closed");
  char header[word];
  receive_exact(header, word);
  std::uint64_t words = 0;
  for (int i = 3; i >= 0; --i) words = (words << 8) | static_cast<unsigned char>(header[i]);
  return {static_cast<std::uint8_t>(header[4]), words * word};
}

connection::response connection::receive() {
  const auto [type, size] = receive_header();
  response got;
  got.type = type;
  // Grown as bytes arrive, so that a size the node merely announces allocates nothing.
  constexpr std::size_t chunk = std::size_t{1} << 20;
  while (got.body.size() < size) {
    const auto at = got.body.size();
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size - at, chunk));
    got.body.resize(at + n);
    receive_exact(got.body.data() + at, n);
  }
  return got;
}

void connection::receive_exact(char* data, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    wait_for(POLLIN);
    const auto n = ::recv(fd_, data + got, size - got, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) lost(last_error());
    if (n == 0) lost("connection closed by the node");
    got += static_cast<std::size_t>(n);
  }
}

void connection::wait_for(short events) {
  pollfd p{fd_, events, 0};
  for (;;) {
    const int ready = ::poll(&p, 1, poll_timeout(timeout_));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) lost(last_error());
    if (ready == 0) lost(fmt::format("no answer within {} ms", timeout_.count()));
    return;
  }
}

void connection::lost(const std::string& cause) {
  close();
  throw failure(exit_code::failure, fmt::format("dqlite node {}: {}", escape_control_characters(address_), cause));
}

}  // namespace litemig::cluster

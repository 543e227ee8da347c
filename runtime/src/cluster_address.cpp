// The one place that reads a cluster address: dqlite://HOST:PORT[,HOST:PORT...]/DATABASE.
#include "litemig/cluster.hpp"
#include "litemig/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace litemig {

namespace {

constexpr std::string_view scheme = "dqlite:";
constexpr std::string_view form = "dqlite://HOST:PORT[,HOST:PORT...]/DATABASE";

bool starts_with_scheme(std::string_view text) {
  return text.size() >= scheme.size() && std::equal(scheme.begin(), scheme.end(), text.begin(), [](char a, char b) {
           return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
         });
}

[[noreturn]] void refuse(std::string_view text, std::string_view cause) {
  throw failure(exit_code::usage,
                escape_control_characters(fmt::format("{}: not a cluster address: {}; the form is {}", text, cause, form)));
}

bool is_host_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

// HOST:PORT with a name or IPv4 host, or [IPv6]:PORT; the cause of the refusal otherwise.
std::string node_problem(std::string_view node) {
  const auto colon = node.rfind(':');
  if (colon == std::string_view::npos) return fmt::format("node '{}' has no port", node);
  auto host = node.substr(0, colon);
  const auto port = node.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    const bool ipv6 = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    });
    if (!ipv6) return fmt::format("node '{}' has a malformed IPv6 address", node);
  } else if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_character)) {
    return fmt::format("node '{}' has no valid host name", node);
  }
  unsigned number = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (port.empty() || error != std::errc{} || end != port.data() + port.size() || number == 0 || number > 65535) {
    return fmt::format("node '{}' has no port between 1 and 65535", node);
  }
  return {};
}

}  // namespace

bool is_cluster_address(std::string_view text) { return starts_with_scheme(text); }

namespace cluster {

address parse_address(std::string_view text) {
  if (!starts_with_scheme(text)) refuse(text, "it does not start with dqlite://");
  auto rest = text.substr(scheme.size());
  if (!rest.starts_with("//")) refuse(text, "dqlite: is not followed by //");
  rest.remove_prefix(2);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) refuse(text, "no /DATABASE after the nodes");
  address parsed;
  parsed.text = std::string(text);
  parsed.database = std::string(rest.substr(slash + 1));
  const bool printable = std::all_of(parsed.database.begin(), parsed.database.end(),
                                     [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
  // The name is a file name in every node's data folder.
  if (parsed.database.empty() || parsed.database == "." || parsed.database == ".." ||
      parsed.database.find('/') != std::string::npos || !printable || parsed.database.size() > 255) {
    refuse(text, "the database must be a non-empty name without '/' or control characters");
  }
  auto nodes = rest.substr(0, slash);
  while (true) {
    const auto comma = nodes.find(',');
    const auto node = nodes.substr(0, comma);
    if (const auto problem = node_problem(node); !problem.empty()) refuse(text, problem);
    parsed.nodes.emplace_back(node);
    if (comma == std::string_view::npos) break;
    nodes.remove_prefix(comma + 1);
  }
  return parsed;
}

}  // namespace cluster
}  // namespace litemig

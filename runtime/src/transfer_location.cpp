#include "transfer.hpp"

#include "litemig/errors.hpp"
#include "sha256.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <memory>
#include <vector>

namespace litemig::transfer {

namespace {

[[noreturn]] void bad_location(std::string_view text, std::string_view cause) {
  throw failure(exit_code::usage, fmt::format("'{}': {}", text, cause));
}

ssh_location parse_ssh(std::string_view text) {
  std::string_view rest = text.substr(6);  // after "ssh://"
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) bad_location(text, "an ssh:// location needs a path after the host");
  std::string_view authority = rest.substr(0, slash);
  ssh_location where;
  where.path = std::string(rest.substr(slash));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    where.user = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
    if (where.user.empty()) bad_location(text, "empty user name before '@'");
  }
  if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    const std::string_view port_text = authority.substr(colon + 1);
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      bad_location(text, fmt::format("'{}' is not a port number", port_text));
    }
    where.port = port;
    authority = authority.substr(0, colon);
  }
  where.host = std::string(authority);
  if (where.host.empty()) bad_location(text, "an ssh:// location needs a host");
  for (const char c : where.host + where.user) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '-' || c == '_';
    if (!plain) bad_location(text, fmt::format("the host or user holds '{}'", c));
  }
  if (where.host.front() == '-' || (!where.user.empty() && where.user.front() == '-')) {
    bad_location(text, "a host or user cannot start with '-'");
  }
  check_remote_path(text, where.path);
  return where;
}

}  // namespace

// scp expands wildcards in remote paths and ssh hands commands to a shell: characters
// that could change what a path means there are refused rather than guessed at.
void check_remote_path(std::string_view text, std::string_view path) {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/') {
    bad_location(text, "an ssh:// location needs the absolute path of a file after the host");
  }
  for (const char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) bad_location(text, "the remote path holds a control character");
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      bad_location(text, fmt::format("the remote path holds '{}', which scp would expand", c));
    }
  }
}

location location::parse(std::string_view text) {
  if (text.empty()) throw failure(exit_code::usage, "empty database location");
  location result;
  if (text.starts_with("ssh://")) {
    result.remote = parse_ssh(text);
  } else if (text.starts_with("file://")) {
    result.local_path = std::filesystem::path(std::string(text.substr(7)));
    if (result.local_path.empty()) bad_location(text, "file:// needs a path");
  } else if (text.find("://") != std::string_view::npos) {
    bad_location(text, "only local paths, file:// and ssh:// are supported");
  } else {
    result.local_path = std::filesystem::path(std::string(text));
  }
  return result;
}

std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string file_sha256(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw failure(exit_code::failure, file.string(), "cannot read the file");
  detail::sha256 hasher;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw failure(exit_code::failure, file.string(), "read error");
  return hasher.hex();
}

std::unique_ptr<endpoint> open_endpoint(const location& where, const ssh_tools& tools) {
  return where.remote ? make_ssh_endpoint(*where.remote, tools) : make_local_endpoint(where.local_path);
}

std::string file_stem(std::string_view path) {
  return std::filesystem::path(std::string(path)).stem().string();
}

}  // namespace litemig::transfer

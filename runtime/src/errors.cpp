#include "litemig/errors.hpp"

#include "litemig/sqlite.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <new>

namespace litemig {

namespace {

std::string joined(const std::string& location, const std::string& cause) {
  return location.empty() ? cause : fmt::format("{}: {}", location, cause);
}

}  // namespace

failure::failure(exit_code code, std::string location, std::string cause)
    : std::runtime_error(joined(location, cause)), code_(code), location_(std::move(location)), cause_(std::move(cause)) {}

failure classify(std::exception_ptr error, const std::string& location) {
  try {
    std::rethrow_exception(error);
  } catch (const failure& e) {
    return e;
  } catch (const sqlite::error& e) {
    return failure(e.is_busy() ? exit_code::busy : exit_code::failure, e.file().empty() ? location : std::string(), e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    return failure(exit_code::failure, e.path1().empty() ? location : e.path1().string(), e.code().message());
  } catch (const std::bad_alloc&) {
    return failure(exit_code::failure, location, "out of memory");
  } catch (const std::exception& e) {
    return failure(exit_code::failure, location, e.what());
  } catch (...) {
    return failure(exit_code::failure, location, "an unknown error");
  }
}

std::string escape_control_characters(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      escaped += c;
    } else if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\r') {
      escaped += "\\r";
    } else if (c == '\t') {
      escaped += "\\t";
    } else {
      escaped += fmt::format("\\x{:02x}", byte);
    }
  }
  return escaped;
}

}  // namespace litemig

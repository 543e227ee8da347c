// Fuzz target for the migration-file parser: any input either parses into a migration whose
// text and checksum are the input's, or fails with one line naming the file.
#include "litemig/errors.hpp"
#include "litemig/migration.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void broken_promise(const char* what, const std::string& detail) {
  std::fprintf(stderr, "migration parser: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view file_name = "0007_fuzzed.sql";
  try {
    const auto parsed = litemig::parse_migration(file_name, text);
    if (parsed.version != 7) broken_promise("wrong version", std::to_string(parsed.version));
    if (parsed.text != text) broken_promise("text differs from the file", parsed.file_name);
    if (parsed.checksum != litemig::sha256_hex(text)) broken_promise("checksum is not the file's SHA-256", parsed.checksum);
    if (parsed.up.sql.size() + parsed.down.sql.size() > text.size()) broken_promise("parts longer than the file", parsed.file_name);
  } catch (const litemig::failure& refused) {
    const std::string message = refused.what();
    if (refused.code() != litemig::exit_code::usage) broken_promise("refusal is not a usage error", message);
    if (message.find(file_name) == std::string::npos) broken_promise("refusal does not name the file", message);
    if (message.find('\n') != std::string::npos) broken_promise("refusal is not one line", message);
  }
  return 0;
}

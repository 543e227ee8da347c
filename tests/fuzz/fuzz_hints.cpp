// Fuzz target for the hints parser: any input either parses, and every hint read back from
// its own text is the same hint, or fails with one line naming the file and the line.
#include "litemig/errors.hpp"
#include "litemig/hints.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void broken_promise(const char* what, const std::string& detail) {
  std::fprintf(stderr, "hints parser: %s: %s\n", what, detail.c_str());
  std::abort();
}

bool same_hint(const litemig::hint& a, const litemig::hint& b) {
  return a.what == b.what && a.table == b.table && a.column == b.column && a.new_name == b.new_name &&
         a.expression == b.expression;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  litemig::hints parsed;
  try {
    parsed = litemig::parse_hints(text, "hints.txt");
  } catch (const litemig::failure& refused) {
    const std::string message = refused.what();
    if (refused.code() != litemig::exit_code::usage) broken_promise("refusal is not a usage error", message);
    if (!message.starts_with("hints.txt:")) broken_promise("refusal does not name the file", message);
    if (message.find('\n') != std::string::npos) broken_promise("refusal is not one line", message);
    return 0;
  }
  for (const auto& entry : parsed.entries) {
    const auto line = entry.text();
    litemig::hints again;
    try {
      again = litemig::parse_hints(line, "again.txt");
    } catch (const litemig::failure& refused) {
      broken_promise("a hint's own text does not parse", line + " -> " + refused.what());
    }
    if (again.entries.size() != 1 || !same_hint(again.entries.front(), entry)) {
      broken_promise("a hint's own text reads back differently", line);
    }
  }
  return 0;
}

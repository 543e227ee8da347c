#include "names.hpp"

#include <fmt/format.h>

#include <ctime>

namespace litemig::detail {

std::string format_utc_now(const char* pattern) {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, pattern, &parts);
  return text;
}

std::filesystem::path unused_name(const std::filesystem::path& folder, const std::string& stem,
                                  const std::string& extension, char separator) {
  auto candidate = folder / (stem + extension);
  for (int n = 2; std::filesystem::exists(candidate); ++n) {
    candidate = folder / fmt::format("{}{}{}{}", stem, separator, n, extension);
  }
  return candidate;
}

}  // namespace litemig::detail

// The little JSON the commands print (--json): string literals, escaped per RFC 8259.
#pragma once

#include <string>
#include <string_view>

namespace litemig {

std::string json_string(std::string_view text);

}  // namespace litemig

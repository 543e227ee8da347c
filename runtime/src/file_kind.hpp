// What kind of file a path names, for refusals of directories, FIFOs and devices.
#pragma once

#include <sys/types.h>

#include <string_view>

namespace litemig::detail {

// "a directory", "a FIFO", ... for an st_mode that is not a regular file's.
std::string_view file_kind(mode_t mode);

}  // namespace litemig::detail

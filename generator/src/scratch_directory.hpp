// A private temporary folder, removed however the work in it ends.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <random>
#include <string_view>

namespace litemig {

class scratch_directory {
 public:
  explicit scratch_directory(std::string_view purpose) {
    std::random_device entropy;
    path_ = std::filesystem::temp_directory_path() / fmt::format("litemig-{}-{:08x}{:08x}", purpose, entropy(), entropy());
    std::filesystem::create_directories(path_);
  }
  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;
  ~scratch_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace litemig

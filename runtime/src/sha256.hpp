// SHA-256 (GNU Nettle): the checksum of migration files and of transferred databases.
// Nettle needs no library start-up, unlike OpenSSL 3's provider loading (about 1.5 ms per process).
#pragma once

#include <nettle/sha2.h>

#include <cstdint>

#include <string>
#include <string_view>

namespace litemig::detail {

class sha256 {
 public:
  sha256() { sha256_init(&context_); }
  void update(std::string_view data) {
    sha256_update(&context_, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
  }
  // Lower-case hex of the digest; the hasher starts over afterwards.
  std::string hex();

 private:
  sha256_ctx context_{};
};

}  // namespace litemig::detail

// A throwaway OpenSSH server on 127.0.0.1 for the deploy tests: its own host key, one
// authorized key, a free port, stopped (by its pid) when the object goes away.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace deploy_test {

class ssh_server {
 public:
  // Where sshd is expected; the ssh tests skip when it is not installed.
  static bool available();

  // Starts sshd with keys and configuration in FOLDER; throws std::runtime_error when it does not answer.
  explicit ssh_server(const std::filesystem::path& folder);
  ssh_server(const ssh_server&) = delete;
  ssh_server& operator=(const ssh_server&) = delete;
  ~ssh_server();

  // ssh://user@127.0.0.1:port/PATH
  std::string url(const std::filesystem::path& path) const;
  // --ssh-option arguments that let litemig log in without questions.
  std::vector<std::string> client_arguments() const;

 private:
  void stop() noexcept;
  std::filesystem::path folder_;
  std::string user_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace deploy_test

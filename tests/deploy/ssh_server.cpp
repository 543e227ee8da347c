#include "ssh_server.hpp"

#include "deploy_support.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace deploy_test {

namespace {

const char* const sshd_program = "/usr/sbin/sshd";

// A port the kernel just handed out on loopback, free once the probe socket closes.
int free_loopback_port() {
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (probe < 0 || ::bind(probe, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(probe);
  return ntohs(address.sin_port);
}

void generate_key(const fs::path& key) {
  const auto made = run("ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-C", "litemig-test", "-f", key.string()});
  if (made.exit_code != 0) throw std::runtime_error("ssh-keygen failed: " + made.err);
}

}  // namespace

bool ssh_server::available() { return ::access(sshd_program, X_OK) == 0; }

ssh_server::ssh_server(const fs::path& folder) : folder_(folder), port_(free_loopback_port()) {
  const passwd* account = ::getpwuid(::getuid());
  if (account == nullptr) throw std::runtime_error("cannot name the current user");
  user_ = account->pw_name;
  generate_key(folder_ / "host_key");
  generate_key(folder_ / "client_key");
  write_file(folder_ / "authorized_keys", read_file(folder_ / "client_key.pub"));
  // sshd running as root wants its privilege-separation folder.
  if (::getuid() == 0) fs::create_directories("/run/sshd");
  write_file(folder_ / "sshd_config",
             fmt::format("Port {}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n"
                         "StrictModes no\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
                         "KbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin prohibit-password\n"
                         "Subsystem sftp internal-sftp\nLogLevel ERROR\n",
                         port_, (folder_ / "host_key").string(), (folder_ / "sshd.pid").string(),
                         (folder_ / "authorized_keys").string()));

  std::vector<std::string> argv{sshd_program, "-D", "-e", "-f", (folder_ / "sshd_config").string()};
  std::vector<char*> raw;
  for (auto& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("cannot start sshd");
  if (pid_ == 0) {
    // A test binary that dies without its teardown must not leave sshd listening.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::execv(sshd_program, raw.data());
    ::_exit(127);
  }
  // Wait until it accepts a login; sshd needs a moment to bind.
  std::vector<std::string> probe = client_arguments();
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::vector<std::string> args{"-p", std::to_string(port_)};
    for (std::size_t i = 1; i < probe.size(); i += 2) {
      args.push_back("-o");
      args.push_back(probe[i]);
    }
    args.push_back(user_ + "@127.0.0.1");
    args.push_back("true");
    if (run("ssh", args).exit_code == 0) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("sshd exited at start; see its configuration in " + folder_.string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop();
  throw std::runtime_error("sshd on 127.0.0.1 never accepted a login");
}

ssh_server::~ssh_server() { stop(); }

void ssh_server::stop() noexcept {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

std::string ssh_server::url(const fs::path& path) const {
  return fmt::format("ssh://{}@127.0.0.1:{}{}", user_, port_, path.string());
}

std::vector<std::string> ssh_server::client_arguments() const {
  return {"--ssh-option", "IdentityFile=" + (folder_ / "client_key").string(),
          "--ssh-option", "IdentitiesOnly=yes",
          "--ssh-option", "StrictHostKeyChecking=no",
          "--ssh-option", "UserKnownHostsFile=/dev/null",
          "--ssh-option", "BatchMode=yes",
          "--ssh-option", "LogLevel=ERROR"};
}

}  // namespace deploy_test

#include "cli/detach.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/api_client.hpp"

namespace hyphae::cli {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool running(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  // A zombie (exited, not yet reaped by init) is not running.
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

}  // namespace

std::optional<int> detach(const daemon::Config& config, bool as_json) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  const auto out_file = config.data_dir / "daemon.out";
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) {
    fmt::print(stderr, "hyphae: cannot detach: pipe: {}\n", std::strerror(errno));
    return 1;
  }
  (void)std::fflush(stdout);
  (void)std::fflush(stderr);
  const pid_t child = ::fork();
  if (child < 0) {
    fmt::print(stderr, "hyphae: cannot detach: fork: {}\n", std::strerror(errno));
    return 1;
  }
  if (child == 0) {
    ::close(pipe_fds[0]);
    ::setsid();  // no controlling terminal: a closed shell does not stop the node
    const pid_t daemon_pid = ::fork();
    if (daemon_pid != 0) {
      const auto n = ::write(pipe_fds[1], &daemon_pid, sizeof daemon_pid);
      ::_exit(n == sizeof daemon_pid && daemon_pid > 0 ? 0 : 1);
    }
    ::close(pipe_fds[1]);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    if (out_fd >= 0) {
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(out_fd, STDERR_FILENO);
    }
    return std::nullopt;  // the daemon
  }
  ::close(pipe_fds[1]);
  pid_t daemon_pid = 0;
  const auto n = ::read(pipe_fds[0], &daemon_pid, sizeof daemon_pid);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (n != sizeof daemon_pid || daemon_pid <= 0) {
    fmt::print(stderr, "hyphae: cannot detach: the second fork failed\n");
    return 1;
  }

  // Ready when the daemon printed its "hyphae node ..." line (after its API
  // socket listens) and the API answers.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::string node_id;
  for (;;) {
    if (!running(daemon_pid)) {
      fmt::print(stderr, "hyphae: the daemon (pid {}) exited during start-up; its output ({}):\n{}",
                 daemon_pid, out_file.string(), read_file(out_file));
      return 1;
    }
    if (node_id.empty()) {
      const std::string out = read_file(out_file);
      if (auto at = out.find("hyphae node "); at != std::string::npos) {
        const auto id_end = out.find(' ', at + 12);
        node_id = out.substr(at + 12, id_end == std::string::npos ? std::string::npos : id_end - at - 12);
      }
    }
    if (!node_id.empty()) {
      if (config.api.port == 0) break;  // an ephemeral port: the line is all we know
      auto reply = api_request(config.api.to_string(), "GET", "/healthz", {}, config.api_token);
      if (reply) break;  // any HTTP answer: the API is up (its health is another matter)
    }
    if (std::chrono::steady_clock::now() > deadline) {
      fmt::print(stderr, "hyphae: the daemon (pid {}) is not ready after {} s; it keeps running; see {}\n",
                 daemon_pid, kStartTimeout.count(), out_file.string());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto pid_file = std::filesystem::absolute(config.data_dir / "hyphae.pid").string();
  const auto log_file = std::filesystem::absolute(config.data_dir / "hyphae.log").string();
  if (as_json) {
    fmt::print("{}\n", nlohmann::json{{"pid", daemon_pid},
                                      {"node_id", node_id},
                                      {"api", config.api.to_string()},
                                      {"pid_file", pid_file},
                                      {"log_file", log_file}}
                           .dump());
  } else {
    fmt::print("hyphae node {} started in the background: pid {} ({}), api http://{}, log {}\n", node_id,
               daemon_pid, pid_file, config.api.to_string(), log_file);
  }
  return 0;
}

}  // namespace hyphae::cli

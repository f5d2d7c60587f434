#include "cli/logs.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/api_client.hpp"
#include "daemon/config.hpp"
#include "daemon/log_file.hpp"

namespace hyphae::cli {
namespace {

constexpr auto kFollowPoll = std::chrono::milliseconds(200);

// Where the log is: --file, else the config's data_dir, else the daemon's word.
Result<std::string, std::string> log_path(const ApiOptions& api, const LogsOptions& opts) {
  if (!opts.file.empty()) return opts.file;
  if (!opts.config.empty()) {
    auto config = daemon::load_config(opts.config);
    if (!config) return fail(config.error());
    return (config->data_dir / "hyphae.log").string();
  }
  auto reply = api_request(api.address, "GET", "/api/mesh/status", {}, api.token);
  if (!reply) return fail(reply.error() + "; or read the file directly with --config FILE or --file PATH");
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (reply->status != 200 || body.is_discarded() || !body.contains("log_file") ||
      !body["log_file"].is_string()) {
    return fail(
        fmt::format("the daemon did not say where its log is (HTTP {}); use --config FILE or --file PATH",
                    reply->status));
  }
  return body["log_file"].get<std::string>();
}

class Printer {
 public:
  Printer(const LogsOptions& opts, int min_rank) : opts_(opts), min_rank_(min_rank) {}
  // Prints one line if it passes the filter.
  void line(const std::string& text) {
    daemon::LogLine l;
    if (!daemon::parse_log_line(text, l)) {
      if (min_rank_ <= 0 && !opts_.json) fmt::print("{}\n", text);  // not ours: shown only unfiltered
      return;
    }
    if (daemon::log_level_rank(l.level) < min_rank_) return;
    if (opts_.json) {
      fmt::print("{}\n", text);
    } else {
      fmt::print("{} {:<5} {}\n", l.ts, l.level, l.msg);
    }
  }
  bool passes(const std::string& text) const {
    daemon::LogLine l;
    if (!daemon::parse_log_line(text, l)) return min_rank_ <= 0 && !opts_.json;
    return daemon::log_level_rank(l.level) >= min_rank_;
  }

 private:
  const LogsOptions& opts_;
  int min_rank_;
};

}  // namespace

int logs(const ApiOptions& api, const LogsOptions& opts) {
  int min_rank = 0;
  if (!opts.level.empty()) {
    min_rank = daemon::log_level_rank(opts.level);
    if (min_rank < 0) {
      fmt::print(stderr, "hyphae logs: --level {}: use trace, debug, info, warn, error or critical\n",
                 opts.level);
      return 2;
    }
  }
  auto path = log_path(api, opts);
  if (!path) {
    fmt::print(stderr, "hyphae logs: {}\n", path.error());
    return 1;
  }
  Printer printer(opts, min_rank);
  std::ifstream in(*path);
  if (!in && !opts.follow) {
    fmt::print(stderr, "hyphae logs: cannot open {}\n", *path);
    return 1;
  }
  // The last N matching lines of what is there now.
  std::deque<std::string> tail;
  std::string text;
  while (in && std::getline(in, text)) {
    if (!printer.passes(text)) continue;
    tail.push_back(text);
    if (tail.size() > opts.lines) tail.pop_front();
  }
  for (const auto& t : tail) printer.line(t);
  (void)std::fflush(stdout);
  if (!opts.follow) return 0;

  // Follow: read what is appended; when the file is replaced (rotation) or
  // shrinks, start again from the top of the new one.
  struct stat st{};
  ino_t inode = ::stat(path->c_str(), &st) == 0 ? st.st_ino : 0;
  std::streamoff offset = 0;
  if (in.is_open()) {
    in.clear();
    in.seekg(0, std::ios::end);
    offset = in.tellg();
  }
  std::string partial;
  for (;;) {
    std::this_thread::sleep_for(kFollowPoll);
    if (::stat(path->c_str(), &st) != 0) continue;  // between rotate and re-create
    if (st.st_ino != inode || st.st_size < offset || !in.is_open()) {
      in = std::ifstream(*path);
      inode = st.st_ino;
      offset = 0;
      partial.clear();
      if (!in) continue;
    }
    in.clear();
    in.seekg(offset);
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    offset += static_cast<std::streamoff>(chunk.size());
    partial += chunk;
    std::size_t start = 0;
    for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n', start)) {
      printer.line(partial.substr(start, nl - start));
      start = nl + 1;
    }
    partial.erase(0, start);
    (void)std::fflush(stdout);
  }
}

}  // namespace hyphae::cli

#include "daemon/membership_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace hyphae::daemon {
using nlohmann::json;

namespace {

std::string errno_text(const std::filesystem::path& path, std::string_view what) {
  return fmt::format("{} {}: {}", what, path.string(), std::strerror(errno));
}

// Most recently seen first; never-seen last; then by id for a stable order.
bool fresher(const KnownPeer& a, const KnownPeer& b) {
  const auto la = a.last_seen_ms.value_or(-1), lb = b.last_seen_ms.value_or(-1);
  if (la != lb) return la > lb;
  return a.node_id < b.node_id;
}

}  // namespace

Result<MembershipState, std::string> load_membership_state(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    if (errno == ENOENT) return MembershipState{};
    return fail(errno_text(file, "cannot read"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto doc = json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  const auto corrupt = [&](std::string_view why) {
    return fail(fmt::format("corrupt {}: {}", file.string(), why));
  };
  if (doc.is_discarded() || !doc.is_object()) return corrupt("not a JSON object");
  if (!doc.contains("incarnation") || !doc["incarnation"].is_number_unsigned()) {
    return corrupt("'incarnation' must be a non-negative integer");
  }
  MembershipState s;
  s.incarnation = doc["incarnation"].get<std::uint64_t>();
  if (doc.contains("peers")) {
    if (!doc["peers"].is_array()) return corrupt("'peers' must be an array");
    for (const auto& p : doc["peers"]) {
      if (!p.is_object() || !p.value("node_id", json()).is_string() ||
          !p.value("address", json()).is_string())
        return corrupt("a peer needs 'node_id' and 'address' strings");
      auto address = Endpoint::parse(p["address"].get<std::string>());
      if (!address) return corrupt("a peer's 'address' is not ip:port");
      KnownPeer k{.node_id = p["node_id"].get<std::string>(), .address = *address};
      if (p.contains("last_seen") && p["last_seen"].is_number_integer()) {
        k.last_seen_ms = p["last_seen"].get<std::int64_t>();
      }
      k.state = p.value("state", json("alive")).is_string() ? p.value("state", "alive") : "alive";
      s.peers.push_back(std::move(k));
    }
  }
  return s;
}

Result<void, std::string> save_membership_state(const std::filesystem::path& file, const MembershipState& s) {
  json peers = json::array();
  for (const auto& p : s.peers) {
    peers.push_back({{"node_id", p.node_id},
                     {"address", p.address.to_string()},
                     {"last_seen", p.last_seen_ms ? json(*p.last_seen_ms) : json(nullptr)},
                     {"state", p.state}});
  }
  const std::string text = json{{"incarnation", s.incarnation}, {"peers", peers}}.dump(1) + "\n";
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::filesystem::path tmp = file.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(errno_text(tmp, "cannot create"));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    const auto error = errno_text(tmp, "cannot write");
    ::unlink(tmp.c_str());
    return fail(error);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) return fail(errno_text(file, "cannot rename into"));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fail(errno_text(dir, "cannot open"));
  const int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) return fail(errno_text(dir, "cannot fsync"));
  return {};
}

std::vector<KnownPeer> merge_known_peers(const std::vector<KnownPeer>& stored, std::vector<KnownPeer> fresh,
                                         std::size_t max) {
  std::map<std::string, KnownPeer> by_id;
  for (const auto& p : stored) by_id[p.node_id] = p;
  for (auto& p : fresh) {
    auto it = by_id.find(p.node_id);
    // The view may not have acked it itself (it heard of it by gossip): keep
    // the last time we did.
    if (!p.last_seen_ms && it != by_id.end()) p.last_seen_ms = it->second.last_seen_ms;
    by_id[p.node_id] = std::move(p);
  }
  std::vector<KnownPeer> out;
  out.reserve(by_id.size());
  for (auto& [id, p] : by_id) out.push_back(std::move(p));
  std::sort(out.begin(), out.end(), fresher);
  if (out.size() > max) out.resize(max);
  return out;
}

std::vector<Endpoint> rejoin_seeds(const MembershipState& s, const std::vector<Endpoint>& bootstrap,
                                   std::size_t max_stored) {
  std::vector<KnownPeer> peers = s.peers;
  std::stable_sort(peers.begin(), peers.end(), [](const KnownPeer& a, const KnownPeer& b) {
    const bool la = a.state == "alive" || a.state == "suspect";
    const bool lb = b.state == "alive" || b.state == "suspect";
    if (la != lb) return la;
    return fresher(a, b);
  });
  std::vector<Endpoint> out;
  std::set<Endpoint> seen;
  for (const auto& p : peers) {
    if (out.size() >= max_stored) break;
    if (p.state == "left") continue;  // it said goodbye; bootstrap or gossip will bring it back
    if (seen.insert(p.address).second) out.push_back(p.address);
  }
  for (const auto& b : bootstrap) {
    if (seen.insert(b).second) out.push_back(b);
  }
  return out;
}

}  // namespace hyphae::daemon

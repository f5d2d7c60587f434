// membership.json in the data directory: this node's incarnation and the
// members it knew, so a restarted node rejoins with a higher incarnation and
// without needing its bootstrap list (DESIGN.md §1.6: state that must survive
// a restart is written with fsync and an atomic rename).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/endpoint.hpp"
#include "base/result.hpp"

namespace hyphae::daemon {

struct KnownPeer {
  std::string node_id;  // 40 hex characters
  Endpoint address;
  std::optional<std::int64_t> last_seen_ms;  // Unix time (ms) of the last ack we had from it
  std::string state;                         // "alive", "suspect", "dead", "left"
  bool operator==(const KnownPeer&) const = default;
};

struct MembershipState {
  std::uint64_t incarnation = 0;
  std::vector<KnownPeer> peers;
  bool operator==(const MembershipState&) const = default;
};

// A missing file is an empty state (first start); an unreadable or corrupt
// one is an error.
Result<MembershipState, std::string> load_membership_state(const std::filesystem::path& file);
// Temp file, fsync, rename over `file`, fsync of the directory.
Result<void, std::string> save_membership_state(const std::filesystem::path& file, const MembershipState& s);

// `fresh` (the current view) replaces what `stored` said about the same
// node; stored entries the view no longer has are kept. At most `max` entries,
// the most recently seen first.
std::vector<KnownPeer> merge_known_peers(const std::vector<KnownPeer>& stored, std::vector<KnownPeer> fresh,
                                         std::size_t max = 256);

// Addresses to join at start: the stored peers (alive and suspect first, most
// recently seen first, at most `max_stored`), then `bootstrap`; no repeats.
std::vector<Endpoint> rejoin_seeds(const MembershipState& s, const std::vector<Endpoint>& bootstrap,
                                   std::size_t max_stored = 16);

}  // namespace hyphae::daemon

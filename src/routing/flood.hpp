// Broadcast flooding over the mesh (DESIGN.md §2 routing/): a message that
// must reach every node is sent to every neighbour; each node delivers it
// once, remembers (origin, message id) in a bounded duplicate cache, and
// passes it on to every neighbour but the one it came from while its TTL
// lasts. Pure data structure: time comes in as arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "routing/types.hpp"

namespace hyphae::routing {

struct FloodConfig {
  std::size_t capacity = 8192;    // remembered messages; the oldest goes first
  Duration expiry = seconds(30);  // longer than any flood takes to die out
  std::uint8_t max_ttl = 16;      // a larger TTL from the wire is clamped to this
};

struct FloodKey {
  crypto::NodeId origin;
  std::uint64_t id = 0;
  bool operator==(const FloodKey&) const = default;
};

struct FloodKeyHash {
  std::size_t operator()(const FloodKey& k) const noexcept {
    return std::hash<crypto::NodeId>{}(k.origin) ^ (k.id * 0x9e3779b97f4a7c15ULL);
  }
};

class FloodCache {
 public:
  explicit FloodCache(FloodConfig config = {});

  // True the first time (origin, id) is seen within `expiry`: remember it.
  // False for a duplicate.
  bool first_seen(Instant now, const FloodKey& key);
  bool contains(Instant now, const FloodKey& key) const;
  void expire(Instant now);
  std::size_t size() const { return seen_.size(); }
  std::optional<Instant> next_expiry() const;
  const FloodConfig& config() const { return config_; }

 private:
  FloodConfig config_;
  std::unordered_map<FloodKey, Instant, FloodKeyHash> seen_;  // key -> when first seen
  std::deque<std::pair<Instant, FloodKey>> order_;            // oldest first
};

struct FloodDecision {
  bool deliver = false;                 // new to us: hand it to the application
  std::optional<std::uint8_t> ttl;      // TTL to forward with, if it goes on
  std::vector<NeighbourId> forward_to;  // every neighbour but the sender
};

// Every neighbour but `from` (nullopt: we originate it, so all of them).
std::vector<NeighbourId> forward_targets(std::span<const NeighbourId> neighbours,
                                         const std::optional<NeighbourId>& from);

// One received (or, with from == nullopt, originated) flood message with
// `ttl` hops left: a duplicate is dropped; a new one is delivered and, if
// ttl - 1 > 0, forwarded with ttl - 1 (an originated one goes out with ttl).
FloodDecision on_flood(FloodCache& cache, Instant now, const FloodKey& key, std::uint8_t ttl,
                       const std::optional<NeighbourId>& from, std::span<const NeighbourId> neighbours);

}  // namespace hyphae::routing

// Peer exchange (docs/discovery.md §5): a node tells a neighbour about a few
// peers it has recently reached, so a new node learns the mesh beyond its
// bootstrap list and its LAN.
//
// Wire form of one list, carried inside an authenticated session:
//   count u8 (0..16) | count * ( NodeId (20) | IPv6 address (16; IPv4 is
//   v4-mapped) | port u16 BE )
//
// Received entries are hints only: the sender vouches for nothing, and a
// peer's key is trusted only after our own Noise handshake with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "wire/drop.hpp"

namespace hyphae::discovery {

inline constexpr std::size_t kMaxExchangePeers = 16;
inline constexpr std::size_t kExchangeEntrySize = crypto::NodeId::kLen + 16 + 2;
inline constexpr std::size_t kMaxExchangeSize = 1 + kMaxExchangePeers * kExchangeEntrySize;

struct PeerHint {
  crypto::NodeId id;
  Endpoint address;
  bool operator==(const PeerHint&) const = default;
};

// A peer we know, with when its address was last confirmed by an
// authenticated packet from it (not by a hint).
struct ConfirmedPeer {
  crypto::NodeId id;
  Endpoint address;
  Instant confirmed_at;
};

// A uniform random sample of min(k, 16, eligible) peers whose address was
// confirmed within max_age of now (confirmed_at in [now - max_age, now]).
// Order is random too; deterministic for a given rng state and input order.
std::vector<PeerHint> sample(std::span<const ConfirmedPeer> known, std::size_t k, Rng& rng, Instant now,
                             Duration max_age);

// Asserts peers.size() <= kMaxExchangePeers.
Bytes encode_peer_list(std::span<const PeerHint> peers);

// Total, never throws. Drops: truncated (shorter than the count says),
// trailing_bytes (longer), oversized (count above 16), bad_value (port 0, the
// unspecified address, a zero NodeId, or the same NodeId twice).
// Allocates at most kMaxExchangePeers entries.
Result<std::vector<PeerHint>, wire::Drop> decode_peer_list(ByteView in);

}  // namespace hyphae::discovery

// Node identity (DESIGN.md §2 crypto/): the X25519 static key, the NodeId
// derived from it (BLAKE2b-160 of the public key) and the node's IPv6 ULA
// (fd00::/8 followed by the first 15 bytes of the NodeId).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/key_source.hpp"
#include "crypto/keys.hpp"

namespace hyphae::crypto {

struct NodeId {
  static constexpr std::size_t kLen = 20;
  std::array<std::uint8_t, kLen> bytes{};

  auto operator<=>(const NodeId&) const = default;
  // 40 lower-case hex digits.
  std::string to_string() const;
  // Exactly 40 hex digits (either case); nullopt otherwise.
  static std::optional<NodeId> parse(std::string_view text);
};

// BLAKE2b with a 20-byte output and no key, over the 32-byte public key.
NodeId node_id_of(const PublicKey& pub);

using Ipv6Address = std::array<std::uint8_t, 16>;
// 0xfd, then node id bytes 0..14.
Ipv6Address ula_of(const NodeId& id);
// RFC 5952 text, e.g. "fd12:3456:...".
std::string ula_string(const NodeId& id);

struct Identity {
  KeyPair keys;
  NodeId id;

  static Identity from_keys(const KeyPair& keys);
  static Identity generate(KeySource& source);
};

}  // namespace hyphae::crypto

// NodeIds are already uniform hashes, so the first 8 bytes make a good,
// deterministic (process-independent) hash.
template <>
struct std::hash<hyphae::crypto::NodeId> {
  std::size_t operator()(const hyphae::crypto::NodeId& id) const noexcept {
    std::uint64_t h = 0;
    for (std::size_t i = 0; i < 8; ++i) h = h << 8 | id.bytes[i];
    return static_cast<std::size_t>(h);
  }
};

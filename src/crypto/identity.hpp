// Node identity (DESIGN.md §2 crypto/). One 32-byte secret seed is the whole
// identity: it makes an Ed25519 signing key pair (for signed membership and
// discovery records), and the X25519 static key for Noise is the birationally
// equivalent Montgomery form of that Ed25519 key (libsodium's
// crypto_sign_ed25519_*_to_curve25519). So an Ed25519 public key *is* bound to
// a NodeId: anyone can convert it and recompute the id, and a record signed by
// a key that does not map to the claimed id is a forgery.
// NodeId = BLAKE2b-160 of the X25519 public key; the node's IPv6 ULA is
// fd00::/8 followed by the first 15 bytes of the NodeId.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
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

inline constexpr std::size_t kSeedLen = 32;
inline constexpr std::size_t kSignatureLen = 64;
using Seed = std::array<std::uint8_t, kSeedLen>;
using SigningPublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, kSignatureLen>;

// The NodeId an Ed25519 public key stands for; nullopt if the key is not a
// valid curve point (so it has no X25519 form).
std::optional<NodeId> node_id_of_signing_key(const SigningPublicKey& pub);
// Its X25519 form (the key Noise and seal_to use), or nullopt likewise.
std::optional<PublicKey> x25519_of_signing_key(const SigningPublicKey& pub);

struct Identity {
  KeyPair keys;  // X25519, for Noise
  SigningPublicKey signing_pub{};
  std::array<std::uint8_t, 64> signing_secret{};  // libsodium's seed||pub form
  NodeId id;

  Identity() = default;
  Identity(const Identity& other) = default;
  Identity& operator=(const Identity& other) = default;
  ~Identity();

  static Identity from_seed(const Seed& seed);
  // 32 bytes from `source` become the seed.
  static Identity generate(KeySource& source);
  // The seed, for writing the key file.
  Seed seed() const;

  Signature sign(ByteView message) const;
};

// Ed25519 verification (libsodium, strict: rejects small-order keys).
bool verify_signature(const SigningPublicKey& pub, ByteView message, const Signature& sig);

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

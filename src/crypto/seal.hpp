// End-to-end sealing of a frame for a node that is not a neighbour, so the
// nodes relaying it read only its routing header. libsodium's crypto_box
// (X25519 + XSalsa20-Poly1305) from the sender's static key to the
// receiver's: only the receiver can open it, and opening proves which static
// key sealed it. Layout: nonce (24) || ciphertext with its 16-byte tag.
//
// The nonce is 24 random bytes from the caller's Rng (seeded per node, so the
// simulator stays deterministic); 192 bits make a repeat negligible.
// Replays are not stopped here: what the frame carries (message ids) is
// de-duplicated by the receiver.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "crypto/keys.hpp"

namespace hyphae::crypto {

inline constexpr std::size_t kSealNonceLen = 24;
inline constexpr std::size_t kSealOverhead = kSealNonceLen + 16;
using SealNonce = std::array<std::uint8_t, kSealNonceLen>;

Bytes seal_to(const KeyPair& from, const PublicKey& to, const SealNonce& nonce, ByteView plaintext);
// nullopt if it was not sealed by `from` for `self`, or was altered.
std::optional<Bytes> open_from(const KeyPair& self, const PublicKey& from, ByteView sealed);

}  // namespace hyphae::crypto

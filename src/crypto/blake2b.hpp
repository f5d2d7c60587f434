// The Noise hash functions for BLAKE2b (Noise rev 34 §4.3, §5.1): HASH,
// HMAC-HASH (RFC 2104 over crypto_generichash) and the Noise HKDF.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/bytes.hpp"

namespace hyphae::crypto {

inline constexpr std::size_t kHashLen = 64;    // Noise HASHLEN for BLAKE2b
inline constexpr std::size_t kBlockLen = 128;  // Noise BLOCKLEN for BLAKE2b

using Digest = std::array<std::uint8_t, kHashLen>;

// BLAKE2b-512 of a || b (b may be empty).
Digest blake2b(ByteView a, ByteView b = {});

// HMAC-BLAKE2b(key, a || b). Keys longer than BLOCKLEN are hashed first.
Digest hmac_blake2b(ByteView key, ByteView a, ByteView b = {});

// Noise HKDF(chaining_key, input_key_material, n) for n = outputs.size(),
// which must be 2 or 3. Secret intermediates are wiped.
void hkdf(ByteView chaining_key, ByteView input_key_material, std::span<Digest> outputs);

}  // namespace hyphae::crypto

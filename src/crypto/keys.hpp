// X25519 key pairs (Noise DH = 25519).
#pragma once

#include <array>
#include <cstdint>

#include "crypto/key_source.hpp"

namespace hyphae::crypto {

inline constexpr std::size_t kKeyLen = 32;

using PublicKey = std::array<std::uint8_t, kKeyLen>;
using PrivateKey = std::array<std::uint8_t, kKeyLen>;

// An aggregate so callers may write KeyPair{.pub = ..., .priv = ...}. The
// destructor wipes the private key; copies wipe themselves too.
struct KeyPair {
  PublicKey pub{};
  PrivateKey priv{};

  ~KeyPair();

  // 32 bytes from `keys` become the private key (X25519 clamps on use).
  static KeyPair generate(KeySource& keys);
  // Derives the public key with crypto_scalarmult_base.
  static KeyPair from_private(const PrivateKey& priv);
};

}  // namespace hyphae::crypto

// Noise CipherState (rev 34 §5.1) for ChaChaPoly: a key k and a nonce n.
// The AEAD nonce is 4 zero bytes || n as 8 little-endian bytes (§12.3).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/noise_error.hpp"

namespace hyphae::crypto {

inline constexpr std::size_t kTagLen = 16;
// Noise reserves 2^64-1: EncryptWithAd/DecryptWithAd refuse it.
inline constexpr std::uint64_t kNonceReserved = ~std::uint64_t{0};

using SymmetricKey = std::array<std::uint8_t, 32>;

// Move-only so a key is never silently duplicated; the destructor and moves
// wipe the key. A moved-from CipherState has no key.
class CipherState {
 public:
  CipherState() = default;
  explicit CipherState(const SymmetricKey& k) { initialize_key(k); }
  ~CipherState();
  CipherState(CipherState&& other) noexcept;
  CipherState& operator=(CipherState&& other) noexcept;
  CipherState(const CipherState&) = delete;
  CipherState& operator=(const CipherState&) = delete;

  // InitializeKey: sets k and resets n to 0.
  void initialize_key(const SymmetricKey& k);
  bool has_key() const { return has_key_; }
  std::uint64_t nonce() const { return n_; }
  void set_nonce(std::uint64_t n) { n_ = n; }

  // EncryptWithAd: without a key the plaintext is returned unchanged.
  Result<Bytes, NoiseError> encrypt_with_ad(ByteView ad, ByteView plaintext);
  // As encrypt_with_ad, appending to `out` (which must not alias the inputs).
  Result<void, NoiseError> encrypt_with_ad_append(ByteView ad, ByteView plaintext, Bytes& out);
  // DecryptWithAd: n advances only on success.
  Result<Bytes, NoiseError> decrypt_with_ad(ByteView ad, ByteView ciphertext);
  // Rekey (§4.2): k = first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zeros).
  void rekey();

  // Explicit-nonce AEAD on the current key, for transports that carry the
  // counter on the wire. Requires has_key(). seal_at needs
  // out.size() == plaintext.size() + kTagLen; open_at needs
  // ciphertext.size() >= kTagLen and out.size() == ciphertext.size() - kTagLen
  // and returns false on authentication failure. In-place use
  // (out.data() == input data) is allowed, other overlaps are not.
  void seal_at(std::uint64_t n, ByteView ad, ByteView plaintext, std::span<std::uint8_t> out) const;
  [[nodiscard]] bool open_at(std::uint64_t n, ByteView ad, ByteView ciphertext,
                             std::span<std::uint8_t> out) const;

 private:
  void wipe();

  SymmetricKey k_{};
  std::uint64_t n_ = 0;
  bool has_key_ = false;
};

}  // namespace hyphae::crypto

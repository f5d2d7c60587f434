// Noise SymmetricState (rev 34 §5.2): chaining key ck, handshake hash h and a
// CipherState, for HASH = BLAKE2b.
#pragma once

#include <string_view>
#include <utility>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/blake2b.hpp"
#include "crypto/cipher_state.hpp"
#include "crypto/noise_error.hpp"

namespace hyphae::crypto {

class SymmetricState {
 public:
  // InitializeSymmetric(protocol_name).
  explicit SymmetricState(std::string_view protocol_name);
  ~SymmetricState();
  SymmetricState(SymmetricState&&) noexcept = default;
  SymmetricState& operator=(SymmetricState&&) noexcept = default;

  void mix_key(ByteView input_key_material);
  void mix_hash(ByteView data);
  void mix_key_and_hash(ByteView input_key_material);
  bool has_key() const { return cipher_.has_key(); }
  // EncryptAndHash, appending the ciphertext to `out`.
  Result<void, NoiseError> encrypt_and_hash(ByteView plaintext, Bytes& out);
  // DecryptAndHash: h absorbs the ciphertext only when decryption succeeds.
  Result<Bytes, NoiseError> decrypt_and_hash(ByteView ciphertext);
  // Split: first encrypts initiator -> responder, second the reverse.
  std::pair<CipherState, CipherState> split() const;
  const Digest& handshake_hash() const { return h_; }

 private:
  Digest ck_{};
  Digest h_{};
  CipherState cipher_;
};

}  // namespace hyphae::crypto

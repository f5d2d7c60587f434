// Transport encryption after a Noise handshake. The counter travels on the
// wire next to the ciphertext (as in WireGuard), so packets may arrive out of
// order; a ReplayWindow drops duplicates. The AEAD nonce is the Noise one
// (4 zero bytes || counter LE), so this interoperates with CipherState.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/cipher_state.hpp"
#include "crypto/handshake_state.hpp"
#include "crypto/replay_window.hpp"

namespace hyphae::crypto {

enum class TransportError : std::uint8_t {
  bad_auth,   // authentication failed: forged, corrupted or wrong key
  replayed,   // duplicate, too old for the window, or counter >= 2^60
  too_short,  // shorter than the 16-byte tag
  exhausted,  // 2^60 messages sent: rekey with a new handshake
};

std::string_view name(TransportError e);

class TransportCipher {
 public:
  // Both must hold keys (asserted). Their nonces are ignored: counters start at 0.
  TransportCipher(CipherState send, CipherState recv);
  // Requires hs.is_finished(); picks the directions by hs.is_initiator().
  static TransportCipher from_handshake(HandshakeState& hs);

  // Appends ciphertext || tag (plaintext.size() + kTagLen bytes) to `out` and
  // returns the counter used, which the caller must send alongside.
  Result<std::uint64_t, TransportError> seal(ByteView ad, ByteView plaintext, Bytes& out);
  // Zero-copy form: requires out.size() == plaintext.size() + kTagLen
  // (asserted); out may be exactly the plaintext's memory (in place).
  Result<std::uint64_t, TransportError> seal_into(ByteView ad, ByteView plaintext,
                                                  std::span<std::uint8_t> out);
  // Decrypts with the given counter. The window records the counter only
  // after authentication succeeds, so forgeries cannot burn counters.
  Result<Bytes, TransportError> open(std::uint64_t counter, ByteView ad, ByteView ciphertext);
  // Zero-copy form: decrypts in `ciphertext`'s own memory and returns the
  // plaintext, its first size() - kTagLen bytes. Same replay rules as open.
  // On bad_auth the buffer's contents are unspecified (libsodium wipes them).
  Result<std::span<std::uint8_t>, TransportError> open_in_place(std::uint64_t counter, ByteView ad,
                                                                std::span<std::uint8_t> ciphertext);
  // The general form: requires out.size() == ciphertext.size() - kTagLen
  // (asserted, after the too_short check); out may be ciphertext's own memory
  // or a buffer the caller reuses. Same replay rules; on bad_auth out is unspecified.
  Result<void, TransportError> open_into(std::uint64_t counter, ByteView ad, ByteView ciphertext,
                                         std::span<std::uint8_t> out);

  std::uint64_t sent_count() const { return send_counter_; }

 private:
  CipherState send_;
  CipherState recv_;
  std::uint64_t send_counter_ = 0;
  ReplayWindow window_;
};

}  // namespace hyphae::crypto

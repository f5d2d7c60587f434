// Noise HandshakeState (rev 34 §5.3): a token interpreter driven by a
// HandshakePattern, for Noise_*_25519_ChaChaPoly_BLAKE2b.
//
// Contract: the two sides alternate; is_my_turn() says whether to call
// write_message or read_message. Once is_finished(), call split() and discard
// the HandshakeState. Any error from write_message or read_message other than
// `finished` leaves the state unusable: every later call returns that same
// error, and is_my_turn() and is_finished() are false. Start a new handshake.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/cipher_state.hpp"
#include "crypto/key_source.hpp"
#include "crypto/keys.hpp"
#include "crypto/noise_error.hpp"
#include "crypto/pattern.hpp"
#include "crypto/symmetric_state.hpp"

namespace hyphae::crypto {

// Noise messages are at most 65535 bytes (§3).
inline constexpr std::size_t kNoiseMessageMax = 65535;

using Psk = std::array<std::uint8_t, 32>;

struct HandshakeConfig {
  // Designated initializers may name only what a pattern needs.
  std::string protocol_name;  // e.g. "Noise_XX_25519_ChaChaPoly_BLAKE2b"
  bool initiator = false;
  Bytes prologue;
  std::optional<KeyPair> s;     // local static
  std::optional<KeyPair> e;     // fixed local ephemeral: TESTS ONLY
  std::optional<PublicKey> rs;  // remote static, when pre-known
  std::optional<PublicKey> re;  // remote ephemeral, when pre-known
  std::vector<Psk> psks;        // exactly one per psk token, in order
  KeySource* keys = nullptr;    // draws the ephemeral when `e` is unset

  ~HandshakeConfig();  // wipes the PSKs
};

class HandshakeState {
 public:
  // missing_key if the pattern needs a key, PSK or KeySource not supplied
  // (or the PSK count differs from the pattern's); bad_protocol_name if the
  // name does not parse.
  static Result<HandshakeState, NoiseError> create(HandshakeConfig config);

  ~HandshakeState();
  HandshakeState(HandshakeState&&) noexcept = default;
  HandshakeState& operator=(HandshakeState&&) noexcept = default;

  // Errors: wrong_turn, finished, too_long (message > 65535 bytes),
  // missing_key, nonce_exhausted.
  Result<Bytes, NoiseError> write_message(ByteView payload);
  // Total on arbitrary bytes. Returns the payload. Errors: wrong_turn,
  // finished, too_long, bad_message, decrypt_failed, missing_key.
  Result<Bytes, NoiseError> read_message(ByteView message);

  bool is_initiator() const { return initiator_; }
  bool is_finished() const { return !failed_ && next_message_ == pattern_.messages.size(); }
  bool is_my_turn() const;
  // Requires is_finished(). first encrypts initiator -> responder, second
  // responder -> initiator, whichever side calls it.
  std::pair<CipherState, CipherState> split();
  std::array<std::uint8_t, 64> handshake_hash() const { return symmetric_.handshake_hash(); }
  std::optional<PublicKey> remote_static() const { return rs_; }
  const HandshakePattern& pattern() const { return pattern_; }

 private:
  HandshakeState(HandshakePattern pattern, SymmetricState symmetric, HandshakeConfig& config);

  Result<void, NoiseError> write_tokens(ByteView payload, Bytes& out);
  Result<Bytes, NoiseError> read_tokens(ByteView message);
  Result<void, NoiseError> mix_dh(Token token);
  Result<void, NoiseError> mix_next_psk();
  std::size_t message_size(const std::vector<Token>& tokens, std::size_t payload_size) const;
  NoiseError poison(NoiseError e);

  HandshakePattern pattern_;
  SymmetricState symmetric_;
  bool initiator_ = false;
  std::optional<KeyPair> s_;
  std::optional<KeyPair> e_;
  std::optional<PublicKey> rs_;
  std::optional<PublicKey> re_;
  std::vector<Psk> psks_;
  std::size_t next_psk_ = 0;
  KeySource* keys_ = nullptr;
  std::size_t next_message_ = 0;
  std::optional<NoiseError> failed_;
};

}  // namespace hyphae::crypto

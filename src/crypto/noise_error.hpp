// Errors of the Noise handshake layer.
#pragma once

#include <cstdint>
#include <string_view>

namespace hyphae::crypto {

enum class NoiseError : std::uint8_t {
  bad_protocol_name,  // not Noise_<known pattern>[pskN...]_25519_ChaChaPoly_BLAKE2b
  missing_key,        // a key or PSK the pattern needs was not configured
  bad_message,        // truncated message, or a DH with a low-order peer key
  decrypt_failed,     // AEAD authentication failed
  wrong_turn,         // write when it is the peer's turn, or read on ours
  finished,           // the handshake is over; use split()
  nonce_exhausted,    // a CipherState reached nonce 2^64-1
  too_long,           // a message would exceed 65535 bytes
};

std::string_view name(NoiseError e);

}  // namespace hyphae::crypto

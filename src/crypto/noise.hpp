// The Noise layer's public header: Noise_*_25519_ChaChaPoly_BLAKE2b (rev 34).
//
//   auto hs = HandshakeState::create({.protocol_name = "Noise_XX_25519_ChaChaPoly_BLAKE2b",
//                                     .initiator = true, .s = my_keys, .keys = &key_source});
//   while (!hs->is_finished()) hs->is_my_turn() ? send(hs->write_message(payload))
//                                               : hs->read_message(received);
//   auto transport = TransportCipher::from_handshake(*hs);   // transport.hpp
#pragma once

#include "crypto/blake2b.hpp"          // IWYU pragma: export
#include "crypto/cipher_state.hpp"     // IWYU pragma: export
#include "crypto/handshake_state.hpp"  // IWYU pragma: export
#include "crypto/keys.hpp"             // IWYU pragma: export
#include "crypto/noise_error.hpp"      // IWYU pragma: export
#include "crypto/pattern.hpp"          // IWYU pragma: export
#include "crypto/symmetric_state.hpp"  // IWYU pragma: export

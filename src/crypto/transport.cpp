#include "crypto/transport.hpp"

#include "base/assert.hpp"

namespace hyphae::crypto {

std::string_view name(TransportError e) {
  switch (e) {
    case TransportError::bad_auth:
      return "bad_auth";
    case TransportError::replayed:
      return "replayed";
    case TransportError::too_short:
      return "too_short";
    case TransportError::exhausted:
      return "exhausted";
  }
  return "unknown";
}

TransportCipher::TransportCipher(CipherState send, CipherState recv)
    : send_(std::move(send)), recv_(std::move(recv)) {
  HYPHAE_ASSERT(send_.has_key());
  HYPHAE_ASSERT(recv_.has_key());
}

TransportCipher TransportCipher::from_handshake(HandshakeState& hs) {
  auto [initiator_to_responder, responder_to_initiator] = hs.split();
  if (hs.is_initiator())
    return TransportCipher(std::move(initiator_to_responder), std::move(responder_to_initiator));
  return TransportCipher(std::move(responder_to_initiator), std::move(initiator_to_responder));
}

Result<std::uint64_t, TransportError> TransportCipher::seal(ByteView ad, ByteView plaintext, Bytes& out) {
  if (send_counter_ >= kRejectAfterMessages) return fail(TransportError::exhausted);
  const std::size_t start = out.size();
  out.resize(start + plaintext.size() + kTagLen);
  return seal_into(ad, plaintext, std::span(out).subspan(start));
}

Result<std::uint64_t, TransportError> TransportCipher::seal_into(ByteView ad, ByteView plaintext,
                                                                 std::span<std::uint8_t> out) {
  HYPHAE_ASSERT(out.size() == plaintext.size() + kTagLen);
  if (send_counter_ >= kRejectAfterMessages) return fail(TransportError::exhausted);
  const std::uint64_t counter = send_counter_;
  send_.seal_at(counter, ad, plaintext, out);
  ++send_counter_;
  return counter;
}

Result<Bytes, TransportError> TransportCipher::open(std::uint64_t counter, ByteView ad, ByteView ciphertext) {
  if (ciphertext.size() < kTagLen) return fail(TransportError::too_short);
  Bytes plaintext(ciphertext.size() - kTagLen);
  if (auto r = open_into(counter, ad, ciphertext, plaintext); !r) return fail(r.error());
  return plaintext;
}

Result<std::span<std::uint8_t>, TransportError> TransportCipher::open_in_place(
    std::uint64_t counter, ByteView ad, std::span<std::uint8_t> ciphertext) {
  if (ciphertext.size() < kTagLen) return fail(TransportError::too_short);
  const auto plaintext = ciphertext.first(ciphertext.size() - kTagLen);
  if (auto r = open_into(counter, ad, ciphertext, plaintext); !r) return fail(r.error());
  return plaintext;
}

Result<void, TransportError> TransportCipher::open_into(std::uint64_t counter, ByteView ad,
                                                        ByteView ciphertext, std::span<std::uint8_t> out) {
  if (ciphertext.size() < kTagLen) return fail(TransportError::too_short);
  HYPHAE_ASSERT(out.size() == ciphertext.size() - kTagLen);
  // Cheap check first: a replay costs no AEAD work and leaves the buffer untouched.
  if (!window_.would_accept(counter)) return fail(TransportError::replayed);
  if (!recv_.open_at(counter, ad, ciphertext, out)) return fail(TransportError::bad_auth);
  const bool fresh = window_.accept(counter);
  HYPHAE_ASSERT(fresh);  // pairs with would_accept above; no state changed between
  return {};
}

}  // namespace hyphae::crypto

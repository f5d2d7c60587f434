#include "crypto/seal.hpp"

#include <sodium.h>

#include "base/assert.hpp"

namespace hyphae::crypto {

static_assert(kSealNonceLen == crypto_box_NONCEBYTES);
static_assert(kSealOverhead == crypto_box_NONCEBYTES + crypto_box_MACBYTES);

Bytes seal_to(const KeyPair& from, const PublicKey& to, const SealNonce& nonce, ByteView plaintext) {
  Bytes out(kSealOverhead + plaintext.size());
  std::copy(nonce.begin(), nonce.end(), out.begin());
  const int rc = crypto_box_easy(out.data() + kSealNonceLen, plaintext.data(), plaintext.size(), nonce.data(),
                                 to.data(), from.priv.data());
  // Fails only for a low-order public key, which no NodeId's key is (the
  // caller got `to` from a verified record or a completed handshake).
  HYPHAE_ASSERT(rc == 0);
  return out;
}

std::optional<Bytes> open_from(const KeyPair& self, const PublicKey& from, ByteView sealed) {
  if (sealed.size() < kSealOverhead) return std::nullopt;
  Bytes out(sealed.size() - kSealOverhead);
  if (crypto_box_open_easy(out.data(), sealed.data() + kSealNonceLen, sealed.size() - kSealNonceLen,
                           sealed.data(), from.data(), self.priv.data()) != 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace hyphae::crypto

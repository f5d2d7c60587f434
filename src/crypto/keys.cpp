#include "crypto/keys.hpp"

#include <sodium.h>

#include "base/assert.hpp"
#include "crypto/sodium.hpp"

namespace hyphae::crypto {

KeyPair::~KeyPair() { sodium_memzero(priv.data(), priv.size()); }

KeyPair KeyPair::generate(KeySource& keys) {
  PrivateKey priv{};
  keys.fill(priv);
  KeyPair pair = from_private(priv);
  sodium_memzero(priv.data(), priv.size());
  return pair;
}

KeyPair KeyPair::from_private(const PrivateKey& priv) {
  ensure_sodium();
  KeyPair pair{};
  pair.priv = priv;
  // Fails only for a private key that clamps to zero, which 32 random bytes
  // never produce in practice; a caller passing zeros is a bug.
  const int rc = crypto_scalarmult_base(pair.pub.data(), pair.priv.data());
  HYPHAE_ASSERT(rc == 0);
  return pair;
}

}  // namespace hyphae::crypto

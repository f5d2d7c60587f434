#include "crypto/sodium.hpp"

#include <sodium.h>

#include "base/assert.hpp"

namespace hyphae::crypto {

void ensure_sodium() {
  // sodium_init returns 0 on first success and 1 when already initialised.
  static const bool ok = sodium_init() >= 0;
  HYPHAE_ASSERT(ok);
}

}  // namespace hyphae::crypto

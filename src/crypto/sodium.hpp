// libsodium must be initialised once before its optimised implementations and
// its random source are used. Internal to src/crypto.
#pragma once

namespace hyphae::crypto {

// Idempotent and thread-safe (sodium_init is); asserts on failure, which only
// happens when the platform has no usable entropy source.
void ensure_sodium();

}  // namespace hyphae::crypto

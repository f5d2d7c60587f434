#include "crypto/blake2b.hpp"

#include <sodium.h>

#include "base/assert.hpp"

namespace hyphae::crypto {

static_assert(kHashLen == crypto_generichash_BYTES_MAX);

Digest blake2b(ByteView a, ByteView b) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kHashLen);
  crypto_generichash_update(&state, a.data(), a.size());
  crypto_generichash_update(&state, b.data(), b.size());
  Digest out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

Digest hmac_blake2b(ByteView key, ByteView a, ByteView b) {
  // RFC 2104: K is zero-padded to the block length (hashed first if longer).
  std::array<std::uint8_t, kBlockLen> padded{};
  if (key.size() > kBlockLen) {
    Digest hashed = blake2b(key);
    std::copy(hashed.begin(), hashed.end(), padded.begin());
    sodium_memzero(hashed.data(), hashed.size());
  } else {
    std::copy(key.begin(), key.end(), padded.begin());
  }

  std::array<std::uint8_t, kBlockLen> pad{};
  for (std::size_t i = 0; i < kBlockLen; ++i) pad[i] = padded[i] ^ 0x36;
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kHashLen);
  crypto_generichash_update(&state, pad.data(), pad.size());
  crypto_generichash_update(&state, a.data(), a.size());
  crypto_generichash_update(&state, b.data(), b.size());
  Digest inner{};
  crypto_generichash_final(&state, inner.data(), inner.size());

  for (std::size_t i = 0; i < kBlockLen; ++i) pad[i] = padded[i] ^ 0x5c;
  Digest out = blake2b(pad, inner);

  sodium_memzero(padded.data(), padded.size());
  sodium_memzero(pad.data(), pad.size());
  sodium_memzero(inner.data(), inner.size());
  sodium_memzero(&state, sizeof state);
  return out;
}

void hkdf(ByteView chaining_key, ByteView input_key_material, std::span<Digest> outputs) {
  HYPHAE_ASSERT(outputs.size() >= 2);
  HYPHAE_ASSERT(outputs.size() <= 3);
  Digest temp_key = hmac_blake2b(chaining_key, input_key_material);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::uint8_t counter = static_cast<std::uint8_t>(i + 1);
    const ByteView previous = i == 0 ? ByteView{} : ByteView{outputs[i - 1]};
    outputs[i] = hmac_blake2b(temp_key, previous, ByteView{&counter, 1});
  }
  sodium_memzero(temp_key.data(), temp_key.size());
}

}  // namespace hyphae::crypto

#include "crypto/symmetric_state.hpp"

#include <sodium.h>

#include <algorithm>

namespace hyphae::crypto {
namespace {

// Noise truncates HKDF outputs to 32 bytes when they become cipher keys,
// since HASHLEN (64) exceeds the ChaChaPoly key length.
SymmetricKey truncate_key(const Digest& d) {
  SymmetricKey k{};
  std::copy_n(d.begin(), k.size(), k.begin());
  return k;
}

void wipe(std::span<Digest> digests) {
  for (Digest& d : digests) sodium_memzero(d.data(), d.size());
}

}  // namespace

SymmetricState::SymmetricState(std::string_view protocol_name) {
  const ByteView name = as_bytes(protocol_name);
  if (name.size() <= kHashLen) {
    std::copy(name.begin(), name.end(), h_.begin());
  } else {
    h_ = blake2b(name);
  }
  ck_ = h_;
}

SymmetricState::~SymmetricState() {
  sodium_memzero(ck_.data(), ck_.size());
  sodium_memzero(h_.data(), h_.size());
}

void SymmetricState::mix_key(ByteView input_key_material) {
  std::array<Digest, 2> out{};
  hkdf(ck_, input_key_material, out);
  ck_ = out[0];
  SymmetricKey k = truncate_key(out[1]);
  cipher_.initialize_key(k);
  sodium_memzero(k.data(), k.size());
  wipe(out);
}

void SymmetricState::mix_hash(ByteView data) { h_ = blake2b(h_, data); }

void SymmetricState::mix_key_and_hash(ByteView input_key_material) {
  std::array<Digest, 3> out{};
  hkdf(ck_, input_key_material, out);
  ck_ = out[0];
  mix_hash(out[1]);
  SymmetricKey k = truncate_key(out[2]);
  cipher_.initialize_key(k);
  sodium_memzero(k.data(), k.size());
  wipe(out);
}

Result<void, NoiseError> SymmetricState::encrypt_and_hash(ByteView plaintext, Bytes& out) {
  const std::size_t start = out.size();
  auto r = cipher_.encrypt_with_ad_append(h_, plaintext, out);
  if (!r) return r;
  mix_hash(ByteView(out).subspan(start));
  return {};
}

Result<Bytes, NoiseError> SymmetricState::decrypt_and_hash(ByteView ciphertext) {
  auto plaintext = cipher_.decrypt_with_ad(h_, ciphertext);
  if (!plaintext) return plaintext;
  mix_hash(ciphertext);
  return plaintext;
}

std::pair<CipherState, CipherState> SymmetricState::split() const {
  std::array<Digest, 2> out{};
  hkdf(ck_, {}, out);
  SymmetricKey k1 = truncate_key(out[0]);
  SymmetricKey k2 = truncate_key(out[1]);
  std::pair<CipherState, CipherState> result{CipherState(k1), CipherState(k2)};
  sodium_memzero(k1.data(), k1.size());
  sodium_memzero(k2.data(), k2.size());
  wipe(out);
  return result;
}

}  // namespace hyphae::crypto

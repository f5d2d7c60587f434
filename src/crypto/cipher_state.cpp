#include "crypto/cipher_state.hpp"

#include <sodium.h>

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::crypto {
namespace {

static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == 32);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == kTagLen);

using AeadNonce = std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES>;

AeadNonce noise_nonce(std::uint64_t n) {
  AeadNonce nonce{};
  for (std::size_t i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return nonce;
}

}  // namespace

CipherState::~CipherState() { wipe(); }

CipherState::CipherState(CipherState&& other) noexcept
    : k_(other.k_), n_(other.n_), has_key_(other.has_key_) {
  other.wipe();
}

CipherState& CipherState::operator=(CipherState&& other) noexcept {
  if (this != &other) {
    k_ = other.k_;
    n_ = other.n_;
    has_key_ = other.has_key_;
    other.wipe();
  }
  return *this;
}

void CipherState::wipe() {
  sodium_memzero(k_.data(), k_.size());
  n_ = 0;
  has_key_ = false;
}

void CipherState::initialize_key(const SymmetricKey& k) {
  k_ = k;
  n_ = 0;
  has_key_ = true;
}

Result<Bytes, NoiseError> CipherState::encrypt_with_ad(ByteView ad, ByteView plaintext) {
  Bytes out;
  auto r = encrypt_with_ad_append(ad, plaintext, out);
  if (!r) return fail(r.error());
  return out;
}

Result<void, NoiseError> CipherState::encrypt_with_ad_append(ByteView ad, ByteView plaintext, Bytes& out) {
  const std::size_t start = out.size();
  if (!has_key_) {
    out.insert(out.end(), plaintext.begin(), plaintext.end());
    return {};
  }
  if (n_ == kNonceReserved) return fail(NoiseError::nonce_exhausted);
  out.resize(start + plaintext.size() + kTagLen);
  seal_at(n_, ad, plaintext, std::span(out).subspan(start));
  ++n_;
  return {};
}

Result<Bytes, NoiseError> CipherState::decrypt_with_ad(ByteView ad, ByteView ciphertext) {
  if (!has_key_) return Bytes(ciphertext.begin(), ciphertext.end());
  if (n_ == kNonceReserved) return fail(NoiseError::nonce_exhausted);
  if (ciphertext.size() < kTagLen) return fail(NoiseError::decrypt_failed);
  Bytes out(ciphertext.size() - kTagLen);
  if (!open_at(n_, ad, ciphertext, out)) return fail(NoiseError::decrypt_failed);
  ++n_;
  return out;
}

void CipherState::rekey() {
  HYPHAE_ASSERT(has_key_);
  std::array<std::uint8_t, 32> zeros{};
  std::array<std::uint8_t, 32 + kTagLen> sealed{};
  seal_at(kNonceReserved, {}, zeros, sealed);
  std::copy_n(sealed.begin(), k_.size(), k_.begin());
  sodium_memzero(sealed.data(), sealed.size());
}

void CipherState::seal_at(std::uint64_t n, ByteView ad, ByteView plaintext,
                          std::span<std::uint8_t> out) const {
  HYPHAE_ASSERT(has_key_);
  HYPHAE_ASSERT(out.size() == plaintext.size() + kTagLen);
  const AeadNonce nonce = noise_nonce(n);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &written, plaintext.data(), plaintext.size(),
                                            ad.data(), ad.size(), nullptr, nonce.data(), k_.data());
  HYPHAE_ASSERT(written == out.size());
}

bool CipherState::open_at(std::uint64_t n, ByteView ad, ByteView ciphertext,
                          std::span<std::uint8_t> out) const {
  HYPHAE_ASSERT(has_key_);
  HYPHAE_ASSERT(ciphertext.size() >= kTagLen);
  HYPHAE_ASSERT(out.size() == ciphertext.size() - kTagLen);
  const AeadNonce nonce = noise_nonce(n);
  unsigned long long written = 0;
  const int rc = crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &written, nullptr, ciphertext.data(),
                                                           ciphertext.size(), ad.data(), ad.size(),
                                                           nonce.data(), k_.data());
  return rc == 0 && written == out.size();
}

}  // namespace hyphae::crypto

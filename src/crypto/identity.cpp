#include "crypto/identity.hpp"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>

#include "base/assert.hpp"
#include "base/hex.hpp"
#include "crypto/sodium.hpp"

namespace hyphae::crypto {

std::string NodeId::to_string() const { return to_hex(bytes); }

std::optional<NodeId> NodeId::parse(std::string_view text) {
  if (text.size() != 2 * kLen) return std::nullopt;
  auto raw = from_hex(text);
  if (!raw) return std::nullopt;
  HYPHAE_ASSERT(raw->size() == kLen);
  NodeId id;
  std::copy(raw->begin(), raw->end(), id.bytes.begin());
  return id;
}

NodeId node_id_of(const PublicKey& pub) {
  ensure_sodium();
  static_assert(NodeId::kLen >= crypto_generichash_BYTES_MIN);
  NodeId id;
  const int rc = crypto_generichash(id.bytes.data(), id.bytes.size(), pub.data(), pub.size(), nullptr, 0);
  HYPHAE_ASSERT(rc == 0);
  return id;
}

Ipv6Address ula_of(const NodeId& id) {
  Ipv6Address addr{};
  addr[0] = 0xfd;
  std::copy_n(id.bytes.begin(), addr.size() - 1, addr.begin() + 1);
  return addr;
}

std::string ula_string(const NodeId& id) {
  const Ipv6Address addr = ula_of(id);
  char text[INET6_ADDRSTRLEN] = {};
  const char* ok = inet_ntop(AF_INET6, addr.data(), text, sizeof text);
  HYPHAE_ASSERT(ok != nullptr);
  return text;
}

std::optional<PublicKey> x25519_of_signing_key(const SigningPublicKey& pub) {
  ensure_sodium();
  PublicKey x{};
  if (crypto_sign_ed25519_pk_to_curve25519(x.data(), pub.data()) != 0) return std::nullopt;
  return x;
}

std::optional<NodeId> node_id_of_signing_key(const SigningPublicKey& pub) {
  auto x = x25519_of_signing_key(pub);
  if (!x) return std::nullopt;
  return node_id_of(*x);
}

Identity::~Identity() { sodium_memzero(signing_secret.data(), signing_secret.size()); }

Identity Identity::from_seed(const Seed& seed) {
  ensure_sodium();
  Identity out;
  int rc = crypto_sign_seed_keypair(out.signing_pub.data(), out.signing_secret.data(), seed.data());
  HYPHAE_ASSERT(rc == 0);
  PrivateKey x_priv{};
  rc = crypto_sign_ed25519_sk_to_curve25519(x_priv.data(), out.signing_secret.data());
  HYPHAE_ASSERT(rc == 0);
  out.keys = KeyPair::from_private(x_priv);
  sodium_memzero(x_priv.data(), x_priv.size());
  out.id = node_id_of(out.keys.pub);
  // The two public keys are the same point: what verifiers rely on.
  HYPHAE_ASSERT(node_id_of_signing_key(out.signing_pub) == out.id);
  return out;
}

Identity Identity::generate(KeySource& source) {
  Seed seed{};
  source.fill(seed);
  Identity out = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return out;
}

Seed Identity::seed() const {
  Seed seed{};
  std::copy_n(signing_secret.begin(), seed.size(), seed.begin());
  return seed;
}

Signature Identity::sign(ByteView message) const {
  Signature sig{};
  const int rc =
      crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), signing_secret.data());
  HYPHAE_ASSERT(rc == 0);
  return sig;
}

bool verify_signature(const SigningPublicKey& pub, ByteView message, const Signature& sig) {
  ensure_sodium();
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), pub.data()) == 0;
}

}  // namespace hyphae::crypto

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

Identity Identity::from_keys(const KeyPair& keys) {
  const NodeId id = node_id_of(keys.pub);
  return Identity{.keys = keys, .id = id};
}

Identity Identity::generate(KeySource& source) { return from_keys(KeyPair::generate(source)); }

}  // namespace hyphae::crypto

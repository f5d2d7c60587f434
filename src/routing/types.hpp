// Value types of the routing layer (RFC 8966 vocabulary): prefixes, router-ids,
// neighbour ids, metrics and sequence numbers with their modular arithmetic.
//
// Neighbour identity: a NeighbourId is 20 opaque bytes. In the mesh it holds
// the neighbour's crypto::NodeId as is (neighbour_of / node_id_of convert);
// the later Babel-interface mode (UDP 6696 towards babeld) can put an
// interface index (4 bytes) and the neighbour's IPv6 link-local address (16
// bytes) in the same 20 bytes. A plain comparable value keeps the Router
// non-templated and its tables ordered deterministically.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/identity.hpp"

namespace hyphae::routing {

// IPv6 address; IPv4 is stored v4-mapped (::ffff:a.b.c.d), as babeld does.
using Address = std::array<std::uint8_t, 16>;

// Metrics are 16-bit; 0xFFFF is "unreachable" (a retraction).
inline constexpr std::uint16_t kInfinity = 0xFFFF;

// Lexicographic order of two byte arrays, as the defaulted <=> gives, but by
// big-endian 8- and 4-byte words: the route, source and neighbour maps are
// keyed by these, and a libc memcmp call per node visited was most of the
// simulator's time at 1 000 nodes. The order (so every table's iteration
// order, so every byte a router sends) is exactly the defaulted one.
template <std::size_t N>
std::strong_ordering compare_bytes(const std::array<std::uint8_t, N>& a,
                                   const std::array<std::uint8_t, N>& b) {
  std::size_t i = 0;
  for (; i + 8 <= N; i += 8) {
    std::uint64_t x = 0, y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) return std::byteswap(x) <=> std::byteswap(y);
      return x <=> y;
    }
  }
  for (; i + 4 <= N; i += 4) {
    std::uint32_t x = 0, y = 0;
    std::memcpy(&x, a.data() + i, 4);
    std::memcpy(&y, b.data() + i, 4);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) return std::byteswap(x) <=> std::byteswap(y);
      return x <=> y;
    }
  }
  for (; i < N; ++i) {
    if (a[i] != b[i]) return a[i] <=> b[i];
  }
  return std::strong_ordering::equal;
}

// Equality by words as well (the defaulted == became a libc memcmp call too).
template <std::size_t N>
bool equal_bytes(const std::array<std::uint8_t, N>& a, const std::array<std::uint8_t, N>& b) {
  std::uint64_t diff = 0;
  std::size_t i = 0;
  for (; i + 8 <= N; i += 8) {
    std::uint64_t x = 0, y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    diff |= x ^ y;
  }
  for (; i + 4 <= N; i += 4) {
    std::uint32_t x = 0, y = 0;
    std::memcpy(&x, a.data() + i, 4);
    std::memcpy(&y, b.data() + i, 4);
    diff |= x ^ y;
  }
  for (; i < N; ++i) diff |= static_cast<std::uint64_t>(a[i] ^ b[i]);
  return diff == 0;
}

struct RouterId {
  std::array<std::uint8_t, 8> bytes{};
  std::strong_ordering operator<=>(const RouterId& o) const { return compare_bytes(bytes, o.bytes); }
  bool operator==(const RouterId& o) const { return equal_bytes(bytes, o.bytes); }
  // RFC 8966 §4.6.7: all zeros and all ones must not be used.
  bool valid() const;
  std::string to_string() const;  // 16 hex digits
};

struct NeighbourId {
  std::array<std::uint8_t, 20> bytes{};
  std::strong_ordering operator<=>(const NeighbourId& o) const { return compare_bytes(bytes, o.bytes); }
  bool operator==(const NeighbourId& o) const { return equal_bytes(bytes, o.bytes); }
  std::string to_string() const;  // 40 hex digits
};

struct Prefix {
  Address addr{};         // bits past plen are zero (make() masks them)
  std::uint8_t plen = 0;  // 0..128, in IPv6 space: an IPv4 /n is 96 + n

  std::strong_ordering operator<=>(const Prefix& o) const {
    const auto c = compare_bytes(addr, o.addr);
    return c != 0 ? c : plen <=> o.plen;
  }
  bool operator==(const Prefix& o) const { return plen == o.plen && equal_bytes(addr, o.addr); }

  // Masks the host bits; asserts plen <= 128.
  static Prefix make(const Address& addr, std::uint8_t plen);
  static Prefix v4(std::array<std::uint8_t, 4> ip, std::uint8_t v4_plen);
  bool is_v4() const;  // inside ::ffff:0:0/96 with plen >= 96
  bool contains(const Address& a) const;
  // "fd12:3456::1/128", "10.1.0.0/16"; "unparse"s v4-mapped as IPv4.
  std::string to_string() const;
  // Inverse of to_string; nullopt on anything else.
  static std::optional<Prefix> parse(std::string_view text);
};

// For hash tables keyed by prefix (the router's lookups; its ordered maps
// stay the source of every iteration order).
struct PrefixHash {
  std::size_t operator()(const Prefix& p) const noexcept {
    std::uint64_t hi = 0, lo = 0;
    std::memcpy(&hi, p.addr.data(), 8);
    std::memcpy(&lo, p.addr.data() + 8, 8);
    std::uint64_t h = (hi * 0x9e3779b97f4a7c15ULL) ^ (lo + p.plen);
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return static_cast<std::size_t>(h);
  }
};

bool is_v4_mapped(const Address& a);
std::string address_to_string(const Address& a);

// Sequence numbers are compared modulo 2^16 (RFC 8966 §3.2.1).
constexpr bool seqno_newer(std::uint16_t a, std::uint16_t b) {
  return a != b && static_cast<std::uint16_t>(a - b) < 0x8000;
}
constexpr std::uint16_t seqno_plus(std::uint16_t a, std::uint16_t n) {
  return static_cast<std::uint16_t>(a + n);
}
constexpr std::uint16_t seqno_minus(std::uint16_t a, std::uint16_t b) {
  return static_cast<std::uint16_t>(a - b);
}

// Saturating metric sum: anything at or above kInfinity is kInfinity.
constexpr std::uint16_t metric_add(std::uint16_t a, std::uint16_t b) {
  const std::uint32_t s = std::uint32_t{a} + b;
  return s >= kInfinity ? kInfinity : static_cast<std::uint16_t>(s);
}

// Mesh identities. The router-id is the first 8 bytes of the NodeId (a
// BLAKE2b hash, so unique in practice; an all-zero or all-ones prefix, which
// Babel forbids, has its last byte flipped). The destination of a node is its
// ULA /128 (crypto::ula_of).
RouterId router_id_of(const crypto::NodeId& id);
NeighbourId neighbour_of(const crypto::NodeId& id);
crypto::NodeId node_id_of(const NeighbourId& n);
Prefix mesh_prefix_of(const crypto::NodeId& id);

}  // namespace hyphae::routing

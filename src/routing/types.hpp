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
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/identity.hpp"

namespace hyphae::routing {

// IPv6 address; IPv4 is stored v4-mapped (::ffff:a.b.c.d), as babeld does.
using Address = std::array<std::uint8_t, 16>;

// Metrics are 16-bit; 0xFFFF is "unreachable" (a retraction).
inline constexpr std::uint16_t kInfinity = 0xFFFF;

struct RouterId {
  std::array<std::uint8_t, 8> bytes{};
  auto operator<=>(const RouterId&) const = default;
  // RFC 8966 §4.6.7: all zeros and all ones must not be used.
  bool valid() const;
  std::string to_string() const;  // 16 hex digits
};

struct NeighbourId {
  std::array<std::uint8_t, 20> bytes{};
  auto operator<=>(const NeighbourId&) const = default;
  std::string to_string() const;  // 40 hex digits
};

struct Prefix {
  Address addr{};         // bits past plen are zero (make() masks them)
  std::uint8_t plen = 0;  // 0..128, in IPv6 space: an IPv4 /n is 96 + n

  auto operator<=>(const Prefix&) const = default;

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

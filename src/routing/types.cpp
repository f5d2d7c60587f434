#include "routing/types.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "base/assert.hpp"

namespace hyphae::routing {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * N);
  for (auto c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 0xf]);
  }
  return s;
}

}  // namespace

bool RouterId::valid() const {
  const bool zeros = std::all_of(bytes.begin(), bytes.end(), [](auto b) { return b == 0; });
  const bool ones = std::all_of(bytes.begin(), bytes.end(), [](auto b) { return b == 0xff; });
  return !zeros && !ones;
}

std::string RouterId::to_string() const { return hex(bytes); }
std::string NeighbourId::to_string() const { return hex(bytes); }

bool is_v4_mapped(const Address& a) {
  return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.begin());
}

Prefix Prefix::make(const Address& addr, std::uint8_t plen) {
  HYPHAE_ASSERT(plen <= 128);
  Prefix p{addr, plen};
  for (std::size_t i = 0; i < 16; ++i) {
    const int bits = static_cast<int>(plen) - static_cast<int>(8 * i);
    if (bits >= 8) continue;
    p.addr[i] = bits <= 0 ? 0 : static_cast<std::uint8_t>(p.addr[i] & (0xff << (8 - bits)));
  }
  return p;
}

Prefix Prefix::v4(std::array<std::uint8_t, 4> ip, std::uint8_t v4_plen) {
  HYPHAE_ASSERT(v4_plen <= 32);
  Address a{};
  std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.begin());
  std::copy(ip.begin(), ip.end(), a.begin() + 12);
  return make(a, static_cast<std::uint8_t>(96 + v4_plen));
}

bool Prefix::is_v4() const { return plen >= 96 && is_v4_mapped(addr); }

bool Prefix::contains(const Address& a) const { return make(a, plen).addr == addr; }

std::string address_to_string(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4_mapped(a)) {
    inet_ntop(AF_INET, a.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  }
  return buf;
}

std::string Prefix::to_string() const {
  const int shown = is_v4() ? plen - 96 : plen;
  return address_to_string(addr) + "/" + std::to_string(shown);
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string ip(text.substr(0, slash));
  const std::string_view len = text.substr(slash + 1);
  unsigned n = 0;
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
  if (ec != std::errc{} || end != len.data() + len.size() || len.empty()) return std::nullopt;
  Address a{};
  std::array<std::uint8_t, 4> ip4{};
  if (inet_pton(AF_INET, ip.c_str(), ip4.data()) == 1) {
    if (n > 32) return std::nullopt;
    return Prefix::v4(ip4, static_cast<std::uint8_t>(n));
  }
  if (inet_pton(AF_INET6, ip.c_str(), a.data()) == 1) {
    if (n > 128) return std::nullopt;
    return make(a, static_cast<std::uint8_t>(n));
  }
  return std::nullopt;
}

RouterId router_id_of(const crypto::NodeId& id) {
  RouterId r;
  std::copy_n(id.bytes.begin(), r.bytes.size(), r.bytes.begin());
  if (!r.valid()) r.bytes[7] ^= 1;
  HYPHAE_ASSERT(r.valid());
  return r;
}

NeighbourId neighbour_of(const crypto::NodeId& id) {
  static_assert(sizeof(NeighbourId{}.bytes) == crypto::NodeId::kLen);
  NeighbourId n;
  n.bytes = id.bytes;
  return n;
}

crypto::NodeId node_id_of(const NeighbourId& n) {
  crypto::NodeId id;
  id.bytes = n.bytes;
  return id;
}

Prefix mesh_prefix_of(const crypto::NodeId& id) { return Prefix::make(crypto::ula_of(id), 128); }

}  // namespace hyphae::routing

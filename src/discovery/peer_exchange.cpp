#include "discovery/peer_exchange.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hyphae::discovery {

std::vector<PeerHint> sample(std::span<const ConfirmedPeer> known, std::size_t k, Rng& rng, Instant now,
                             Duration max_age) {
  std::vector<PeerHint> eligible;
  for (const auto& p : known) {
    if (p.confirmed_at <= now && now - p.confirmed_at <= max_age) eligible.push_back({p.id, p.address});
  }
  // Partial Fisher-Yates: the first n slots end up a uniform sample.
  const std::size_t n = std::min({k, kMaxExchangePeers, eligible.size()});
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng.below(eligible.size() - i));
    std::swap(eligible[i], eligible[j]);
  }
  eligible.resize(n);
  return eligible;
}

Bytes encode_peer_list(std::span<const PeerHint> peers) {
  HYPHAE_ASSERT(peers.size() <= kMaxExchangePeers);
  Bytes out;
  out.reserve(1 + peers.size() * kExchangeEntrySize);
  wire::Writer w{out};
  w.u8(static_cast<std::uint8_t>(peers.size()));
  for (const auto& p : peers) {
    w.bytes(p.id.bytes);
    w.bytes(p.address.ip);
    w.u16(p.address.port);
  }
  HYPHAE_ASSERT(out.size() == 1 + peers.size() * kExchangeEntrySize);
  return out;
}

Result<std::vector<PeerHint>, wire::Drop> decode_peer_list(ByteView in) {
  wire::Reader r{in};
  std::uint8_t count = 0;
  if (!r.u8(count)) return fail(wire::Drop::truncated);
  if (count > kMaxExchangePeers) return fail(wire::Drop::oversized);
  const std::size_t need = std::size_t{count} * kExchangeEntrySize;
  if (r.remaining() < need) return fail(wire::Drop::truncated);
  if (r.remaining() > need) return fail(wire::Drop::trailing_bytes);

  std::vector<PeerHint> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    PeerHint p;
    ByteView id, ip;
    const bool ok = r.take(crypto::NodeId::kLen, id) && r.take(16, ip) && r.u16(p.address.port);
    HYPHAE_ASSERT(ok);  // length checked above
    std::ranges::copy(id, p.id.bytes.begin());
    std::ranges::copy(ip, p.address.ip.begin());
    if (p.address.port == 0 || p.address.ip == decltype(p.address.ip){} || p.id == crypto::NodeId{})
      return fail(wire::Drop::bad_value);
    // At most 16 entries: the quadratic check is cheaper than a set.
    if (std::ranges::any_of(out, [&](const PeerHint& q) { return q.id == p.id; }))
      return fail(wire::Drop::bad_value);
    out.push_back(p);
  }
  HYPHAE_ASSERT(r.done());
  return out;
}

}  // namespace hyphae::discovery

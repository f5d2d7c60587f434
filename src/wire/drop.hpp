// Why an inbound datagram was discarded. Peer faults are values, never
// asserts or exceptions (STYLE.md §2.3); the runtime counts each one as
// hyphae_rx_dropped_total{reason=name(d)}, indexed by this enum. The wire
// layer produces the reasons up to bad_value; crypto and link produce the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hyphae::wire {

enum class Drop : std::uint8_t {
  truncated,             // fewer bytes than a field or a declared length needs
  trailing_bytes,        // bytes left where the frame must end
  bad_version,           // version byte is not kProtocolVersion
  bad_type,              // unknown packet type
  bad_flags,             // flags or reserved byte not zero
  oversized,             // datagram, noise message or payload above its bound
  bad_varint,            // overlong encoding or value above 64 bits
  unknown_critical_tlv,  // TLV type < 64 that this version does not know
  too_many_tlvs,         // more than kMaxTlvsPerFrame TLVs in one frame
  bad_value,             // known TLV with a malformed value
  unknown_session,       // receiver_index names no session (link)
  bad_auth,              // AEAD tag or handshake MAC did not verify (crypto)
  replayed,              // counter already seen or left of the window (crypto)
  handshake_failed,      // Noise handshake rejected (crypto)
  rate_limited,          // handshake load shedding (link)
  no_route,              // routed frame for a node we have no route to (node)
  hop_limit,             // routed frame whose hop limit ran out: a loop or a too-long path (node)
  bad_seal,              // routed frame for us that did not open from its claimed sender (node)
  bad_envelope,          // message whose application envelope is malformed (messaging)
  count_,
};

inline constexpr std::size_t kDropCount = static_cast<std::size_t>(Drop::count_);

// snake_case, equal to the enumerator name: used as a metric label.
std::string_view name(Drop d);

}  // namespace hyphae::wire

// The plaintext of a transport packet (and of handshake payloads) is a
// sequence of TLVs: type varint, length varint, value. Types 0..63 are
// critical: a receiver that does not know one drops the frame. Unknown types
// >= 64 are skipped, so later versions can add optional TLVs (Babel's
// mandatory bit, RFC 8966 §4.3). docs/protocol.md §3 is the spec.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/drop.hpp"
#include "wire/message_kind.hpp"
#include "wire/packet.hpp"
#include "wire/writer.hpp"

namespace hyphae::wire {

inline constexpr std::size_t kMaxTlvsPerFrame = 64;  // counts every TLV, Pad and skipped ones too
inline constexpr std::size_t kMaxMessagePayload = 1200;
inline constexpr std::uint64_t kFirstOptionalTlvType = 64;
// A frame never exceeds what one transport datagram can carry.
inline constexpr std::size_t kMaxFrame = kMaxTransportPlaintext;
static_assert(2 * kMaxTlvsPerFrame < kMaxFrame, "too_many_tlvs is reachable, so the bound is real");

enum class TlvType : std::uint8_t {
  pad = 0,
  ping = 1,
  pong = 2,
  message = 3,
  message_ack = 4,
  hello = 5,
  close = 6,
  routing = 7,     // routing control (Babel TLVs, routing/), for the neighbour itself
  routed = 8,      // a frame for another node, forwarded hop by hop
  routed_key = 9,  // a node's static key for another node, forwarded hop by hop
  flood = 10,      // a broadcast, signed by its origin, passed to every neighbour
};

struct Ping {
  std::uint64_t ping_id = 0;
  bool operator==(const Ping&) const = default;
};

struct Pong {
  std::uint64_t ping_id = 0;
  bool operator==(const Pong&) const = default;
};

struct Message {
  std::uint64_t id = 0;
  MessageType type = MessageType::task;
  Priority priority = Priority::medium;
  ByteView payload;  // <= kMaxMessagePayload; points into the decoded frame
};
// Compares payload contents, not addresses.
bool operator==(const Message& a, const Message& b);

struct MessageAck {
  std::uint64_t id = 0;
  bool operator==(const MessageAck&) const = default;
};

// Handshake payload of Noise msg2 and msg3.
struct Hello {
  std::uint16_t mesh_port = 0;
  std::uint32_t features = 0;  // bit set; v1 defines none, receivers ignore unknown bits
  bool operator==(const Hello&) const = default;
};

struct Close {
  std::uint8_t reason = 0;
  bool operator==(const Close&) const = default;
};

// Babel TLVs (RFC 8966 §4.6) exchanged with a neighbour; the routing core
// parses the body.
struct Routing {
  ByteView body;  // points into the decoded frame
};
bool operator==(const Routing& a, const Routing& b);

// A frame for `dst`, sealed end to end by `src` (crypto::seal_to): relays
// read only this header. hop_limit is decremented per hop; 0 is dropped.
inline constexpr std::size_t kNodeIdLen = 20;
using RawNodeId = std::array<std::uint8_t, kNodeIdLen>;
struct Routed {
  RawNodeId dst{};
  RawNodeId src{};
  std::uint8_t hop_limit = 0;
  ByteView sealed;  // points into the decoded frame
};
bool operator==(const Routed& a, const Routed& b);
inline constexpr std::size_t kRoutedHeaderSize = 2 * kNodeIdLen + 1;

// `src`'s static X25519 key for `dst`, routed like Routed, so a node can seal
// to one it has never had a session with. The key proves itself: the NodeId
// is its hash. `want_reply` asks dst for its key back.
struct RoutedKey {
  RawNodeId dst{};
  RawNodeId src{};
  std::uint8_t hop_limit = 0;
  std::array<std::uint8_t, 32> key{};
  bool want_reply = false;
  bool operator==(const RoutedKey&) const = default;
};
inline constexpr std::size_t kRoutedKeySize = 2 * kNodeIdLen + 1 + 32 + 1;

// A broadcast (messaging's broadcast()): every node delivers it once and
// passes it to its other neighbours while ttl lasts. The origin signs it
// with its Ed25519 key, which is carried along: a NodeId is the hash of that
// key (crypto::node_id_of_signing_key), so no neighbour can forge an origin.
// The TTL is not signed (it changes at every hop).
struct Flood {
  std::array<std::uint8_t, 32> origin_key{};  // Ed25519 public key of the origin
  std::uint64_t id = 0;                       // unique per origin
  std::uint8_t ttl = 0;
  MessageType type = MessageType::notification;
  Priority priority = Priority::medium;
  std::array<std::uint8_t, 64> signature{};
  ByteView payload;  // <= kMaxFloodPayload; points into the decoded frame
};
bool operator==(const Flood& a, const Flood& b);
inline constexpr std::size_t kFloodFixedSize = 32 + 8 + 1 + 1 + 1 + 64;
inline constexpr std::size_t kMaxFloodPayload = 1024;

using Tlv = std::variant<Ping, Pong, Message, MessageAck, Hello, Close, Routing, Routed, RoutedKey, Flood>;
using TlvArray = std::array<Tlv, kMaxTlvsPerFrame>;

// Decodes the whole frame into `out` and returns how many TLVs it holds (Pad
// and unknown optional TLVs are not returned). On a Drop the frame must be
// discarded as a whole: `out` may hold a partial prefix the caller must not
// act on. Never allocates; views point into `plaintext`.
Result<std::size_t, Drop> decode_tlvs(ByteView plaintext, TlvArray& out);

// Validates the whole frame first, then calls f(const Tlv&) for each TLV in order.
template <class F>
Result<void, Drop> for_each_tlv(ByteView plaintext, F&& f) {
  TlvArray tlvs;
  auto n = decode_tlvs(plaintext, tlvs);
  if (!n) return fail(n.error());
  for (std::size_t i = 0; i < *n; ++i) f(static_cast<const Tlv&>(tlvs[i]));
  return {};
}

// Encoders assert the caller's obligations (payload <= kMaxMessagePayload).
void encode(Writer& w, const Tlv& tlv);
void append_tlv(Bytes& out, const Tlv& tlv);
// A Pad TLV with `value_size` zero bytes of value, for hiding message sizes.
void append_pad(Bytes& out, std::size_t value_size);
// Encoded size of one TLV, for packing frames under kMaxTransportPlaintext.
std::size_t encoded_size(const Tlv& tlv);

}  // namespace hyphae::wire

// Babel wire codec (RFC 8966 §4): the packet header used on UDP 6696
// (interface mode), the TLVs of a packet body and their sub-TLVs. In the mesh
// the body travels inside a wire::Routing TLV of an encrypted session, so
// there is no packet header there.
//
// Decoding is total and never allocates: validate_body() checks the framing of
// the whole body (every TLV header and length inside it), then TlvParser walks
// it and resolves the parser state of §4.5 (default prefixes for the Omitted
// field, current router-id, current next hops). Framing errors reject the
// body as a whole (CodecError). A TLV that is well framed but unusable is
// returned as Ignored with the reason, as §4.3/§4.4 ask: unknown types,
// unknown AEs, unknown mandatory sub-TLVs (bit 0x80) and malformed values are
// skipped and the rest of the body still counts. Encoders never compress
// prefixes (Omitted is 0) and assert their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "routing/types.hpp"

namespace hyphae::routing {

inline constexpr std::uint8_t kBabelMagic = 42;
inline constexpr std::uint8_t kBabelVersion = 2;
inline constexpr std::size_t kPacketHeaderSize = 4;
inline constexpr std::size_t kMaxBody = 0xFFFF;  // the header's body length is 16 bits
inline constexpr std::uint16_t kBabelPort = 6696;

enum class TlvType : std::uint8_t {
  pad1 = 0,
  padn = 1,
  ack_req = 2,
  ack = 3,
  hello = 4,
  ihu = 5,
  router_id = 6,
  next_hop = 7,
  update = 8,
  route_request = 9,
  seqno_request = 10,
};

// Address encodings (§4.1.5). 0 is the wildcard (no bytes), 3 is a link-local
// IPv6 address whose fe80::/64 half is implied.
enum class Ae : std::uint8_t { wildcard = 0, ipv4 = 1, ipv6 = 2, ipv6_link_local = 3 };

inline constexpr std::uint8_t kHelloUnicast = 0x80;     // high byte of Hello flags
inline constexpr std::uint8_t kUpdateSetPrefix = 0x80;  // this prefix becomes the AE's default
inline constexpr std::uint8_t kUpdateSetRouterId = 0x40;

struct Pad1 {
  bool operator==(const Pad1&) const = default;
};
struct PadN {
  std::uint8_t length = 0;  // value bytes (must be zero on send, ignored on receipt)
  bool operator==(const PadN&) const = default;
};
struct AckReq {
  std::uint16_t opaque = 0;
  std::uint16_t interval = 0;  // centiseconds
  bool operator==(const AckReq&) const = default;
};
struct Ack {
  std::uint16_t opaque = 0;
  bool operator==(const Ack&) const = default;
};
struct Hello {
  std::uint16_t flags = 0;  // 0x8000: unicast Hello
  std::uint16_t seqno = 0;
  std::uint16_t interval = 0;              // centiseconds
  std::optional<std::uint32_t> timestamp;  // babel-rtt sub-TLV (type 3)
  bool operator==(const Hello&) const = default;
};
struct Ihu {
  Ae ae = Ae::wildcard;
  std::uint16_t rxcost = 0;
  std::uint16_t interval = 0;                                         // centiseconds
  Address address{};                                                  // zero for the wildcard
  std::optional<std::pair<std::uint32_t, std::uint32_t>> timestamps;  // babel-rtt: origin, receive
  bool operator==(const Ihu&) const = default;
};
struct RouterIdTlv {
  RouterId id;
  bool operator==(const RouterIdTlv&) const = default;
};
struct NextHop {
  Ae ae = Ae::ipv6;  // never wildcard
  Address address{};
  bool operator==(const NextHop&) const = default;
};
struct Update {
  Ae ae = Ae::ipv6;
  std::uint8_t flags = 0;
  std::uint16_t interval = 0;  // centiseconds until the next scheduled update
  std::uint16_t seqno = 0;
  std::uint16_t metric = 0;  // kInfinity: a retraction
  Prefix prefix;             // the wildcard AE decodes as ::/0
  // Parser state at this TLV (§4.5), filled in by the decoder; the encoder
  // ignores them (send a RouterIdTlv / NextHop first).
  std::optional<RouterId> router_id;
  std::optional<Address> next_hop;
  bool operator==(const Update&) const = default;
};
struct RouteRequest {
  Ae ae = Ae::ipv6;  // wildcard: "send me a full route dump"
  Prefix prefix;
  bool operator==(const RouteRequest&) const = default;
};
struct SeqnoRequest {
  Ae ae = Ae::ipv6;  // never wildcard
  std::uint16_t seqno = 0;
  std::uint8_t hop_count = 0;
  RouterId router_id;
  Prefix prefix;
  bool operator==(const SeqnoRequest&) const = default;
};

// Why a well-framed TLV was skipped.
enum class Ignore : std::uint8_t {
  unknown_type,      // a TLV type this implementation does not use (MAC, PC, ...)
  unknown_ae,        // address encoding other than 0..3
  mandatory_subtlv,  // a sub-TLV with the mandatory bit that we do not know (e.g. source prefix)
  malformed,         // too short, bad prefix length, compression without a default, ...
};
std::string_view name(Ignore why);

struct Ignored {
  std::uint8_t type = 0;
  Ignore why = Ignore::malformed;
  bool operator==(const Ignored&) const = default;
};

using Tlv = std::variant<Pad1, PadN, AckReq, Ack, Hello, Ihu, RouterIdTlv, NextHop, Update, RouteRequest,
                         SeqnoRequest, Ignored>;

enum class CodecError : std::uint8_t {
  truncated,    // a TLV header or length runs past the end of the body/packet
  oversized,    // body above kMaxBody
  bad_magic,    // packet header magic is not 42
  bad_version,  // packet header version is not 2
};
std::string_view name(CodecError e);

// Checks that the body is a whole number of TLVs; returns how many.
Result<std::size_t, CodecError> validate_body(ByteView body);

// Walks a body that validate_body() accepted. `source` is the sender's address
// in interface mode: the implied IPv6 next hop of Updates (§4.6.9); nullopt in
// the mesh, where the next hop is the neighbour itself.
class TlvParser {
 public:
  explicit TlvParser(ByteView body, std::optional<Address> source = std::nullopt);
  // The next TLV, or nullopt at the end of the body.
  std::optional<Tlv> next();

 private:
  Tlv parse(std::uint8_t type, ByteView value);
  Tlv parse_update(ByteView value);

  ByteView body_;
  std::size_t pos_ = 0;
  std::optional<Address> source_;
  std::optional<Address> default_v4_, default_v6_;
  std::optional<RouterId> router_id_;
  std::optional<Address> next_hop_v4_, next_hop_v6_;
};

// Validates, then calls f(const Tlv&) for each TLV in order.
template <class F>
Result<std::size_t, CodecError> for_each_tlv(ByteView body, F&& f,
                                             std::optional<Address> source = std::nullopt) {
  auto n = validate_body(body);
  if (!n) return n;
  TlvParser parser(body, source);
  while (auto tlv = parser.next()) f(static_cast<const Tlv&>(*tlv));
  return n;
}

// The body of a Babel packet (magic 42, version 2, body length); bytes after
// the body are the trailer (RFC 8967 MACs), returned separately.
struct PacketView {
  ByteView body;
  ByteView trailer;
};
Result<PacketView, CodecError> parse_packet(ByteView datagram);
Bytes make_packet(ByteView body);

// Encoders. Each TLV fits in 255 bytes by construction; they assert the
// caller's obligations (a v4 prefix with AE 1, no Ignored, ...).
void append_tlv(Bytes& out, const Tlv& tlv);
std::size_t encoded_size(const Tlv& tlv);

}  // namespace hyphae::routing

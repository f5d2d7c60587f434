// The membership datagram (wire packet type 5, docs/membership.md): the
// 4-byte header, the sender's NodeId, then items of (type u8, length u16, value).
// Probes are not signed: an ack only counts if it echoes the sequence number
// of a probe we sent, which an off-path attacker cannot see. State changes
// travel as signed records (record.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/result.hpp"
#include "crypto/identity.hpp"
#include "wire/packet.hpp"

namespace hyphae::membership {

inline constexpr std::uint8_t kGossipPacketType = 5;
inline constexpr std::size_t kGossipHeader = 4 + crypto::NodeId::kLen;
inline constexpr std::size_t kMaxItems = 64;

// What a node says about its own load in every ack (seed 004's resource input).
struct Resources {
  std::uint8_t cpu_percent = 0;
  std::uint8_t memory_percent = 0;
  std::uint16_t connections = 0;
  bool operator==(const Resources&) const = default;
};

struct Ping {
  std::uint32_t seq = 0;
  crypto::NodeId target;  // a restarted process at the same address with another id must not ack
};
struct Ack {
  std::uint32_t seq = 0;
  bool forwarded = false;              // relayed by an indirect prober
  std::optional<Resources> resources;  // the acker's own, on direct acks
};
struct PingReq {
  std::uint32_t seq = 0;
  crypto::NodeId target;
  Endpoint target_address;
};
struct Nack {
  std::uint32_t seq = 0;
};
struct RecordItem {
  ByteView bytes;  // one encoded record; decoded and verified by the membership core
};
// Marks a state exchange (sync): anti-entropy by ranges of the id space.
// A request names a range of 16-bit id prefixes (the top 16 bits of NodeId)
// and lists a salted 16-bit fingerprint of every member it holds there, over
// (id, state, incarnation) (reconcile.hpp). The answer holds the records of
// the answerer's members in that range whose fingerprint is not listed, as
// many as its byte budget allows (`complete` when that was all of them), and
// names the range it answers. So a requester is sent only what it lacks or
// holds an older state of, whatever the mesh size; one whose view matches is
// answered by one small datagram. A requester walks the id space range by
// range, each sized so its fingerprints fit one datagram. Records go only to
// an address that echoes the cookie we sent it before, or at most three
// times the request's size (a return-routability check, as DNS cookies and
// QUIC's anti-amplification limit do): a forged source address cannot turn
// a small request into a large answer.
struct Sync {
  bool reply = false;                 // a request: send what `fingerprints` lacks
  bool complete = false;              // an answer that holds every record the request lacked
  std::uint64_t cookie = 0;           // 0: none
  bool ranged = false;                // carries the fields below (every request and answer this build sends)
  std::uint32_t salt = 0;             // mixed into every fingerprint, fresh per request
  std::uint16_t first = 0, last = 0;  // the range of id prefixes, inclusive
  ByteView fingerprints;              // a request's: big-endian u16 each, any order
};
inline constexpr std::size_t kMaxSyncFingerprints = 600;  // with our own record, a request fits one datagram

using Item = std::variant<Ping, Ack, PingReq, Nack, RecordItem, Sync>;

struct GossipPacket {
  crypto::NodeId sender;
  std::array<Item, kMaxItems> items;
  std::size_t count = 0;
};

enum class PacketError : std::uint8_t { truncated, bad_header, bad_item, too_many_items };
std::string_view name(PacketError e);

// Total: any input gives a packet or an error; views point into `datagram`.
Result<GossipPacket, PacketError> decode_gossip(ByteView datagram);

// Builds one datagram. Items are appended while they fit in kMaxDatagram.
class GossipWriter {
 public:
  explicit GossipWriter(const crypto::NodeId& sender);
  // False (and nothing written) if the item would not fit, or would make
  // the datagram larger than `limit`.
  bool add(const Item& item, std::size_t limit = wire::kMaxDatagram);
  std::size_t room(std::size_t limit = wire::kMaxDatagram) const;
  // The bytes `item` takes in a datagram, with its item header.
  static std::size_t size_of(const Item& item);
  std::size_t items() const { return items_; }
  std::size_t size() const { return out_.size(); }
  Bytes finish() { return std::move(out_); }

 private:
  Bytes out_;
  std::size_t items_ = 0;
};

}  // namespace hyphae::membership

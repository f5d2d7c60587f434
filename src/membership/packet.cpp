#include "membership/packet.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "membership/record.hpp"
#include "wire/packet.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hyphae::membership {
namespace {

enum ItemType : std::uint8_t { kPing = 1, kAck = 2, kPingReq = 3, kNack = 4, kRecord = 5, kSync = 6 };
constexpr std::size_t kItemHeader = 3;  // type u8, length u16
constexpr std::uint8_t kAckForwarded = 1, kAckResources = 2;
constexpr std::uint8_t kSyncReply = 1, kSyncComplete = 2, kSyncRanged = 4;

bool read_id(wire::Reader& r, crypto::NodeId& id) {
  ByteView b;
  if (!r.take(crypto::NodeId::kLen, b)) return false;
  std::copy(b.begin(), b.end(), id.bytes.begin());
  return true;
}

bool read_endpoint(wire::Reader& r, Endpoint& e) {
  ByteView b;
  if (!r.take(16, b) || !r.u16(e.port)) return false;
  std::copy(b.begin(), b.end(), e.ip.begin());
  return true;
}

std::optional<Item> decode_item(std::uint8_t type, ByteView value) {
  wire::Reader r(value);
  switch (type) {
    case kPing: {
      Ping p;
      if (r.u32(p.seq) && read_id(r, p.target) && r.done()) return p;
      return std::nullopt;
    }
    case kAck: {
      Ack a;
      std::uint8_t flags = 0;
      if (!r.u32(a.seq) || !r.u8(flags) || (flags & ~(kAckForwarded | kAckResources)) != 0)
        return std::nullopt;
      a.forwarded = (flags & kAckForwarded) != 0;
      if ((flags & kAckResources) != 0) {
        Resources res;
        if (!r.u8(res.cpu_percent) || !r.u8(res.memory_percent) || !r.u16(res.connections))
          return std::nullopt;
        if (res.cpu_percent > 100 || res.memory_percent > 100) return std::nullopt;
        a.resources = res;
      }
      if (r.done()) return a;
      return std::nullopt;
    }
    case kPingReq: {
      PingReq p;
      if (r.u32(p.seq) && read_id(r, p.target) && read_endpoint(r, p.target_address) && r.done()) return p;
      return std::nullopt;
    }
    case kNack: {
      Nack n;
      if (r.u32(n.seq) && r.done()) return n;
      return std::nullopt;
    }
    case kRecord:
      if (value.empty() || value.size() > kMaxRecordSize) return std::nullopt;
      return RecordItem{value};
    case kSync: {
      std::uint8_t flags = 0;
      Sync sync;
      if (!r.u8(flags) || (flags & ~(kSyncReply | kSyncComplete | kSyncRanged)) != 0 || !r.u64(sync.cookie)) {
        return std::nullopt;
      }
      sync.reply = (flags & kSyncReply) != 0;
      sync.complete = (flags & kSyncComplete) != 0;
      sync.ranged = (flags & kSyncRanged) != 0;
      if (sync.ranged) {
        // The fingerprints fill the rest of the item.
        if (!r.u32(sync.salt) || !r.u16(sync.first) || !r.u16(sync.last) || sync.first > sync.last) {
          return std::nullopt;
        }
        const std::size_t n = r.remaining();
        if (n % 2 != 0 || n / 2 > kMaxSyncFingerprints || !r.take(n, sync.fingerprints)) return std::nullopt;
      }
      if (r.done()) return sync;
      return std::nullopt;
    }
    default:
      return std::nullopt;  // no optional items yet: an unknown one is a bad packet
  }
}

void encode_item(wire::Writer& w, const Item& item) {
  std::visit(
      [&](const auto& it) {
        using T = std::decay_t<decltype(it)>;
        if constexpr (std::is_same_v<T, Ping>) {
          w.u32(it.seq);
          w.bytes(it.target.bytes);
        } else if constexpr (std::is_same_v<T, Ack>) {
          w.u32(it.seq);
          w.u8(static_cast<std::uint8_t>((it.forwarded ? kAckForwarded : 0) |
                                         (it.resources ? kAckResources : 0)));
          if (it.resources) {
            w.u8(it.resources->cpu_percent);
            w.u8(it.resources->memory_percent);
            w.u16(it.resources->connections);
          }
        } else if constexpr (std::is_same_v<T, PingReq>) {
          w.u32(it.seq);
          w.bytes(it.target.bytes);
          w.bytes(it.target_address.ip);
          w.u16(it.target_address.port);
        } else if constexpr (std::is_same_v<T, Nack>) {
          w.u32(it.seq);
        } else if constexpr (std::is_same_v<T, RecordItem>) {
          w.bytes(it.bytes);
        } else if constexpr (std::is_same_v<T, Sync>) {
          w.u8(static_cast<std::uint8_t>((it.reply ? kSyncReply : 0) | (it.complete ? kSyncComplete : 0) |
                                         (it.ranged ? kSyncRanged : 0)));
          w.u64(it.cookie);
          if (it.ranged) {
            HYPHAE_ASSERT(it.first <= it.last && it.fingerprints.size() % 2 == 0 &&
                          it.fingerprints.size() / 2 <= kMaxSyncFingerprints);
            w.u32(it.salt);
            w.u16(it.first);
            w.u16(it.last);
            w.bytes(it.fingerprints);
          }
        }
      },
      item);
}

std::uint8_t type_of(const Item& item) {
  constexpr std::array<std::uint8_t, 6> kTypes{kPing, kAck, kPingReq, kNack, kRecord, kSync};
  return kTypes[item.index()];
}

}  // namespace

std::string_view name(PacketError e) {
  switch (e) {
    case PacketError::truncated:
      return "truncated";
    case PacketError::bad_header:
      return "bad_header";
    case PacketError::bad_item:
      return "bad_item";
    case PacketError::too_many_items:
      return "too_many_items";
  }
  return "unknown";
}

Result<GossipPacket, PacketError> decode_gossip(ByteView datagram) {
  if (datagram.size() > wire::kMaxDatagram) return fail(PacketError::bad_header);
  wire::Reader r(datagram);
  std::uint8_t version = 0, type = 0, flags = 0, reserved = 0;
  if (!r.u8(version) || !r.u8(type) || !r.u8(flags) || !r.u8(reserved)) return fail(PacketError::truncated);
  if (version != wire::kProtocolVersion || type != kGossipPacketType || flags != 0 || reserved != 0) {
    return fail(PacketError::bad_header);
  }
  GossipPacket p;
  if (!read_id(r, p.sender)) return fail(PacketError::truncated);
  while (r.remaining() > 0) {
    std::uint8_t item_type = 0;
    std::uint16_t length = 0;
    ByteView value;
    if (!r.u8(item_type) || !r.u16(length) || !r.take(length, value)) return fail(PacketError::truncated);
    if (p.count == kMaxItems) return fail(PacketError::too_many_items);
    auto item = decode_item(item_type, value);
    if (!item) return fail(PacketError::bad_item);
    p.items[p.count++] = *item;
  }
  return p;
}

GossipWriter::GossipWriter(const crypto::NodeId& sender) {
  out_.reserve(wire::kMaxDatagram);
  wire::Writer w(out_);
  w.u8(wire::kProtocolVersion);
  w.u8(kGossipPacketType);
  w.u8(0);
  w.u8(0);
  w.bytes(sender.bytes);
}

std::size_t GossipWriter::room(std::size_t limit) const {
  limit = std::min(limit, wire::kMaxDatagram);
  const std::size_t used = out_.size() + kItemHeader;
  return used >= limit || items_ == kMaxItems ? 0 : limit - used;
}

std::size_t GossipWriter::size_of(const Item& item) {
  Bytes value;
  wire::Writer vw(value);
  encode_item(vw, item);
  return kItemHeader + value.size();
}

bool GossipWriter::add(const Item& item, std::size_t limit) {
  // Encoded in place, then measured: no temporary per item. The length is
  // written once the value's size is known, or the item is cut off again.
  const std::size_t room_left = room(limit);
  const std::size_t start = out_.size();
  wire::Writer w(out_);
  w.u8(type_of(item));
  w.u16(0);
  encode_item(w, item);
  const std::size_t value_size = out_.size() - start - kItemHeader;
  if (items_ == kMaxItems || value_size > room_left) {
    out_.resize(start);
    return false;
  }
  out_[start + 1] = static_cast<std::uint8_t>(value_size >> 8);  // big-endian, as wire::Writer::u16
  out_[start + 2] = static_cast<std::uint8_t>(value_size);
  ++items_;
  return true;
}

}  // namespace hyphae::membership

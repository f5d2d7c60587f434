#include "wire/tlv.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "wire/reader.hpp"

namespace hyphae::wire {
namespace {

constexpr std::size_t kMessageFixedSize = 8 + 1 + 1;  // id, type, priority
constexpr std::size_t kHelloSize = 2 + 4;

// Fixed-size values must match exactly: a longer value is not "extensible",
// it is a different TLV that v1 cannot interpret.
Result<std::uint64_t, Drop> exact_u64(ByteView value) {
  if (value.size() != 8) return fail(Drop::bad_value);
  Reader r{value};
  std::uint64_t v = 0;
  const bool ok = r.u64(v);
  HYPHAE_ASSERT(ok);  // length checked above
  return v;
}

Result<Tlv, Drop> decode_message(ByteView value) {
  if (value.size() < kMessageFixedSize) return fail(Drop::bad_value);
  Reader r{value};
  Message m;
  std::uint8_t type = 0, priority = 0;
  const bool ok = r.u64(m.id) && r.u8(type) && r.u8(priority);
  HYPHAE_ASSERT(ok);  // length checked above
  auto t = message_type_from_byte(type);
  auto p = priority_from_byte(priority);
  if (!t || !p) return fail(Drop::bad_value);
  m.type = *t;
  m.priority = *p;
  m.payload = r.rest();
  if (m.payload.size() > kMaxMessagePayload) return fail(Drop::oversized);
  return m;
}

Result<Tlv, Drop> decode_hello(ByteView value) {
  if (value.size() != kHelloSize) return fail(Drop::bad_value);
  Reader r{value};
  Hello h;
  const bool ok = r.u16(h.mesh_port) && r.u32(h.features);
  HYPHAE_ASSERT(ok);  // length checked above
  return h;
}

Result<Tlv, Drop> decode_close(ByteView value) {
  if (value.size() != 1) return fail(Drop::bad_value);
  return Close{value[0]};
}

Result<Tlv, Drop> decode_routed(ByteView value) {
  if (value.size() < kRoutedHeaderSize) return fail(Drop::bad_value);
  Reader r{value};
  Routed d;
  ByteView dst, src;
  const bool ok = r.take(kNodeIdLen, dst) && r.take(kNodeIdLen, src) && r.u8(d.hop_limit);
  HYPHAE_ASSERT(ok);  // length checked above
  std::copy(dst.begin(), dst.end(), d.dst.begin());
  std::copy(src.begin(), src.end(), d.src.begin());
  d.sealed = r.rest();
  return d;
}

Result<Tlv, Drop> decode_routed_key(ByteView value) {
  if (value.size() != kRoutedKeySize) return fail(Drop::bad_value);
  Reader r{value};
  RoutedKey k;
  ByteView dst, src, key;
  std::uint8_t flags = 0;
  const bool ok = r.take(kNodeIdLen, dst) && r.take(kNodeIdLen, src) && r.u8(k.hop_limit) &&
                  r.take(32, key) && r.u8(flags);
  HYPHAE_ASSERT(ok);  // length checked above
  if (flags > 1) return fail(Drop::bad_value);
  std::copy(dst.begin(), dst.end(), k.dst.begin());
  std::copy(src.begin(), src.end(), k.src.begin());
  std::copy(key.begin(), key.end(), k.key.begin());
  k.want_reply = flags == 1;
  return k;
}

Result<Tlv, Drop> decode_flood(ByteView value) {
  if (value.size() < kFloodFixedSize) return fail(Drop::bad_value);
  Reader r{value};
  Flood f;
  ByteView key, sig;
  std::uint8_t type = 0, priority = 0;
  const bool ok =
      r.take(32, key) && r.u64(f.id) && r.u8(f.ttl) && r.u8(type) && r.u8(priority) && r.take(64, sig);
  HYPHAE_ASSERT(ok);  // length checked above
  auto t = message_type_from_byte(type);
  auto p = priority_from_byte(priority);
  if (!t || !p) return fail(Drop::bad_value);
  f.type = *t;
  f.priority = *p;
  std::copy(key.begin(), key.end(), f.origin_key.begin());
  std::copy(sig.begin(), sig.end(), f.signature.begin());
  f.payload = r.rest();
  if (f.payload.size() > kMaxFloodPayload) return fail(Drop::oversized);
  return f;
}

template <class T>
Result<Tlv, Drop> decode_id(ByteView value) {
  auto v = exact_u64(value);
  if (!v) return fail(v.error());
  return T{*v};
}

// One known critical type's value; type is < kFirstOptionalTlvType.
Result<Tlv, Drop> decode_value(std::uint64_t type, ByteView value) {
  switch (type) {
    case static_cast<std::uint8_t>(TlvType::ping):
      return decode_id<Ping>(value);
    case static_cast<std::uint8_t>(TlvType::pong):
      return decode_id<Pong>(value);
    case static_cast<std::uint8_t>(TlvType::message):
      return decode_message(value);
    case static_cast<std::uint8_t>(TlvType::message_ack):
      return decode_id<MessageAck>(value);
    case static_cast<std::uint8_t>(TlvType::hello):
      return decode_hello(value);
    case static_cast<std::uint8_t>(TlvType::close):
      return decode_close(value);
    case static_cast<std::uint8_t>(TlvType::routing):
      return Routing{value};
    case static_cast<std::uint8_t>(TlvType::routed):
      return decode_routed(value);
    case static_cast<std::uint8_t>(TlvType::routed_key):
      return decode_routed_key(value);
    case static_cast<std::uint8_t>(TlvType::flood):
      return decode_flood(value);
    default:
      return fail(Drop::unknown_critical_tlv);
  }
}

struct Encoded {
  TlvType type;
  std::size_t value_size;
};

Encoded shape(const Tlv& tlv) {
  struct V {
    Encoded operator()(const Ping&) const { return {TlvType::ping, 8}; }
    Encoded operator()(const Pong&) const { return {TlvType::pong, 8}; }
    Encoded operator()(const Message& m) const {
      return {TlvType::message, kMessageFixedSize + m.payload.size()};
    }
    Encoded operator()(const MessageAck&) const { return {TlvType::message_ack, 8}; }
    Encoded operator()(const Hello&) const { return {TlvType::hello, kHelloSize}; }
    Encoded operator()(const Close&) const { return {TlvType::close, 1}; }
    Encoded operator()(const Routing& r) const { return {TlvType::routing, r.body.size()}; }
    Encoded operator()(const Routed& r) const {
      return {TlvType::routed, kRoutedHeaderSize + r.sealed.size()};
    }
    Encoded operator()(const RoutedKey&) const { return {TlvType::routed_key, kRoutedKeySize}; }
    Encoded operator()(const Flood& f) const { return {TlvType::flood, kFloodFixedSize + f.payload.size()}; }
  };
  return std::visit(V{}, tlv);
}

}  // namespace

bool operator==(const Message& a, const Message& b) {
  return a.id == b.id && a.type == b.type && a.priority == b.priority &&
         std::ranges::equal(a.payload, b.payload);
}

bool operator==(const Routing& a, const Routing& b) { return std::ranges::equal(a.body, b.body); }

bool operator==(const Flood& a, const Flood& b) {
  return a.origin_key == b.origin_key && a.id == b.id && a.ttl == b.ttl && a.type == b.type &&
         a.priority == b.priority && a.signature == b.signature && std::ranges::equal(a.payload, b.payload);
}

bool operator==(const Routed& a, const Routed& b) {
  return a.dst == b.dst && a.src == b.src && a.hop_limit == b.hop_limit &&
         std::ranges::equal(a.sealed, b.sealed);
}

Result<std::size_t, Drop> decode_tlvs(ByteView plaintext, TlvArray& out) {
  if (plaintext.size() > kMaxFrame) return fail(Drop::oversized);
  Reader r{plaintext};
  std::size_t kept = 0;
  std::size_t seen = 0;  // every TLV counts, so Pad or unknown ones cannot make work unbounded
  while (r.remaining() > 0) {
    if (seen == kMaxTlvsPerFrame) return fail(Drop::too_many_tlvs);
    ++seen;
    std::uint64_t type = 0, length = 0;
    if (!r.varint(type) || !r.varint(length)) return fail(r.failure());
    if (length > r.remaining()) return fail(Drop::truncated);
    ByteView value;
    if (!r.take(static_cast<std::size_t>(length), value)) return fail(r.failure());
    if (type >= kFirstOptionalTlvType) continue;  // optional and unknown to v1: skip
    if (type == static_cast<std::uint8_t>(TlvType::pad)) continue;
    auto tlv = decode_value(type, value);
    if (!tlv) return fail(tlv.error());
    HYPHAE_ASSERT(kept < out.size());  // kept <= seen <= kMaxTlvsPerFrame
    out[kept++] = *tlv;
  }
  HYPHAE_ASSERT(r.done());
  return kept;
}

void encode(Writer& w, const Tlv& tlv) {
  const Encoded e = shape(tlv);
  w.varint(static_cast<std::uint8_t>(e.type));
  w.varint(e.value_size);
  const std::size_t before = w.size();
  struct V {
    Writer& w;
    void operator()(const Ping& p) const { w.u64(p.ping_id); }
    void operator()(const Pong& p) const { w.u64(p.ping_id); }
    void operator()(const Message& m) const {
      HYPHAE_ASSERT(m.payload.size() <= kMaxMessagePayload);
      w.u64(m.id);
      w.u8(static_cast<std::uint8_t>(m.type));
      w.u8(static_cast<std::uint8_t>(m.priority));
      w.bytes(m.payload);
    }
    void operator()(const MessageAck& a) const { w.u64(a.id); }
    void operator()(const Hello& h) const {
      w.u16(h.mesh_port);
      w.u32(h.features);
    }
    void operator()(const Close& c) const { w.u8(c.reason); }
    void operator()(const Routing& r) const { w.bytes(r.body); }
    void operator()(const Routed& r) const {
      w.bytes(r.dst);
      w.bytes(r.src);
      w.u8(r.hop_limit);
      w.bytes(r.sealed);
    }
    void operator()(const RoutedKey& k) const {
      w.bytes(k.dst);
      w.bytes(k.src);
      w.u8(k.hop_limit);
      w.bytes(k.key);
      w.u8(k.want_reply ? 1 : 0);
    }
    void operator()(const Flood& f) const {
      HYPHAE_ASSERT(f.payload.size() <= kMaxFloodPayload);
      w.bytes(f.origin_key);
      w.u64(f.id);
      w.u8(f.ttl);
      w.u8(static_cast<std::uint8_t>(f.type));
      w.u8(static_cast<std::uint8_t>(f.priority));
      w.bytes(f.signature);
      w.bytes(f.payload);
    }
  };
  std::visit(V{w}, tlv);
  HYPHAE_ASSERT(w.size() - before == e.value_size);  // shape() and the writers agree
}

void append_tlv(Bytes& out, const Tlv& tlv) {
  Writer w{out};
  encode(w, tlv);
}

void append_pad(Bytes& out, std::size_t value_size) {
  Writer w{out};
  w.varint(static_cast<std::uint8_t>(TlvType::pad));
  w.varint(value_size);
  out.resize(out.size() + value_size, 0);
}

std::size_t encoded_size(const Tlv& tlv) {
  const Encoded e = shape(tlv);
  return varint_size(static_cast<std::uint8_t>(e.type)) + varint_size(e.value_size) + e.value_size;
}

}  // namespace hyphae::wire

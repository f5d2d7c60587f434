#include "wire/packet.hpp"

#include <algorithm>
#include <initializer_list>

#include "base/assert.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hyphae::wire {
namespace {

bool same(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

// A handshake packet's Noise bytes are the rest of the datagram; empty means
// the sender stopped short, and above the bound no valid Noise message exists.
template <typename Handshake>
Result<Packet, Drop> with_noise_rest(Reader& r, Handshake p) {
  p.noise = r.rest();
  if (r.poisoned()) return fail(r.failure());
  if (p.noise.empty()) return fail(Drop::truncated);
  if (p.noise.size() > kMaxNoiseMessage) return fail(Drop::oversized);
  return p;
}

Result<Packet, Drop> decode_init(Reader& r) {
  HandshakeInit p;
  if (!r.u32(p.sender_index)) return fail(r.failure());
  return with_noise_rest(r, p);
}

Result<Packet, Drop> decode_resp(Reader& r) {
  HandshakeResp p;
  if (!r.u32(p.sender_index) || !r.u32(p.receiver_index)) return fail(r.failure());
  return with_noise_rest(r, p);
}

Result<Packet, Drop> decode_finish(Reader& r) {
  HandshakeFinish p;
  if (!r.u32(p.receiver_index)) return fail(r.failure());
  return with_noise_rest(r, p);
}

Result<Packet, Drop> decode_transport(ByteView datagram, Reader& r) {
  Transport p;
  if (!r.u32(p.receiver_index) || !r.u64(p.counter)) return fail(r.failure());
  p.associated_data = datagram.first(kTransportHeaderSize);
  p.ciphertext = r.rest();
  if (p.ciphertext.size() < kAeadTagSize) return fail(Drop::truncated);
  return p;
}

void write_header(Writer& w, PacketType type) {
  w.u8(kProtocolVersion);
  w.u8(static_cast<std::uint8_t>(type));
  w.u8(0);  // flags
  w.u8(0);  // reserved
}

// The three handshake packets: header, their u32 indices in order, the Noise message.
Bytes encode_handshake(PacketType type, std::initializer_list<std::uint32_t> indices, ByteView noise) {
  HYPHAE_ASSERT(!noise.empty());
  HYPHAE_ASSERT(noise.size() <= kMaxNoiseMessage);
  Bytes out;
  out.reserve(kHeaderSize + 4 * indices.size() + noise.size());
  Writer w{out};
  write_header(w, type);
  for (std::uint32_t index : indices) w.u32(index);
  w.bytes(noise);
  return out;
}

}  // namespace

bool operator==(const HandshakeInit& a, const HandshakeInit& b) {
  return a.sender_index == b.sender_index && same(a.noise, b.noise);
}
bool operator==(const HandshakeResp& a, const HandshakeResp& b) {
  return a.sender_index == b.sender_index && a.receiver_index == b.receiver_index && same(a.noise, b.noise);
}
bool operator==(const HandshakeFinish& a, const HandshakeFinish& b) {
  return a.receiver_index == b.receiver_index && same(a.noise, b.noise);
}
bool operator==(const Transport& a, const Transport& b) {
  return a.receiver_index == b.receiver_index && a.counter == b.counter && same(a.ciphertext, b.ciphertext);
}

Result<Packet, Drop> decode_packet(ByteView datagram) {
  // Size first: an oversized datagram is rejected before any field is trusted.
  if (datagram.size() > kMaxDatagram) return fail(Drop::oversized);
  Reader r{datagram};
  std::uint8_t version = 0, type = 0, flags = 0, reserved = 0;
  if (!r.u8(version) || !r.u8(type) || !r.u8(flags) || !r.u8(reserved)) return fail(Drop::truncated);
  if (version != kProtocolVersion) return fail(Drop::bad_version);
  // v1 defines no flags; rejecting them lets a later version give them meaning.
  if (flags != 0 || reserved != 0) return fail(Drop::bad_flags);
  switch (type) {
    case static_cast<std::uint8_t>(PacketType::handshake_init):
      return decode_init(r);
    case static_cast<std::uint8_t>(PacketType::handshake_resp):
      return decode_resp(r);
    case static_cast<std::uint8_t>(PacketType::handshake_finish):
      return decode_finish(r);
    case static_cast<std::uint8_t>(PacketType::transport):
      return decode_transport(datagram, r);
    default:
      return fail(Drop::bad_type);
  }
}

Bytes encode(const HandshakeInit& p) {
  return encode_handshake(PacketType::handshake_init, {p.sender_index}, p.noise);
}
Bytes encode(const HandshakeResp& p) {
  return encode_handshake(PacketType::handshake_resp, {p.sender_index, p.receiver_index}, p.noise);
}
Bytes encode(const HandshakeFinish& p) {
  return encode_handshake(PacketType::handshake_finish, {p.receiver_index}, p.noise);
}

Bytes encode(const Transport& p) {
  HYPHAE_ASSERT(p.ciphertext.size() >= kAeadTagSize);
  HYPHAE_ASSERT(p.ciphertext.size() <= kMaxDatagram - kTransportHeaderSize);
  Bytes out;
  out.reserve(kTransportHeaderSize + p.ciphertext.size());
  write_transport_header(out, p.receiver_index, p.counter);
  out.insert(out.end(), p.ciphertext.begin(), p.ciphertext.end());
  return out;
}

Bytes encode(const Packet& p) {
  return std::visit([](const auto& x) { return encode(x); }, p);
}

void write_transport_header(Bytes& out, std::uint32_t receiver_index, std::uint64_t counter) {
  const auto header = transport_associated_data(receiver_index, counter);
  out.insert(out.end(), header.begin(), header.end());
}

// Filled by hand, not through a Writer: Session::seal calls this once per
// datagram, and a Writer needs a heap buffer.
std::array<std::uint8_t, kTransportHeaderSize> transport_associated_data(std::uint32_t receiver_index,
                                                                         std::uint64_t counter) {
  std::array<std::uint8_t, kTransportHeaderSize> ad{};
  ad[0] = kProtocolVersion;
  ad[1] = static_cast<std::uint8_t>(PacketType::transport);
  // ad[2] flags, ad[3] reserved: zero, as write_header writes them.
  for (std::size_t i = 0; i < 4; ++i) ad[4 + i] = static_cast<std::uint8_t>(receiver_index >> (24 - 8 * i));
  for (std::size_t i = 0; i < 8; ++i) ad[8 + i] = static_cast<std::uint8_t>(counter >> (56 - 8 * i));
  return ad;
}

}  // namespace hyphae::wire

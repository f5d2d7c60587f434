#include "wire/packet.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "wire/reader.hpp"
#include "wire/writer.hpp"

namespace hyphae::wire {
namespace {

bool same(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

// Noise bytes are the rest of the datagram; empty means the sender stopped
// short, and above the bound no valid Noise message exists.
Result<ByteView, Drop> noise_rest(Reader& r) {
  ByteView noise = r.rest();
  if (r.poisoned()) return fail(r.failure());
  if (noise.empty()) return fail(Drop::truncated);
  if (noise.size() > kMaxNoiseMessage) return fail(Drop::oversized);
  return noise;
}

Result<Packet, Drop> decode_init(Reader& r) {
  HandshakeInit p;
  if (!r.u32(p.sender_index)) return fail(r.failure());
  auto noise = noise_rest(r);
  if (!noise) return fail(noise.error());
  p.noise = *noise;
  return p;
}

Result<Packet, Drop> decode_resp(Reader& r) {
  HandshakeResp p;
  if (!r.u32(p.sender_index) || !r.u32(p.receiver_index)) return fail(r.failure());
  auto noise = noise_rest(r);
  if (!noise) return fail(noise.error());
  p.noise = *noise;
  return p;
}

Result<Packet, Drop> decode_finish(Reader& r) {
  HandshakeFinish p;
  if (!r.u32(p.receiver_index)) return fail(r.failure());
  auto noise = noise_rest(r);
  if (!noise) return fail(noise.error());
  p.noise = *noise;
  return p;
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

void assert_noise(ByteView noise) {
  HYPHAE_ASSERT(!noise.empty());
  HYPHAE_ASSERT(noise.size() <= kMaxNoiseMessage);
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
    case static_cast<std::uint8_t>(PacketType::handshake_init): return decode_init(r);
    case static_cast<std::uint8_t>(PacketType::handshake_resp): return decode_resp(r);
    case static_cast<std::uint8_t>(PacketType::handshake_finish): return decode_finish(r);
    case static_cast<std::uint8_t>(PacketType::transport): return decode_transport(datagram, r);
    default: return fail(Drop::bad_type);
  }
}

Bytes encode(const HandshakeInit& p) {
  assert_noise(p.noise);
  Bytes out;
  out.reserve(kHeaderSize + 4 + p.noise.size());
  Writer w{out};
  write_header(w, PacketType::handshake_init);
  w.u32(p.sender_index);
  w.bytes(p.noise);
  return out;
}

Bytes encode(const HandshakeResp& p) {
  assert_noise(p.noise);
  Bytes out;
  out.reserve(kHeaderSize + 8 + p.noise.size());
  Writer w{out};
  write_header(w, PacketType::handshake_resp);
  w.u32(p.sender_index);
  w.u32(p.receiver_index);
  w.bytes(p.noise);
  return out;
}

Bytes encode(const HandshakeFinish& p) {
  assert_noise(p.noise);
  Bytes out;
  out.reserve(kHeaderSize + 4 + p.noise.size());
  Writer w{out};
  write_header(w, PacketType::handshake_finish);
  w.u32(p.receiver_index);
  w.bytes(p.noise);
  return out;
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

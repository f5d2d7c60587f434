// The outer UDP datagram: a 4-byte cleartext header, then per-type fields.
// docs/protocol.md §2 is the byte-level spec. Decoded views point into the
// datagram, so it must outlive the Packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/drop.hpp"

namespace hyphae::wire {

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kHeaderSize = 4;          // version, type, flags, reserved
inline constexpr std::size_t kMaxDatagram = 1452;      // 1500 MTU - IPv6 40 - UDP 8
inline constexpr std::size_t kMaxNoiseMessage = 1024;  // largest Noise handshake message
inline constexpr std::size_t kTransportHeaderSize = 16;
inline constexpr std::size_t kAeadTagSize = 16;  // ChaCha20-Poly1305
// Largest plaintext one transport datagram can carry.
inline constexpr std::size_t kMaxTransportPlaintext = kMaxDatagram - kTransportHeaderSize - kAeadTagSize;

static_assert(kTransportHeaderSize == kHeaderSize + 4 + 8, "header, receiver_index, counter");
static_assert(kHeaderSize + 8 + kMaxNoiseMessage <= kMaxDatagram, "largest handshake_resp fits");

enum class PacketType : std::uint8_t {
  handshake_init = 1,
  handshake_resp = 2,
  handshake_finish = 3,
  transport = 4,
};

struct HandshakeInit {
  std::uint32_t sender_index = 0;
  ByteView noise;  // 1..kMaxNoiseMessage bytes
};

struct HandshakeResp {
  std::uint32_t sender_index = 0;
  std::uint32_t receiver_index = 0;
  ByteView noise;
};

struct HandshakeFinish {
  std::uint32_t receiver_index = 0;
  ByteView noise;
};

struct Transport {
  std::uint32_t receiver_index = 0;
  std::uint64_t counter = 0;  // also the AEAD nonce
  ByteView associated_data;   // the 16 header bytes; set by decode, ignored by encode
  ByteView ciphertext;        // >= kAeadTagSize bytes, tag included
};

// Equal when the fields that go on the wire are equal (contents of views, not
// addresses). Transport's associated_data is derived, so it is not compared.
bool operator==(const HandshakeInit& a, const HandshakeInit& b);
bool operator==(const HandshakeResp& a, const HandshakeResp& b);
bool operator==(const HandshakeFinish& a, const HandshakeFinish& b);
bool operator==(const Transport& a, const Transport& b);

using Packet = std::variant<HandshakeInit, HandshakeResp, HandshakeFinish, Transport>;

// Total: any input gives a Packet or a Drop; views point into `datagram`.
Result<Packet, Drop> decode_packet(ByteView datagram);

// Encoders assert the caller's obligations (noise 1..kMaxNoiseMessage bytes,
// ciphertext >= kAeadTagSize, datagram <= kMaxDatagram): peers never reach them.
Bytes encode(const HandshakeInit& p);
Bytes encode(const HandshakeResp& p);
Bytes encode(const HandshakeFinish& p);
Bytes encode(const Transport& p);
Bytes encode(const Packet& p);

// Hot path: appends the 16-byte transport header; the caller seals the
// plaintext with it as associated data and appends the ciphertext.
void write_transport_header(Bytes& out, std::uint32_t receiver_index, std::uint64_t counter);
// The same 16 bytes as a value, for sealing before the buffer exists.
std::array<std::uint8_t, kTransportHeaderSize> transport_associated_data(std::uint32_t receiver_index,
                                                                         std::uint64_t counter);

}  // namespace hyphae::wire

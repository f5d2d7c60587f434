#include "wire/packet.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "base/hex.hpp"
#include "wire/test_gen.hpp"

namespace hyphae::wire {
namespace {

Bytes hex(std::string_view s) { return *from_hex(s); }

Drop drop_of(const Bytes& datagram) {
  auto p = decode_packet(datagram);
  EXPECT_FALSE(p.has_value());
  return p ? Drop::count_ : p.error();
}

// Golden encodings: these bytes are docs/protocol.md's examples.
TEST(Packet, HandshakeInitLayout) {
  const Bytes noise = hex("aabbcc");
  const Bytes wire = encode(HandshakeInit{0x01020304, noise});
  EXPECT_EQ(to_hex(wire),
            "01010000"
            "01020304"
            "aabbcc");
  auto p = decode_packet(wire);
  ASSERT_TRUE(p);
  const auto& init = std::get<HandshakeInit>(*p);
  EXPECT_EQ(init.sender_index, 0x01020304u);
  EXPECT_EQ(init.noise.data(), wire.data() + 8);  // a view into the datagram
  EXPECT_EQ(init.noise.size(), 3u);
}

TEST(Packet, HandshakeRespAndFinishLayout) {
  const Bytes noise = hex("dd");
  EXPECT_EQ(to_hex(encode(HandshakeResp{0x0a0b0c0d, 0x01020304, noise})),
            "01020000"
            "0a0b0c0d"
            "01020304"
            "dd");
  EXPECT_EQ(to_hex(encode(HandshakeFinish{0x0a0b0c0d, noise})),
            "01030000"
            "0a0b0c0d"
            "dd");
}

TEST(Packet, TransportLayoutAndAssociatedData) {
  const Bytes ct(kAeadTagSize, 0xee);
  const Bytes wire = encode(Transport{0x01020304, 0x1122334455667788, {}, ct});
  EXPECT_EQ(to_hex(ByteView(wire).first(kTransportHeaderSize)),
            "01040000"
            "01020304"
            "1122334455667788");
  auto p = decode_packet(wire);
  ASSERT_TRUE(p);
  const auto& t = std::get<Transport>(*p);
  EXPECT_EQ(t.receiver_index, 0x01020304u);
  EXPECT_EQ(t.counter, 0x1122334455667788u);
  EXPECT_EQ(t.associated_data.data(), wire.data());
  EXPECT_EQ(t.associated_data.size(), kTransportHeaderSize);
  EXPECT_EQ(t.ciphertext.size(), kAeadTagSize);

  const auto ad = transport_associated_data(0x01020304, 0x1122334455667788);
  EXPECT_TRUE(std::ranges::equal(ad, t.associated_data));
  Bytes hot = hex("ff");  // appends, keeping what the caller already had
  write_transport_header(hot, 0x01020304, 0x1122334455667788);
  EXPECT_EQ(to_hex(hot),
            "ff"
            "01040000"
            "01020304"
            "1122334455667788");
}

TEST(Packet, HeaderDrops) {
  EXPECT_EQ(drop_of({}), Drop::truncated);
  EXPECT_EQ(drop_of(hex("010400")), Drop::truncated);
  EXPECT_EQ(drop_of(hex("02010000"
                        "00000001"
                        "aa")),
            Drop::bad_version);
  EXPECT_EQ(drop_of(hex("00010000"
                        "00000001"
                        "aa")),
            Drop::bad_version);
  EXPECT_EQ(drop_of(hex("01000000"
                        "00000001"
                        "aa")),
            Drop::bad_type);
  EXPECT_EQ(drop_of(hex("01050000"
                        "00000001"
                        "aa")),
            Drop::bad_type);
  EXPECT_EQ(drop_of(hex("01010100"
                        "00000001"
                        "aa")),
            Drop::bad_flags);
  EXPECT_EQ(drop_of(hex("01010001"
                        "00000001"
                        "aa")),
            Drop::bad_flags);
}

TEST(Packet, HandshakeDrops) {
  EXPECT_EQ(drop_of(hex("01010000")), Drop::truncated);  // no sender_index
  EXPECT_EQ(drop_of(hex("01010000"
                        "000001")),
            Drop::truncated);  // short sender_index
  EXPECT_EQ(drop_of(hex("01010000"
                        "00000001")),
            Drop::truncated);  // no noise
  EXPECT_EQ(drop_of(hex("01020000"
                        "00000001"
                        "000002")),
            Drop::truncated);
  EXPECT_EQ(drop_of(hex("01020000"
                        "00000001"
                        "00000002")),
            Drop::truncated);
  EXPECT_EQ(drop_of(hex("01030000"
                        "00000001")),
            Drop::truncated);
  for (std::uint8_t type = 1; type <= 3; ++type) {
    Bytes big =
        hex("01000000"
            "00000001"
            "00000002");
    big[1] = type;
    if (type != 2) big.resize(8);
    Bytes ok = big;
    ok.resize(big.size() + kMaxNoiseMessage, 0x55);
    EXPECT_TRUE(decode_packet(ok)) << int(type);
    big.resize(big.size() + kMaxNoiseMessage + 1, 0x55);
    EXPECT_EQ(drop_of(big), Drop::oversized) << int(type);
  }
}

TEST(Packet, TransportDrops) {
  const Bytes header =
      hex("01040000"
          "00000001"
          "0000000000000002");
  EXPECT_EQ(drop_of(Bytes(header.begin(), header.end() - 1)), Drop::truncated);
  Bytes short_tag = header;
  short_tag.resize(header.size() + kAeadTagSize - 1);
  EXPECT_EQ(drop_of(short_tag), Drop::truncated);
  Bytes max = header;
  max.resize(kMaxDatagram);
  EXPECT_TRUE(decode_packet(max));
  max.push_back(0);
  EXPECT_EQ(drop_of(max), Drop::oversized);
}

TEST(Packet, OversizedBeatsEveryOtherCheck) {
  EXPECT_EQ(drop_of(Bytes(kMaxDatagram + 1, 0xff)), Drop::oversized);
}

RC_GTEST_PROP(Packet, RoundTripsEveryType, ()) {
  std::deque<Bytes> store;
  const Packet p = test::draw_packet(store);
  const Bytes wire = encode(p);
  RC_ASSERT(wire.size() <= kMaxDatagram);
  auto back = decode_packet(wire);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == p);
  RC_ASSERT(back->index() == p.index());
  RC_ASSERT(encode(*back) == wire);
  RC_TAG(p.index());
}

void check_total(const Bytes& in) {
  auto p = decode_packet(in);
  if (p) {
    RC_ASSERT(encode(*p) == in);  // the encoding is canonical: accept ⇒ re-encode identically
  } else {
    RC_ASSERT(p.error() < Drop::count_);
  }
}

RC_GTEST_PROP(Packet, DecoderIsTotalOnArbitraryBytes, (const Bytes& in)) { check_total(in); }

RC_GTEST_PROP(Packet, DecoderIsTotalOnDamagedPackets, ()) {
  std::deque<Bytes> store;
  const Bytes in = test::mutate(encode(test::draw_packet(store)));
  check_total(in);
}

RC_GTEST_PROP(Packet, DecoderIsTotalBehindAValidHeader, (std::uint8_t type, const Bytes& tail)) {
  Bytes in = {kProtocolVersion, static_cast<std::uint8_t>(type % 6), 0, 0};
  in.insert(in.end(), tail.begin(), tail.end());
  check_total(in);
}

}  // namespace
}  // namespace hyphae::wire

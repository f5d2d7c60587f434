// Goal: the beacon codec is exact (119 bytes, documented layout), total on
// any input, and accepts only beacons signed by the key they carry.
// Method: fixed identities for the layout and each drop reason; RapidCheck
// for round trips, arbitrary bytes and every single-bit flip.
#include "discovery/beacon.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "discovery/test_util.hpp"
#include "wire/packet.hpp"
#include "wire/test_gen.hpp"
#include "wire/writer.hpp"

namespace hyphae::discovery {
namespace {

using test::identity;
using wire::test::bytes_between;
using wire::test::uniform;

// A signed beacon with arbitrary fields, bypassing encode_beacon's asserts.
Bytes sign_raw(const crypto::Identity& id, std::uint8_t version, const crypto::SigningPublicKey& key,
               std::uint16_t port) {
  Bytes out;
  wire::Writer w{out};
  w.bytes(kBeaconMagic);
  w.u8(version);
  w.bytes(key);
  w.u16(port);
  w.u64(1);
  w.u64(2);
  w.bytes(id.sign(out));
  return out;
}

TEST(Beacon, LayoutIsAsDocumented) {
  const auto me = identity(1);
  const Bytes b = encode_beacon(me, 0x2694, 0x0102030405060708, 0x1112131415161718);
  ASSERT_EQ(b.size(), kBeaconSize);
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 4), (Bytes{'H', 'Y', 'B', '1'}));
  EXPECT_EQ(b[4], wire::kProtocolVersion);
  EXPECT_TRUE(std::equal(me.signing_pub.begin(), me.signing_pub.end(), b.begin() + 5));
  EXPECT_EQ(b[37], 0x26);
  EXPECT_EQ(b[38], 0x94);
  EXPECT_EQ(Bytes(b.begin() + 39, b.begin() + 47), (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(Bytes(b.begin() + 47, b.begin() + 55), (Bytes{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}));
  const auto sig = me.sign(ByteView(b).first(kBeaconSignedSize));
  EXPECT_TRUE(std::equal(sig.begin(), sig.end(), b.begin() + 55));
}

TEST(Beacon, DecodesWhatItEncodes) {
  const auto me = identity(2);
  auto b = decode_beacon(encode_beacon(me, 9900, 77, 5));
  ASSERT_TRUE(b) << name(b.error());
  EXPECT_EQ(b->id, me.id);
  EXPECT_EQ(b->signing_key, me.signing_pub);
  EXPECT_EQ(b->mesh_port, 9900);
  EXPECT_EQ(b->boot_id, 77u);
  EXPECT_EQ(b->seq, 5u);
}

TEST(Beacon, NamesEachDropReason) {
  const auto me = identity(3);
  const Bytes good = encode_beacon(me, 9900, 1, 2);
  auto drop_of = [](const Bytes& bytes) {
    auto b = decode_beacon(bytes);
    return b ? BeaconDrop::count_ : b.error();
  };

  EXPECT_EQ(drop_of({}), BeaconDrop::bad_length);
  EXPECT_EQ(drop_of({'H', 'Y', 'B'}), BeaconDrop::bad_length);
  EXPECT_EQ(drop_of({'H', 'Y', 'B', '1'}), BeaconDrop::bad_length);
  EXPECT_EQ(drop_of({'G', 'E', 'T', ' ', '/'}), BeaconDrop::bad_magic);
  EXPECT_EQ(drop_of(Bytes(good.begin(), good.end() - 1)), BeaconDrop::bad_length);
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(drop_of(longer), BeaconDrop::bad_length);
  EXPECT_EQ(drop_of(sign_raw(me, wire::kProtocolVersion + 1, me.signing_pub, 9900)), BeaconDrop::bad_version);
  EXPECT_EQ(drop_of(sign_raw(me, wire::kProtocolVersion, me.signing_pub, 0)), BeaconDrop::bad_port);
  crypto::SigningPublicKey neutral{};
  neutral[0] = 1;  // the group's neutral element: small order, no X25519 form
  EXPECT_EQ(drop_of(sign_raw(me, wire::kProtocolVersion, neutral, 9900)), BeaconDrop::bad_key);
  // Signed by one node but carrying another's key: a forgery.
  EXPECT_EQ(drop_of(sign_raw(me, wire::kProtocolVersion, identity(4).signing_pub, 9900)),
            BeaconDrop::bad_signature);
  Bytes bad_sig = good;
  bad_sig.back() ^= 0x01;
  EXPECT_EQ(drop_of(bad_sig), BeaconDrop::bad_signature);
}

TEST(Beacon, DropNamesAreDistinctSnakeCase) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kBeaconDropCount; ++i) {
    const auto n = name(static_cast<BeaconDrop>(i));
    EXPECT_NE(n, "invalid");
    EXPECT_EQ(n.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string_view::npos) << n;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), kBeaconDropCount);
  EXPECT_EQ(name(BeaconDrop::rate_limited), "rate_limited");
}

RC_GTEST_PROP(BeaconProperty, DecodeIsTotalOnArbitraryBytes, ()) {
  Bytes in = *bytes_between(0, 2 * kBeaconSize);
  // Half the time a right-sized datagram with our magic and version, so the
  // key and signature checks see random input too.
  if (*rc::gen::arbitrary<bool>()) {
    in.resize(kBeaconSize);
    std::copy(kBeaconMagic.begin(), kBeaconMagic.end(), in.begin());
    in[4] = wire::kProtocolVersion;
  }
  auto b = decode_beacon(in);
  // Without a signing key, random bytes never make a beacon.
  RC_ASSERT(!b.has_value());
  RC_ASSERT(b.error() < BeaconDrop::count_);
}

RC_GTEST_PROP(BeaconProperty, RoundTrips, ()) {
  const auto me = identity(*rc::gen::arbitrary<std::uint8_t>());
  const auto port = *uniform<std::uint32_t>(1, 65536);
  const auto boot = *rc::gen::arbitrary<std::uint64_t>();
  const auto seq = *rc::gen::arbitrary<std::uint64_t>();
  auto b = decode_beacon(encode_beacon(me, static_cast<std::uint16_t>(port), boot, seq));
  RC_ASSERT(b.has_value());
  RC_ASSERT(*b == (Beacon{me.id, me.signing_pub, static_cast<std::uint16_t>(port), boot, seq}));
}

RC_GTEST_PROP(BeaconProperty, AnySingleBitFlipIsRejected, ()) {
  const auto me = identity(*rc::gen::arbitrary<std::uint8_t>());
  Bytes b =
      encode_beacon(me, 9999, *rc::gen::arbitrary<std::uint64_t>(), *rc::gen::arbitrary<std::uint64_t>());
  const auto bit = *uniform<std::size_t>(0, kBeaconSize * 8);
  b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  RC_ASSERT(!decode_beacon(b).has_value());
}

// Every bit, not a sample: 952 decodes of one beacon.
TEST(Beacon, EverySingleBitFlipIsRejected) {
  const Bytes good = encode_beacon(identity(5), 9999, 42, 43);
  for (std::size_t bit = 0; bit < kBeaconSize * 8; ++bit) {
    Bytes b = good;
    b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(decode_beacon(b).has_value()) << "bit " << bit;
  }
}

}  // namespace
}  // namespace hyphae::discovery

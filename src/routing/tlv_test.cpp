// Goal: the Babel codec reads RFC 8966 §4 bodies byte for byte (hand-made
// vectors: AE 1/2/3, prefix compression through the Omitted field, router-id
// from the prefix, sub-TLVs and the mandatory bit, unknown TLVs and AEs), never
// accepts a torn body, and what it writes it reads back (RapidCheck).
#include "routing/tlv.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <vector>

namespace hyphae::routing {
namespace {

std::vector<Tlv> decode(const Bytes& body, std::optional<Address> source = std::nullopt) {
  std::vector<Tlv> out;
  auto n = for_each_tlv(body, [&](const Tlv& t) { out.push_back(t); }, source);
  EXPECT_TRUE(n.has_value());
  if (n) {
    EXPECT_EQ(*n, out.size());
  }
  return out;
}

Address v6(std::initializer_list<std::uint8_t> head) {
  Address a{};
  std::size_t i = 0;
  for (auto b : head) a[i++] = b;
  return a;
}

const Bytes kRouterId{0x06, 0x0a, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};

TEST(BabelTlv, UpdateAe2WithDefaultPrefixAndCompression) {
  Bytes body = kRouterId;
  // Update AE 2, flags 0x80 (becomes the default), 2001:db8:1::/48, interval
  // 400 cs, seqno 42, metric 256: 6 prefix bytes.
  const Bytes u1{0x08, 0x10, 0x02, 0x80, 0x30, 0x00, 0x01, 0x90, 0x00,
                 0x2a, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01};
  // 2001:db8:1:2::/64 with the first 6 bytes omitted: 2 bytes on the wire.
  const Bytes u2{0x08, 0x0c, 0x02, 0x00, 0x40, 0x06, 0x01, 0x90, 0x00, 0x2b, 0x02, 0x00, 0x00, 0x02};
  body.insert(body.end(), u1.begin(), u1.end());
  body.insert(body.end(), u2.begin(), u2.end());
  const Address from = v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9});
  auto tlvs = decode(body, from);
  ASSERT_EQ(tlvs.size(), 3u);
  const RouterId rid{{1, 2, 3, 4, 5, 6, 7, 8}};
  EXPECT_EQ(std::get<RouterIdTlv>(tlvs[0]).id, rid);
  const auto& a = std::get<Update>(tlvs[1]);
  EXPECT_EQ(a.prefix, *Prefix::parse("2001:db8:1::/48"));
  EXPECT_EQ(a.interval, 400);
  EXPECT_EQ(a.seqno, 42);
  EXPECT_EQ(a.metric, 256);
  EXPECT_EQ(a.router_id, rid);
  EXPECT_EQ(a.next_hop, from);  // no Next Hop TLV: the sender
  const auto& b = std::get<Update>(tlvs[2]);
  EXPECT_EQ(b.prefix, *Prefix::parse("2001:db8:1:2::/64"));
  EXPECT_EQ(b.prefix.to_string(), "2001:db8:1:2::/64");
  EXPECT_EQ(b.seqno, 43);
  EXPECT_EQ(b.metric, 512);
}

TEST(BabelTlv, CompressionWithoutDefaultIsIgnoredAsMalformed) {
  Bytes body = kRouterId;
  const Bytes u{0x08, 0x0c, 0x02, 0x00, 0x40, 0x06, 0x01, 0x90, 0x00, 0x2b, 0x02, 0x00, 0x00, 0x02};
  body.insert(body.end(), u.begin(), u.end());
  auto tlvs = decode(body);
  ASSERT_EQ(tlvs.size(), 2u);
  EXPECT_EQ(std::get<Ignored>(tlvs[1]), (Ignored{8, Ignore::malformed}));
}

TEST(BabelTlv, UpdateAe1AndRouterIdFromPrefix) {
  // Update AE 1, flags 0x40: the router-id is 0.0.0.0 + the address.
  // 10.1.2.3/32, metric 96, and a Next Hop AE 1 10.0.0.1 before it.
  const Bytes body{0x07, 0x06, 0x01, 0x00, 10,   0,    0,    1,  // Next Hop
                   0x08, 0x0e, 0x01, 0x40, 0x20, 0x00, 0x00, 0x64, 0x00, 0x05, 0x00, 0x60, 10, 1, 2, 3};
  auto tlvs = decode(body);
  ASSERT_EQ(tlvs.size(), 2u);
  const auto& u = std::get<Update>(tlvs[1]);
  EXPECT_EQ(u.prefix.to_string(), "10.1.2.3/32");
  EXPECT_TRUE(u.prefix.is_v4());
  EXPECT_EQ(u.router_id, (RouterId{{0, 0, 0, 0, 10, 1, 2, 3}}));
  ASSERT_TRUE(u.next_hop.has_value());
  EXPECT_EQ(address_to_string(*u.next_hop), "10.0.0.1");
}

TEST(BabelTlv, FiniteUpdateWithoutRouterIdIsMalformedButRetractionIsNot) {
  const Bytes body{0x08, 0x0c, 0x02, 0x00, 0x10, 0x00, 0x01, 0x90, 0x00, 0x01, 0x00, 0x10, 0x20, 0x01,
                   0x08, 0x0c, 0x02, 0x00, 0x10, 0x00, 0x01, 0x90, 0x00, 0x01, 0xff, 0xff, 0x20, 0x01};
  auto tlvs = decode(body);
  ASSERT_EQ(tlvs.size(), 2u);
  EXPECT_EQ(std::get<Ignored>(tlvs[0]).why, Ignore::malformed);
  EXPECT_EQ(std::get<Update>(tlvs[1]).metric, kInfinity);
  EXPECT_FALSE(std::get<Update>(tlvs[1]).router_id.has_value());
}

TEST(BabelTlv, MandatorySubTlvIgnoresTheUpdateButKeepsParserState) {
  // Update with flags 0x80|0x40 and a source-prefix sub-TLV (128, mandatory):
  // ignored, yet its prefix is the default and its router-id (the low 8
  // bytes of the prefix) stands.
  Bytes body{
      0x08, 0x1d, 0x02, 0xc0, 0x80, 0x00, 0x01, 0x90, 0x00, 0x01, 0x00, 0x10, 0x20, 0x01, 0x0d,
      0xb8, 0,    0,    0,    7,    0,    0,    0,    0,    0,    0,    0,    0x2a,  // 2001:db8:0:7::2a/128
      0x80, 0x01, 0x00};                                                             // sub-TLV 128, length 1
  const Bytes next{0x08, 0x0c, 0x02, 0x00, 0x40, 0x06, 0x01, 0x90, 0x00, 0x01, 0x00, 0x10, 0x00, 0x08};
  body.insert(body.end(), next.begin(), next.end());
  auto tlvs = decode(body);
  ASSERT_EQ(tlvs.size(), 2u);
  EXPECT_EQ(std::get<Ignored>(tlvs[0]).why, Ignore::mandatory_subtlv);
  const auto& u = std::get<Update>(tlvs[1]);
  EXPECT_EQ(u.prefix.to_string(), "2001:db8:0:8::/64");
  EXPECT_EQ(u.router_id, (RouterId{{0, 0, 0, 0, 0, 0, 0, 0x2a}}));
}

TEST(BabelTlv, NonMandatoryUnknownSubTlvAndPadsAreSkipped) {
  // Hello with Pad1, PadN and unknown sub-TLV 5, then the timestamp.
  const Bytes body{0x04, 0x13, 0x00, 0x00, 0x00, 0x07, 0x01, 0x90, 0x00, 0x01, 0x01,
                   0x00, 0x05, 0x01, 0xaa, 0x03, 0x04, 0x11, 0x22, 0x33, 0x44};
  auto tlvs = decode(body);
  ASSERT_EQ(tlvs.size(), 1u);
  const auto& h = std::get<Hello>(tlvs[0]);
  EXPECT_EQ(h.seqno, 7);
  EXPECT_EQ(h.interval, 400);
  EXPECT_EQ(h.timestamp, 0x11223344u);
}

TEST(BabelTlv, IhuLinkLocalRequestsAndAcks) {
  const Bytes body{
      0x05, 0x0e, 0x03, 0x00, 0x01, 0x00, 0x01, 0x90, 0, 0, 0, 0, 0, 0, 0, 9,  // IHU AE 3 fe80::9 rxcost 256
      0x09, 0x02, 0x00, 0x00,                                                  // Route Request wildcard
      0x0a, 0x1e, 0x02, 0x80, 0x00, 0x07, 0x05, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,  // Seqno Request
      0xfd, 0,    0,    0,    0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 1,  //   fd00::1/128
      0x02, 0x06, 0x00, 0x00, 0xbe, 0xef, 0x00, 0x64,                          // AckReq
      0x03, 0x02, 0xbe, 0xef,                                                  // Ack
      0x00,                                                                    // Pad1
      0x14, 0x02, 0xaa, 0xbb};                                                 // type 20: unknown
  auto tlvs = decode(body);
  ASSERT_EQ(tlvs.size(), 7u);
  const auto& ihu = std::get<Ihu>(tlvs[0]);
  EXPECT_EQ(ihu.ae, Ae::ipv6_link_local);
  EXPECT_EQ(ihu.rxcost, 256);
  EXPECT_EQ(address_to_string(ihu.address), "fe80::9");
  EXPECT_EQ(std::get<RouteRequest>(tlvs[1]).ae, Ae::wildcard);
  const auto& sr = std::get<SeqnoRequest>(tlvs[2]);
  EXPECT_EQ(sr.seqno, 7);
  EXPECT_EQ(sr.hop_count, 5);
  EXPECT_EQ(sr.prefix.to_string(), "fd00::1/128");
  EXPECT_EQ(std::get<AckReq>(tlvs[3]), (AckReq{0xbeef, 100}));
  EXPECT_EQ(std::get<Ack>(tlvs[4]).opaque, 0xbeef);
  EXPECT_TRUE(std::holds_alternative<Pad1>(tlvs[5]));
  EXPECT_EQ(std::get<Ignored>(tlvs[6]), (Ignored{20, Ignore::unknown_type}));
}

TEST(BabelTlv, UnknownAeIsIgnored) {
  const Bytes body{0x08, 0x0a, 0x09, 0x00, 0x00, 0x00, 0x01, 0x90, 0x00, 0x01, 0xff, 0xff};
  auto tlvs = decode(body);
  ASSERT_EQ(tlvs.size(), 1u);
  EXPECT_EQ(std::get<Ignored>(tlvs[0]).why, Ignore::unknown_ae);
}

TEST(BabelTlv, TornBodiesAreRejectedWhole) {
  EXPECT_EQ(validate_body(Bytes{0x08}).error(), CodecError::truncated);
  EXPECT_EQ(validate_body(Bytes{0x08, 0x10, 0x02}).error(), CodecError::truncated);
  EXPECT_EQ(validate_body(Bytes{0x00, 0x00, 0x01, 0x01}).error(), CodecError::truncated);
  EXPECT_EQ(*validate_body(Bytes{}), 0u);
  EXPECT_EQ(validate_body(Bytes(kMaxBody + 1, 0)).error(), CodecError::oversized);
}

TEST(BabelTlv, PacketHeader) {
  const Bytes d{42, 2, 0, 4, 0x01, 0x02, 0x00, 0x00, 0xee};
  auto p = parse_packet(d);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->body.size(), 4u);
  EXPECT_EQ(p->trailer.size(), 1u);
  EXPECT_EQ(decode(Bytes(p->body.begin(), p->body.end())).front(), Tlv(PadN{2}));
  EXPECT_EQ(parse_packet(Bytes{43, 2, 0, 0}).error(), CodecError::bad_magic);
  EXPECT_EQ(parse_packet(Bytes{42, 1, 0, 0}).error(), CodecError::bad_version);
  EXPECT_EQ(parse_packet(Bytes{42, 2, 0, 5, 0}).error(), CodecError::truncated);
  const Bytes body{0x01, 0x00};
  EXPECT_EQ(make_packet(body), (Bytes{42, 2, 0, 2, 0x01, 0x00}));
}

TEST(BabelTlv, EncoderWritesTheRfcLayout) {
  Bytes out;
  append_tlv(out, RouterIdTlv{RouterId{{1, 2, 3, 4, 5, 6, 7, 8}}});
  append_tlv(out, Update{Ae::ipv6, 0, 400, 42, 256, *Prefix::parse("2001:db8:1::/48"), {}, {}});
  append_tlv(out,
             SeqnoRequest{Ae::ipv4, 9, 64, RouterId{{1, 1, 1, 1, 1, 1, 1, 1}}, *Prefix::parse("10.0.0.0/8")});
  const Bytes expected{0x06, 0x0a, 0x00, 0x00, 1,    2,    3,    4,    5,    6,    7,    8,
                       0x08, 0x10, 0x02, 0x00, 0x30, 0x00, 0x01, 0x90, 0x00, 0x2a, 0x01, 0x00,
                       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x0a, 0x0f, 0x01, 0x08, 0x00, 0x09,
                       0x40, 0x00, 1,    1,    1,    1,    1,    1,    1,    1,    10};
  EXPECT_EQ(out, expected);
}

// Generators for the round trip: every encodable TLV with consistent AEs.
Prefix gen_prefix(Ae ae) {
  const auto bytes = *rc::gen::container<std::vector<std::uint8_t>>(16, rc::gen::arbitrary<std::uint8_t>());
  Address a{};
  std::copy(bytes.begin(), bytes.end(), a.begin());
  switch (ae) {
    case Ae::wildcard:
      return Prefix{};
    case Ae::ipv4:
      return Prefix::v4({a[0], a[1], a[2], a[3]}, *rc::gen::inRange<std::uint8_t>(0, 33));
    case Ae::ipv6:
      return Prefix::make(a, *rc::gen::inRange<std::uint8_t>(0, 129));
    case Ae::ipv6_link_local:
      a[0] = 0xfe;
      a[1] = 0x80;
      std::fill(a.begin() + 2, a.begin() + 8, 0);
      return Prefix::make(a, *rc::gen::inRange<std::uint8_t>(64, 129));
  }
  return {};
}

Tlv gen_tlv() {
  const auto ae = static_cast<Ae>(*rc::gen::inRange(0, 4));
  const auto nz_ae = static_cast<Ae>(*rc::gen::inRange(1, 4));
  const auto u16 = [] { return *rc::gen::arbitrary<std::uint16_t>(); };
  const auto rid = [] {
    RouterId r;
    for (auto& b : r.bytes) b = *rc::gen::arbitrary<std::uint8_t>();
    return r;
  };
  switch (*rc::gen::inRange(0, 11)) {
    case 0:
      return Pad1{};
    case 1:
      return PadN{*rc::gen::arbitrary<std::uint8_t>()};
    case 2:
      return AckReq{u16(), u16()};
    case 3:
      return Ack{u16()};
    case 4: {
      std::optional<std::uint32_t> ts;
      if (*rc::gen::arbitrary<bool>()) ts = *rc::gen::arbitrary<std::uint32_t>();
      return Hello{u16(), u16(), u16(), ts};
    }
    case 5: {
      Ihu ihu{ae, u16(), u16(), {}, std::nullopt};
      if (ae != Ae::wildcard) ihu.address = gen_prefix(ae).addr;
      if (*rc::gen::arbitrary<bool>()) ihu.timestamps = std::pair{u16() * 65537u, u16() * 3u};
      return ihu;
    }
    case 6:
      return RouterIdTlv{rid()};
    case 7: {
      return NextHop{nz_ae, gen_prefix(nz_ae).addr};
    }
    case 8: {
      // A retraction needs no router-id; finite ones are preceded by one in gen_body.
      Update u{ae, 0, u16(), u16(), ae == Ae::wildcard ? kInfinity : u16(), gen_prefix(ae), {}, {}};
      return u;
    }
    case 9:
      return RouteRequest{ae, gen_prefix(ae)};
    default:
      return SeqnoRequest{nz_ae, u16(), *rc::gen::arbitrary<std::uint8_t>(), rid(), gen_prefix(nz_ae)};
  }
}

// The decoder's view of a TLV without the parser-state fields.
Tlv strip(Tlv t) {
  if (auto* u = std::get_if<Update>(&t)) {
    u->router_id.reset();
    u->next_hop.reset();
  }
  return t;
}

RC_GTEST_PROP(BabelTlvProperty, EncodeThenDecodeIsIdentity, ()) {
  const auto n = *rc::gen::inRange(0, 30);
  std::vector<Tlv> in;
  Bytes body;
  for (int i = 0; i < n; ++i) {
    Tlv t = gen_tlv();
    if (auto* u = std::get_if<Update>(&t); u && u->metric != kInfinity) {
      // A finite Update is only valid after a router-id.
      const RouterIdTlv id{RouterId{{1, 2, 3, 4, 5, 6, 7, static_cast<std::uint8_t>(i)}}};
      in.push_back(id);
      append_tlv(body, id);
    }
    in.push_back(t);
    append_tlv(body, t);
    RC_ASSERT(encoded_size(t) <= 257u);
  }
  std::vector<Tlv> out;
  auto count = for_each_tlv(body, [&](const Tlv& t) { out.push_back(strip(t)); });
  RC_ASSERT(count.has_value());
  RC_ASSERT(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) RC_ASSERT(out[i] == strip(in[i]));
}

RC_GTEST_PROP(BabelTlvProperty, ArbitraryBytesNeverCrash, (const std::vector<std::uint8_t>& bytes)) {
  std::size_t seen = 0;
  auto n = for_each_tlv(bytes, [&](const Tlv&) { ++seen; });
  if (n) RC_ASSERT(*n == seen);
}

}  // namespace
}  // namespace hyphae::routing

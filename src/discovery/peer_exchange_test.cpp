// Goal: peer-exchange lists round-trip, the decoder is total and strict
// (count, length, entry values), and sample() picks a bounded, fresh,
// duplicate-free random subset.
// Method: hand-made lists for each drop, RapidCheck for the rest.
#include "discovery/peer_exchange.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "wire/test_gen.hpp"

namespace hyphae::discovery {
namespace {

using wire::test::bytes_between;
using wire::test::uniform;
const Instant t0{100'000'000'000};

PeerHint hint(std::uint8_t n) {
  PeerHint p;
  p.id.bytes.fill(n);
  p.address = Endpoint::v4(0xc0a80000u | n, static_cast<std::uint16_t>(9000 + n));
  return p;
}

wire::Drop drop_of(const Bytes& b) {
  auto r = decode_peer_list(b);
  return r ? wire::Drop::count_ : r.error();
}

TEST(PeerExchange, LayoutAndRoundTrip) {
  PeerHint v6 = hint(2);
  v6.address = *Endpoint::parse("[2001:db8::7]:443");
  const std::vector<PeerHint> peers{hint(1), v6};
  const Bytes b = encode_peer_list(peers);
  ASSERT_EQ(b.size(), 1 + 2 * kExchangeEntrySize);
  EXPECT_EQ(b[0], 2);
  EXPECT_EQ(b[1], 1);  // id
  EXPECT_EQ(Bytes(b.begin() + 21, b.begin() + 37),
            Bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 0, 1}));
  EXPECT_EQ(b[37], 9001 >> 8);  // port, big-endian
  EXPECT_EQ(b[38], 9001 & 0xff);
  auto back = decode_peer_list(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, peers);
  EXPECT_EQ(decode_peer_list(encode_peer_list({}))->size(), 0u);
}

TEST(PeerExchange, DecoderNamesEachDrop) {
  EXPECT_EQ(drop_of({}), wire::Drop::truncated);
  Bytes one = encode_peer_list(std::vector{hint(1)});
  EXPECT_EQ(drop_of(Bytes(one.begin(), one.end() - 1)), wire::Drop::truncated);
  Bytes longer = one;
  longer.push_back(0);
  EXPECT_EQ(drop_of(longer), wire::Drop::trailing_bytes);
  Bytes too_many(1 + 17 * kExchangeEntrySize, 1);
  too_many[0] = 17;
  EXPECT_EQ(drop_of(too_many), wire::Drop::oversized);
  EXPECT_EQ(drop_of({255}), wire::Drop::oversized);

  PeerHint zero_port = hint(1);
  zero_port.address.port = 0;
  EXPECT_EQ(drop_of(encode_peer_list(std::vector{zero_port})), wire::Drop::bad_value);
  PeerHint no_address = hint(1);
  no_address.address.ip = {};
  EXPECT_EQ(drop_of(encode_peer_list(std::vector{no_address})), wire::Drop::bad_value);
  PeerHint zero_id = hint(1);
  zero_id.id = {};
  EXPECT_EQ(drop_of(encode_peer_list(std::vector{zero_id})), wire::Drop::bad_value);
  EXPECT_EQ(drop_of(encode_peer_list(std::vector{hint(1), hint(2), hint(1)})), wire::Drop::bad_value);
}

TEST(PeerExchange, SampleKeepsOnlyFreshPeersAndAtMostSixteen) {
  std::vector<ConfirmedPeer> known;
  for (std::uint8_t n = 1; n <= 40; ++n) {
    // Odd peers were confirmed 10 s ago; even ones 10 min ago.
    known.push_back({hint(n).id, hint(n).address, t0 - seconds(n % 2 ? 10 : 600)});
  }
  known.push_back({hint(99).id, hint(99).address, t0 + seconds(1)});  // from the future: ignored
  Rng rng(7);
  const auto s = sample(known, 100, rng, t0, seconds(60));
  EXPECT_EQ(s.size(), kMaxExchangePeers);
  std::set<crypto::NodeId> ids;
  for (const auto& p : s) {
    EXPECT_EQ(p.id.bytes[0] % 2, 1) << "stale peer sampled";
    ids.insert(p.id);
  }
  EXPECT_EQ(ids.size(), s.size());
  EXPECT_EQ(sample(known, 3, rng, t0, seconds(60)).size(), 3u);
  EXPECT_EQ(sample(known, 16, rng, t0, seconds(1)).size(), 0u);
}

TEST(PeerExchange, SampleIsSpreadOverAllEligiblePeers) {
  std::vector<ConfirmedPeer> known;
  for (std::uint8_t n = 1; n <= 32; ++n) known.push_back({hint(n).id, hint(n).address, t0});
  Rng rng(11);
  std::map<crypto::NodeId, int> seen;
  for (int i = 0; i < 400; ++i)
    for (const auto& p : sample(known, 4, rng, t0, seconds(1))) seen[p.id] += 1;
  // 1600 picks over 32 peers: 50 each on average; all must appear, none dominate.
  ASSERT_EQ(seen.size(), 32u);
  for (const auto& [id, count] : seen) {
    EXPECT_GT(count, 20);
    EXPECT_LT(count, 90);
  }
}

RC_GTEST_PROP(PeerExchangeProperty, DecodeIsTotal, ()) {
  const Bytes in = *bytes_between(0, kMaxExchangeSize + 8);
  auto r = decode_peer_list(in);
  if (r) {
    RC_ASSERT(r->size() <= kMaxExchangePeers);
    RC_ASSERT(encode_peer_list(*r) == in);  // one encoding per list
  } else {
    RC_ASSERT(r.error() < wire::Drop::count_);
  }
}

RC_GTEST_PROP(PeerExchangeProperty, RoundTrips, ()) {
  const auto n = *uniform<std::size_t>(0, kMaxExchangePeers + 1);
  std::vector<PeerHint> peers;
  for (std::size_t i = 0; i < n; ++i) {
    PeerHint p;
    p.id.bytes.fill(static_cast<std::uint8_t>(i + 1));  // distinct, non-zero
    const auto ip = *rc::gen::container<std::vector<std::uint8_t>>(16, rc::gen::arbitrary<std::uint8_t>());
    std::copy(ip.begin(), ip.end(), p.address.ip.begin());
    p.address.ip[0] |= 1;  // not the unspecified address
    p.address.port = static_cast<std::uint16_t>(*uniform<std::uint32_t>(1, 65536));
    peers.push_back(p);
  }
  auto back = decode_peer_list(encode_peer_list(peers));
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == peers);
}

}  // namespace
}  // namespace hyphae::discovery

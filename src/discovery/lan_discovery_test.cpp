// Goal: LanDiscovery beacons on a jittered timer, turns valid beacons into
// Discovered events, and drops its own, replayed, duplicate, invalid and
// too-frequent ones; peers expire after `expiry`; memory stays bounded.
// Method: a core per identity, virtual instants, beacons carried by hand.
#include "discovery/lan_discovery.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "discovery/test_util.hpp"
#include "wire/test_gen.hpp"

namespace hyphae::discovery {
namespace {

using test::identity;
using test::lan;
const Instant t0{5'000'000'000};

LanDiscovery make(std::uint8_t who, LanDiscoveryConfig config = {}) {
  if (config.mesh_port == 0) config.mesh_port = 9900;
  return LanDiscovery(config, identity(who), Rng(who), /*boot_id=*/1000 + who, t0);
}

std::vector<DiscoveryEvent> drain(LanDiscovery& d) {
  std::vector<DiscoveryEvent> out;
  while (auto e = d.poll_event()) out.push_back(*e);
  return out;
}

TEST(LanDiscovery, FirstBeaconAtStartThenJitteredInterval) {
  auto d = make(1);
  EXPECT_EQ(d.poll_deadline(), t0);
  EXPECT_FALSE(d.poll_beacon());
  d.on_tick(t0);
  auto payload = d.poll_beacon();
  ASSERT_TRUE(payload);
  EXPECT_FALSE(d.poll_beacon());  // one per period
  auto b = decode_beacon(*payload);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->id, identity(1).id);
  EXPECT_EQ(b->mesh_port, 9900);
  EXPECT_EQ(b->boot_id, 1001u);
  EXPECT_EQ(b->seq, 0u);

  Instant now = t0;
  std::uint64_t seq = 0;
  for (int i = 0; i < 200; ++i) {
    const Instant next = d.poll_deadline();
    EXPECT_GE(next - now, milliseconds(4500));
    EXPECT_LT(next - now, milliseconds(5500));
    now = next;
    d.on_tick(now);
    auto again = d.poll_beacon();
    ASSERT_TRUE(again);
    EXPECT_EQ(decode_beacon(*again)->seq, ++seq);
  }
  EXPECT_EQ(d.counters().sent, 201u);
}

TEST(LanDiscovery, SameSeedSameSchedule) {
  auto a = make(1), b = make(1);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(a.poll_deadline(), b.poll_deadline());
    a.on_tick(a.poll_deadline());
    b.on_tick(b.poll_deadline());
    ASSERT_EQ(a.poll_beacon(), b.poll_beacon());
  }
}

TEST(LanDiscovery, DiscoversThenRefreshes) {
  auto d = make(1);
  const auto peer = identity(2);
  d.on_beacon(t0, lan(2, 40000), encode_beacon(peer, 7000, 9, 1));
  auto events = drain(d);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], DiscoveryEvent(Discovered{peer.id, lan(2, 7000), true}));

  // Refresh from a new address: the newest address wins.
  d.on_beacon(t0 + seconds(5), lan(3, 40000), encode_beacon(peer, 7000, 9, 2));
  events = drain(d);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], DiscoveryEvent(Discovered{peer.id, lan(3, 7000), false}));
  ASSERT_EQ(d.known().size(), 1u);
  EXPECT_EQ(d.known()[0], (LanPeer{peer.id, lan(3, 7000), t0 + seconds(5)}));
  EXPECT_EQ(d.counters().received, 2u);
}

TEST(LanDiscovery, DropsItsOwnBeacon) {
  auto d = make(1);
  d.on_tick(t0);
  d.on_beacon(t0, lan(1), *d.poll_beacon());
  EXPECT_TRUE(drain(d).empty());
  EXPECT_EQ(d.counters().drops(BeaconDrop::self), 1u);
  EXPECT_EQ(d.size(), 0u);
}

TEST(LanDiscovery, CountsInvalidBeaconsByReason) {
  auto d = make(1);
  d.on_beacon(t0, lan(2), as_bytes("GET / HTTP/1.1\r\n"));
  Bytes forged = encode_beacon(identity(2), 7000, 9, 1);
  forged[60] ^= 0x80;
  d.on_beacon(t0, lan(3), forged);
  EXPECT_TRUE(drain(d).empty());
  EXPECT_EQ(d.counters().drops(BeaconDrop::bad_magic), 1u);
  EXPECT_EQ(d.counters().drops(BeaconDrop::bad_signature), 1u);
}

TEST(LanDiscovery, RejectsReplaysButAcceptsARestart) {
  auto d = make(1);
  const auto peer = identity(2);
  const Bytes old5 = encode_beacon(peer, 7000, /*boot_id=*/9, 5);
  d.on_beacon(t0, lan(2), old5);
  d.on_beacon(t0 + seconds(1), lan(2), old5);
  EXPECT_EQ(d.counters().drops(BeaconDrop::duplicate), 1u);
  d.on_beacon(t0 + seconds(2), lan(2), encode_beacon(peer, 7000, 9, 4));
  EXPECT_EQ(d.counters().drops(BeaconDrop::replayed), 1u);
  EXPECT_EQ(drain(d).size(), 1u);

  // A restart has a new boot id and starts its sequence again.
  d.on_beacon(t0 + seconds(3), lan(2), encode_beacon(peer, 7001, 10, 0));
  auto events = drain(d);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], DiscoveryEvent(Discovered{peer.id, lan(2, 7001), false}));

  // The old boot is over, even with a higher sequence number.
  d.on_beacon(t0 + seconds(4), lan(2), encode_beacon(peer, 7000, 9, 6));
  EXPECT_EQ(d.counters().drops(BeaconDrop::replayed), 2u);
  EXPECT_TRUE(drain(d).empty());
  EXPECT_EQ(d.known()[0].mesh_address, lan(2, 7001));
}

TEST(LanDiscovery, RateLimitsEachSourceAddress) {
  auto d = make(1);
  const auto peer = identity(2);
  for (std::uint64_t seq = 1; seq <= 6; ++seq) d.on_beacon(t0, lan(2), encode_beacon(peer, 7000, 9, seq));
  EXPECT_EQ(d.counters().received, 5u);
  EXPECT_EQ(d.counters().drops(BeaconDrop::rate_limited), 1u);
  // Another address is not affected; the limited one recovers after a second.
  d.on_beacon(t0, lan(3), encode_beacon(identity(3), 7000, 9, 1));
  d.on_beacon(t0 + seconds(1), lan(2), encode_beacon(peer, 7000, 9, 7));
  EXPECT_EQ(d.counters().received, 7u);
}

TEST(LanDiscovery, ExpiresSilentPeers) {
  auto d = make(1);
  d.on_tick(t0);
  d.on_beacon(t0, lan(2), encode_beacon(identity(2), 7000, 9, 1));
  d.on_beacon(t0 + seconds(30), lan(3), encode_beacon(identity(3), 7000, 9, 1));
  drain(d);
  // Tick through beacon deadlines (a late one fires at the current time)
  // until only the first expiry is left before t0 + 60 s.
  Instant now = t0 + seconds(30);
  while (d.poll_deadline() < t0 + seconds(60)) {
    now = std::max(now, d.poll_deadline());
    d.on_tick(now);
  }
  EXPECT_EQ(d.poll_deadline(), t0 + seconds(60));
  EXPECT_EQ(d.size(), 2u);
  EXPECT_TRUE(drain(d).empty());
  d.on_tick(t0 + seconds(60));
  auto events = drain(d);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], DiscoveryEvent(Expired{identity(2).id}));
  EXPECT_EQ(d.size(), 1u);
  d.on_tick(t0 + seconds(95));
  EXPECT_EQ(drain(d), std::vector<DiscoveryEvent>{Expired{identity(3).id}});
  EXPECT_EQ(d.size(), 0u);
}

TEST(LanDiscovery, FullTableExpiresTheLeastRecentlyHeard) {
  auto d = make(1, {.peers_max = 3});
  for (std::uint8_t n = 2; n <= 4; ++n)
    d.on_beacon(t0 + seconds(n), lan(n), encode_beacon(identity(n), 7000, 9, 1));
  drain(d);
  d.on_beacon(t0 + seconds(5), lan(2), encode_beacon(identity(2), 7000, 9, 2));  // 2 is fresh again
  drain(d);
  d.on_beacon(t0 + seconds(6), lan(5), encode_beacon(identity(5), 7000, 9, 1));
  auto events = drain(d);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], DiscoveryEvent(Expired{identity(3).id}));
  EXPECT_EQ(events[1], DiscoveryEvent(Discovered{identity(5).id, lan(5, 7000), true}));
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.counters().evicted, 1u);
}

// Whatever arrives, in whatever order, the tables stay within their bounds
// and every accepted beacon produced exactly one Discovered.
RC_GTEST_PROP(LanDiscoveryProperty, BoundedUnderArbitraryInput, ()) {
  auto d = make(1, {.rate_limit = {.burst = 2, .sources_max = 4}, .peers_max = 3});
  Instant now = t0;
  std::size_t discovered = 0;
  const auto steps = *wire::test::uniform<int>(1, 60);
  for (int i = 0; i < steps; ++i) {
    now += milliseconds(*wire::test::uniform<int>(0, 3000));
    const auto who = static_cast<std::uint8_t>(*wire::test::uniform<int>(1, 7));
    const Endpoint from = lan(static_cast<std::uint8_t>(*wire::test::uniform<int>(1, 7)));
    switch (*wire::test::uniform<int>(0, 4)) {
      case 0:
        d.on_tick(now);
        RC_ASSERT(d.poll_deadline() > now);  // nothing due is left undone
        break;
      case 1:
        d.on_beacon(now, from, *wire::test::bytes_between(0, kBeaconSize + 2));
        break;
      default:
        d.on_beacon(now, from,
                    encode_beacon(identity(who), 7000, *wire::test::uniform<std::uint64_t>(0, 2),
                                  *wire::test::uniform<std::uint64_t>(0, 8)));
        break;
    }
    while (auto e = d.poll_event()) discovered += std::holds_alternative<Discovered>(*e) ? 1 : 0;
    RC_ASSERT(d.size() <= 3u);
  }
  RC_ASSERT(discovered == d.counters().received);
}

}  // namespace
}  // namespace hyphae::discovery

// Goal: the interface-mode core on its own terms: two speakers on one link
// become neighbours only once both directions work (two Hellos and an IHU),
// then learn each other's announced prefixes; a silent neighbour is dropped
// with its routes after missed Hellos; bad bytes are counted, never trusted.
// Method: speakers wired by hand, datagrams delivered in virtual time (no
// sockets, no sleeps); the last property throws arbitrary datagrams at one.
#include "routing/babel_interface.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace hyphae::routing {
namespace {

const Instant t0{};
constexpr std::uint32_t kIf = 7;

Address ll(std::uint8_t last) {
  Address a{};
  a[0] = 0xfe;
  a[1] = 0x80;
  a[15] = last;
  return a;
}

BabelInterfaceConfig config() {
  BabelInterfaceConfig c;
  c.hello_interval = seconds(1);
  return c;
}

struct Pair {
  BabelInterface a{config(), RouterId{{0xaa, 1, 1, 1, 1, 1, 1, 1}}, Rng(1), t0};
  BabelInterface b{config(), RouterId{{0xbb, 2, 2, 2, 2, 2, 2, 2}}, Rng(2), t0};
  bool link_up = true;
  Instant now = t0;

  Pair() {
    a.add_interface(now, kIf, ll(0xa));
    b.add_interface(now, kIf, ll(0xb));
    deliver();
  }
  // Hands each speaker's datagrams to the other (multicast, or unicast to it).
  void deliver() {
    for (int round = 0; round < 50; ++round) {
      bool any = false;
      while (auto t = a.poll_transmit()) {
        any = true;
        EXPECT_EQ(t->ifindex, kIf);
        if (link_up && (!t->to || *t->to == ll(0xb))) b.on_datagram(now, kIf, ll(0xa), t->datagram);
      }
      while (auto t = b.poll_transmit()) {
        any = true;
        if (link_up && (!t->to || *t->to == ll(0xa))) a.on_datagram(now, kIf, ll(0xb), t->datagram);
      }
      if (!any) return;
    }
  }
  void run_until(Instant end) {
    while (true) {
      Instant next = end;
      for (auto* s : {&a, &b}) {
        if (auto d = s->poll_deadline(); d && *d < next) next = std::max(*d, now);
      }
      now = next;
      a.on_tick(now);
      b.on_tick(now);
      deliver();
      if (now >= end) return;
    }
  }
};

bool has_route(const BabelInterface& s, const Prefix& p) {
  auto rs = s.routes();
  return std::any_of(rs.begin(), rs.end(),
                     [&](const RouteView& r) { return r.destination == p && r.selected; });
}

TEST(BabelInterface, NeighboursNeedTwoHellosAndAnIhuThenExchangePrefixes) {
  Pair p;
  const Prefix pa = *Prefix::parse("fd00::a/128"), pb = *Prefix::parse("fd99:1::/64");
  p.a.announce(p.now, pa);
  p.b.announce(p.now, pb);
  p.deliver();
  // One Hello each so far: heard once is not yet reachable (2 out of 3).
  ASSERT_EQ(p.a.neighbours().size(), 1u);
  EXPECT_EQ(p.a.neighbours()[0].rxcost, kInfinity);
  EXPECT_FALSE(has_route(p.a, pb));
  p.run_until(t0 + seconds(3));
  ASSERT_EQ(p.a.neighbours().size(), 1u);
  EXPECT_EQ(p.a.neighbours()[0].address, ll(0xb));
  EXPECT_EQ(p.a.neighbours()[0].cost, 96);
  EXPECT_TRUE(has_route(p.a, pb));
  EXPECT_TRUE(has_route(p.b, pa));
  const auto r = *p.b.router().selected(pa);
  EXPECT_EQ(r.metric, 96);
  EXPECT_EQ(r.next_hop, babel_neighbour_id(kIf, ll(0xa)));
}

TEST(BabelInterface, SilentNeighbourIsDroppedWithItsRoutes) {
  Pair p;
  const Prefix pb = *Prefix::parse("fd99:1::/64");
  p.b.announce(p.now, pb);
  p.run_until(t0 + seconds(3));
  ASSERT_TRUE(has_route(p.a, pb));
  p.link_up = false;
  // Hellos every 1 s with 1.5 s grace: two missed ones end "2 out of 3".
  p.run_until(p.now + seconds(4));
  EXPECT_FALSE(has_route(p.a, pb));
  EXPECT_GE(p.a.counters().hellos_missed, 2u);
  EXPECT_EQ(p.a.neighbours()[0].cost, kInfinity);
  p.run_until(p.now + seconds(20));
  EXPECT_TRUE(p.a.neighbours().empty());  // 16 missed Hellos: forgotten
  p.link_up = true;
  p.run_until(p.now + seconds(4));
  EXPECT_TRUE(has_route(p.a, pb));
}

TEST(BabelInterface, BadBytesAreCountedNotTrusted) {
  BabelInterface s(config(), RouterId{{1, 1, 1, 1, 1, 1, 1, 1}}, Rng(3), t0);
  s.add_interface(t0, kIf, ll(1));
  const Bytes junk{42, 2, 0, 9, 4};  // body length past the end
  s.on_datagram(t0, kIf, ll(2), junk);
  EXPECT_EQ(s.counters().bad_packet, 1u);
  const Bytes wrong_version{42, 1, 0, 0};
  s.on_datagram(t0, kIf, ll(2), wrong_version);
  EXPECT_EQ(s.counters().bad_packet, 2u);
  Bytes hello;
  append_tlv(hello, Hello{.flags = 0, .seqno = 1, .interval = 100, .timestamp = {}});
  const Bytes packet = make_packet(hello);
  s.on_datagram(t0, kIf, Prefix::parse("fd00::2/128")->addr, packet);
  EXPECT_EQ(s.counters().not_link_local, 1u);
  s.on_datagram(t0, kIf + 1, ll(2), packet);
  EXPECT_EQ(s.counters().unknown_interface, 1u);
  EXPECT_TRUE(s.neighbours().empty());
  s.on_datagram(t0, kIf, ll(2), packet);
  EXPECT_EQ(s.neighbours().size(), 1u);
}

TEST(BabelInterface, NeighbourIdRoundTrips) {
  const auto id = babel_neighbour_id(0x01020304, ll(9));
  const auto [ifindex, addr] = split_babel_neighbour(id);
  EXPECT_EQ(ifindex, 0x01020304u);
  EXPECT_EQ(addr, ll(9));
}

RC_GTEST_PROP(BabelInterface, ArbitraryDatagramsNeverBreakIt,
              (std::vector<std::vector<std::uint8_t>> datagrams)) {
  BabelInterface s(config(), RouterId{{1, 1, 1, 1, 1, 1, 1, 1}}, Rng(4), t0);
  s.add_interface(t0, kIf, ll(1));
  s.announce(t0, *Prefix::parse("fd00::1/128"));
  Instant now = t0;
  std::uint8_t src = 2;
  for (const auto& d : datagrams) {
    now += milliseconds(100);
    Bytes framed = make_packet(ByteView(d.data(), std::min<std::size_t>(d.size(), 1000)));
    s.on_datagram(now, kIf, ll(src), d);
    s.on_datagram(now, kIf, ll(src), framed);
    src = static_cast<std::uint8_t>(src % 5 + 2);
    s.on_tick(now);
    while (s.poll_transmit()) {
    }
    while (s.poll_event()) {
    }
  }
  RC_ASSERT(s.neighbours().size() <= 5u);
}

}  // namespace
}  // namespace hyphae::routing

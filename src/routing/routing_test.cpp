// Goal: each Babel rule of the Router, one test per rule: the feasibility
// condition, immediate switch to a feasible alternate on neighbour loss, seqno
// requests when only unfeasible routes are left (and the origin's answer),
// request forwarding and dedup, hysteresis, expiry with a refresh request,
// hold-down of retracted routes, longest-prefix forwarding, and the counted
// drops. Method: one Router fed hand-made bodies at chosen instants; what it
// sends is decoded and inspected. The last tests wire a few Routers with the
// test network to time a reroute.
#include "routing/routing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <compare>
#include <vector>

#include "base/rng.hpp"
#include "routing/test_network.hpp"

namespace hyphae::routing {
namespace {

const RouterId kSelf{{0xaa, 1, 1, 1, 1, 1, 1, 1}};
const RouterId kOrigin{{0xbb, 2, 2, 2, 2, 2, 2, 2}};
const Prefix kP = *Prefix::parse("fd00::100/128");
const Instant t0{};

NeighbourId nb(std::uint8_t i) {
  NeighbourId n;
  n.bytes[0] = i;
  return n;
}
const NeighbourId A = nb(1), B = nb(2), C = nb(3);

Bytes update_body(const RouterId& id, const Prefix& p, std::uint16_t seqno, std::uint16_t metric,
                  std::uint16_t interval_cs = 400) {
  Bytes b;
  append_tlv(b, RouterIdTlv{id});
  append_tlv(b, Update{p.is_v4() ? Ae::ipv4 : Ae::ipv6, 0, interval_cs, seqno, metric, p, {}, {}});
  return b;
}
Bytes tlv_body(const Tlv& t) {
  Bytes b;
  append_tlv(b, t);
  return b;
}

struct Sent {
  std::optional<NeighbourId> to;
  Tlv tlv;
};
std::vector<Sent> drain(Router& r) {
  std::vector<Sent> out;
  while (auto t = r.poll_transmit()) {
    EXPECT_LE(t->body.size(), RouterConfig{}.max_body);
    auto ok = for_each_tlv(t->body, [&](const Tlv& tlv) { out.push_back({t->to, tlv}); });
    EXPECT_TRUE(ok.has_value());
  }
  return out;
}
std::vector<RouteEvent> events(Router& r) {
  std::vector<RouteEvent> out;
  while (auto e = r.poll_event()) out.push_back(*e);
  return out;
}
std::vector<Update> updates_for(const std::vector<Sent>& s, const Prefix& p) {
  std::vector<Update> out;
  for (const auto& x : s) {
    if (const auto* u = std::get_if<Update>(&x.tlv); u && u->prefix == p) out.push_back(*u);
  }
  return out;
}
std::vector<Sent> seqno_requests(const std::vector<Sent>& s) {
  std::vector<Sent> out;
  for (const auto& x : s) {
    if (std::holds_alternative<SeqnoRequest>(x.tlv)) out.push_back(x);
  }
  return out;
}
std::optional<RouteView> via(const Router& r, const Prefix& p, const NeighbourId& n) {
  for (const auto& v : r.routes()) {
    if (v.destination == p && v.next_hop == n) return v;
  }
  return std::nullopt;
}

Router make_router(Instant now = t0, RouterConfig c = {}) {
  Router r(c, kSelf, Rng(7), now);
  r.add_neighbour(now, A);
  r.add_neighbour(now, B);
  drain(r);
  return r;
}

TEST(Router, NewNeighbourGetsAFullDumpAndAWildcardRequest) {
  Router r({}, kSelf, Rng(1), t0);
  r.announce(t0, kP);
  r.add_neighbour(t0, A);
  auto sent = drain(r);
  ASSERT_FALSE(sent.empty());
  bool dump = false, wildcard = false;
  for (const auto& s : sent) {
    EXPECT_EQ(s.to, A);
    if (const auto* u = std::get_if<Update>(&s.tlv)) dump = dump || (u->prefix == kP && u->metric == 0);
    if (const auto* q = std::get_if<RouteRequest>(&s.tlv)) wildcard = wildcard || q->ae == Ae::wildcard;
  }
  EXPECT_TRUE(dump);
  EXPECT_TRUE(wildcard);
}

TEST(Router, FeasibilityConditionAcceptsStrictlyBetterAndNewerOnly) {
  Router r = make_router();
  r.on_packet(t0, A, update_body(kOrigin, kP, 5, 100));
  auto sent = drain(r);
  auto ups = updates_for(sent, kP);
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_EQ(ups[0].metric, 356);  // our feasibility distance is now (5, 356)
  ASSERT_TRUE(r.selected(kP));
  EXPECT_EQ(r.selected(kP)->next_hop, A);

  r.on_packet(t0, B, update_body(kOrigin, kP, 5, 400));  // 400 >= 356: could be a loop through us
  EXPECT_FALSE(via(r, kP, B)->feasible);
  EXPECT_FALSE(via(r, kP, B)->selected);
  EXPECT_EQ(r.counters().unfeasible_in, 1u);
  r.on_packet(t0, B, update_body(kOrigin, kP, 5, 356));  // equal is not strictly better
  EXPECT_FALSE(via(r, kP, B)->feasible);
  r.on_packet(t0, B, update_body(kOrigin, kP, 5, 300));
  EXPECT_TRUE(via(r, kP, B)->feasible);
  r.on_packet(t0, B, update_body(kOrigin, kP, 6, 1000));  // a newer seqno is always feasible
  EXPECT_TRUE(via(r, kP, B)->feasible);
  r.on_packet(t0, B, update_body(kOrigin, kP, 4, 1));  // an older one never is
  EXPECT_FALSE(via(r, kP, B)->feasible);
}

TEST(Router, NeighbourLossSwitchesToFeasibleAlternateImmediately) {
  Router r = make_router();
  r.on_packet(t0, A, update_body(kOrigin, kP, 1, 0));
  r.on_packet(t0, B, update_body(kOrigin, kP, 1, 100));  // 100 < 256: feasible, but worse
  drain(r);
  events(r);
  EXPECT_EQ(r.selected(kP)->next_hop, A);
  EXPECT_TRUE(via(r, kP, B)->feasible);

  const Instant t1 = t0 + milliseconds(10);
  r.remove_neighbour(t1, A);
  ASSERT_TRUE(r.selected(kP));
  EXPECT_EQ(r.selected(kP)->next_hop, B);  // in the same call, no timer involved
  EXPECT_EQ(r.next_hop(kP.addr), B);
  auto ev = events(r);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RouteEvent::Kind::selected);
  EXPECT_EQ(ev[0].next_hop, B);
  EXPECT_EQ(ev[0].metric, 356);
  auto ups = updates_for(drain(r), kP);
  ASSERT_EQ(ups.size(), 1u);  // the replacement of a lost route is announced at once
  EXPECT_EQ(ups[0].metric, 356);
  EXPECT_FALSE(via(r, kP, A));  // routes leave with their neighbour
}

TEST(Router, OnlyUnfeasibleRoutesLeftSendsSeqnoRequestAndOriginBumps) {
  Router r = make_router();
  r.on_packet(t0, A, update_body(kOrigin, kP, 0, 0));    // FD (0, 256)
  r.on_packet(t0, B, update_body(kOrigin, kP, 0, 300));  // unfeasible
  drain(r);
  events(r);
  const Instant t1 = t0 + milliseconds(5);
  r.remove_neighbour(t1, A);
  EXPECT_FALSE(r.selected(kP));
  auto ev = events(r);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RouteEvent::Kind::retracted);
  auto sent = drain(r);
  auto reqs = seqno_requests(sent);
  ASSERT_EQ(reqs.size(), 1u);
  const auto& req = std::get<SeqnoRequest>(reqs[0].tlv);
  EXPECT_FALSE(reqs[0].to.has_value());  // to every neighbour
  EXPECT_EQ(req.seqno, 1);               // FD seqno + 1
  EXPECT_EQ(req.router_id, kOrigin);
  EXPECT_EQ(req.prefix, kP);
  EXPECT_EQ(req.hop_count, RouterConfig{}.request_hop_count);
  auto ups = updates_for(sent, kP);
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_EQ(ups[0].metric, kInfinity);  // retraction: do not route through us

  // Another unfeasible update soon after does not repeat the request (dedup);
  // the request is resent on its own timer.
  r.on_packet(t1 + milliseconds(1), B, update_body(kOrigin, kP, 0, 300));
  EXPECT_TRUE(seqno_requests(drain(r)).empty());
  r.on_tick(t1 + RouterConfig{}.request_resend_interval);
  EXPECT_EQ(seqno_requests(drain(r)).size(), 1u);

  // The origin answers a request for its own prefix with a higher seqno.
  Router origin({}, kOrigin, Rng(2), t0);
  origin.announce(t0, kP);
  origin.add_neighbour(t0, C);
  drain(origin);
  EXPECT_EQ(origin.seqno(), 0);
  origin.on_packet(t1, C, tlv_body(req));
  EXPECT_EQ(origin.seqno(), 1);
  auto o = updates_for(drain(origin), kP);
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(o[0].seqno, 1);
  EXPECT_EQ(o[0].metric, 0);

  // The new seqno makes B's route feasible.
  r.on_packet(t1 + milliseconds(300), B, update_body(kOrigin, kP, 1, 300));
  ASSERT_TRUE(r.selected(kP));
  EXPECT_EQ(r.selected(kP)->next_hop, B);
  EXPECT_EQ(r.selected(kP)->seqno, 1);
}

TEST(Router, OriginIgnoresHopCountZeroAndHopelessSeqnos) {
  Router origin({}, kOrigin, Rng(2), t0);
  origin.announce(t0, kP);
  origin.add_neighbour(t0, C);
  drain(origin);
  origin.on_packet(t0, C, tlv_body(SeqnoRequest{Ae::ipv6, 1, 0, kOrigin, kP}));
  EXPECT_EQ(origin.seqno(), 0);
  origin.on_packet(t0, C, tlv_body(SeqnoRequest{Ae::ipv6, 500, 5, kOrigin, kP}));
  EXPECT_EQ(origin.seqno(), 0);
  origin.on_packet(t0, C, tlv_body(SeqnoRequest{Ae::ipv6, 3, 5, kOrigin, kP}));
  EXPECT_EQ(origin.seqno(), 3);
  EXPECT_EQ(origin.counters().seqno_bumps, 1u);
}

TEST(Router, ForwardsSeqnoRequestTowardsOriginAndAnswersWhenSatisfied) {
  Router r = make_router();
  r.add_neighbour(t0, C);
  r.on_packet(t0, A, update_body(kOrigin, kP, 0, 0));
  drain(r);
  // B asks for seqno 1; we only have 0: forward to our next hop A with one hop less.
  r.on_packet(t0, B, tlv_body(SeqnoRequest{Ae::ipv6, 1, 10, kOrigin, kP}));
  auto reqs = seqno_requests(drain(r));
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].to, A);
  EXPECT_EQ(std::get<SeqnoRequest>(reqs[0].tlv).hop_count, 9);
  // C asks the same right after: deduplicated, C is answered with B.
  r.on_packet(t0, C, tlv_body(SeqnoRequest{Ae::ipv6, 1, 10, kOrigin, kP}));
  EXPECT_TRUE(seqno_requests(drain(r)).empty());
  // The answer arrives: passed on at once.
  r.on_packet(t0 + milliseconds(20), A, update_body(kOrigin, kP, 1, 0));
  auto ups = updates_for(drain(r), kP);
  ASSERT_FALSE(ups.empty());
  EXPECT_EQ(ups[0].seqno, 1);
  // A request we can satisfy is answered, not forwarded.
  r.on_packet(t0 + milliseconds(30), B, tlv_body(SeqnoRequest{Ae::ipv6, 1, 10, kOrigin, kP}));
  auto sent = drain(r);
  EXPECT_TRUE(seqno_requests(sent).empty());
  EXPECT_FALSE(updates_for(sent, kP).empty());
}

TEST(Router, HysteresisKeepsRouteUnlessClearlyBetter) {
  Router r = make_router();
  r.on_packet(t0, A, update_body(kOrigin, kP, 0, 100));  // 356 via A
  r.on_packet(t0, B, update_body(kOrigin, kP, 0, 80));   // 336 via B: better by 20 only
  drain(r);
  EXPECT_EQ(r.selected(kP)->next_hop, A);
  // B improves to 256 (100 better); smoothing has not caught up yet.
  r.on_packet(t0 + seconds(1), B, update_body(kOrigin, kP, 0, 0));
  EXPECT_EQ(r.selected(kP)->next_hop, A);
  // Keep both fresh; the periodic pass re-considers with smoothed metrics.
  for (int s = 2; s <= 12; ++s) {
    r.on_packet(t0 + seconds(s), A, update_body(kOrigin, kP, 0, 100));
    r.on_packet(t0 + seconds(s), B, update_body(kOrigin, kP, 0, 0));
    r.on_tick(t0 + seconds(s));
  }
  EXPECT_EQ(r.selected(kP)->next_hop, B);
  EXPECT_EQ(r.counters().switches, 1u);
}

TEST(Router, ClearlyBetterNewRouteWinsAtOnceMarginalOneDoesNot) {
  Router r = make_router();
  r.add_neighbour(t0, C);
  r.on_packet(t0, A, update_body(kOrigin, kP, 0, 200));  // 456
  r.on_packet(t0, C, update_body(kOrigin, kP, 0, 160));  // 416: 40 better, under the margin
  EXPECT_EQ(r.selected(kP)->next_hop, A);
  r.on_packet(t0, B, update_body(kOrigin, kP, 0, 0));  // 256: 200 better
  EXPECT_EQ(r.selected(kP)->next_hop, B);
}

TEST(Router, RouteExpiresAfterRefreshRequestThenIsHeldDownThenFlushed) {
  RouterConfig c;
  c.min_route_expiry = seconds(1);
  Router r = make_router(t0, c);
  r.on_packet(t0, A, update_body(kOrigin, kP, 0, 0, 100));  // interval 1 s: expiry 3.5 s
  drain(r);
  events(r);
  ASSERT_TRUE(r.poll_deadline());
  // 7/8 of the hold time: a unicast request to A for this prefix.
  r.on_tick(t0 + milliseconds(3100));
  bool asked = false;
  for (const auto& s : drain(r)) {
    if (const auto* q = std::get_if<RouteRequest>(&s.tlv)) asked = asked || (s.to == A && q->prefix == kP);
  }
  EXPECT_TRUE(asked);
  EXPECT_TRUE(r.selected(kP));
  r.on_tick(t0 + milliseconds(3500));
  EXPECT_FALSE(r.selected(kP));
  EXPECT_EQ(r.counters().expiries, 1u);
  auto ev = events(r);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RouteEvent::Kind::retracted);
  ASSERT_TRUE(via(r, kP, A));  // held down: still listed, unreachable
  EXPECT_EQ(via(r, kP, A)->metric, kInfinity);
  r.on_tick(t0 + milliseconds(3500) + c.hold_down);
  EXPECT_FALSE(via(r, kP, A));
}

TEST(Router, RetractionHoldsRouteDownAndIsPropagated) {
  Router r = make_router();
  r.on_packet(t0, A, update_body(kOrigin, kP, 0, 0));
  drain(r);
  events(r);
  Bytes retract;
  append_tlv(retract, Update{Ae::ipv6, 0, 400, 0, kInfinity, kP, {}, {}});
  const Instant t1 = t0 + seconds(1);
  r.on_packet(t1, A, retract);
  EXPECT_FALSE(r.selected(kP));
  EXPECT_EQ(r.next_hop(kP.addr), std::nullopt);
  auto ups = updates_for(drain(r), kP);
  ASSERT_FALSE(ups.empty());
  EXPECT_EQ(ups[0].metric, kInfinity);
  // Held down, and the retraction is repeated in periodic updates meanwhile.
  ASSERT_TRUE(via(r, kP, A));
  EXPECT_FALSE(via(r, kP, A)->selected);
  r.on_tick(t1 + seconds(3));
  r.on_tick(t1 + seconds(4));
  EXPECT_FALSE(via(r, kP, A));
}

TEST(Router, WildcardRetractionDropsEverythingFromThatNeighbour) {
  Router r = make_router();
  const Prefix q = *Prefix::parse("10.0.0.0/8");
  r.on_packet(t0, A, update_body(kOrigin, kP, 0, 0));
  r.on_packet(t0, A, update_body(kOrigin, q, 0, 0));
  EXPECT_TRUE(r.selected(kP));
  EXPECT_TRUE(r.selected(q));
  r.on_packet(t0, A, tlv_body(Update{Ae::wildcard, 0, 0, 0, kInfinity, {}, {}, {}}));
  EXPECT_FALSE(r.selected(kP));
  EXPECT_FALSE(r.selected(q));
}

TEST(Router, NextHopIsLongestPrefixMatchAndLocalWins) {
  Router r = make_router();
  r.on_packet(t0, A, update_body(kOrigin, *Prefix::parse("10.0.0.0/8"), 0, 0));
  r.on_packet(t0, B, update_body(RouterId{{0xcc, 3, 3, 3, 3, 3, 3, 3}}, *Prefix::parse("10.1.0.0/16"), 0, 0));
  EXPECT_EQ(r.next_hop(Prefix::parse("10.1.2.3/32")->addr), B);
  EXPECT_EQ(r.next_hop(Prefix::parse("10.2.0.1/32")->addr), A);
  EXPECT_EQ(r.next_hop(Prefix::parse("11.0.0.1/32")->addr), std::nullopt);
  r.announce(t0, *Prefix::parse("10.1.2.0/24"));
  EXPECT_EQ(r.next_hop(Prefix::parse("10.1.2.3/32")->addr), std::nullopt);
  EXPECT_TRUE(r.is_local(Prefix::parse("10.1.2.3/32")->addr));
  EXPECT_EQ(r.next_hop(Prefix::parse("10.1.3.3/32")->addr), B);
}

TEST(Router, LinkCostChangeReroutes) {
  Router r = make_router();
  r.on_packet(t0, A, update_body(kOrigin, kP, 0, 0));
  r.on_packet(t0, B, update_body(kOrigin, kP, 0, 200));  // feasible: 200 < 256
  EXPECT_EQ(r.selected(kP)->next_hop, A);
  r.set_link_cost(t0, A, 2000);  // A's link degrades: 2000 vs 456
  EXPECT_EQ(r.selected(kP)->next_hop, B);
  EXPECT_EQ(r.link_cost(A), 2000);
}

TEST(Router, OwnRouteEchoAndMartiansAreIgnored) {
  Router r = make_router();
  r.on_packet(t0, A, update_body(kSelf, kP, 0, 0));
  EXPECT_TRUE(r.routes().empty());
  r.on_packet(t0, A, update_body(kOrigin, *Prefix::parse("fe80::/64"), 0, 0));
  r.on_packet(t0, A, update_body(kOrigin, *Prefix::parse("ff02::/16"), 0, 0));
  EXPECT_TRUE(r.routes().empty());
  EXPECT_EQ(r.counters().martians, 2u);
}

TEST(Router, UnknownNeighbourAndBadBodiesAreCountedAndChangeNothing) {
  Router r = make_router();
  r.on_packet(t0, C, update_body(kOrigin, kP, 0, 0));
  EXPECT_EQ(r.counters().unknown_neighbour, 1u);
  r.on_packet(t0, A, Bytes{0x08, 0x10, 0x02});
  EXPECT_EQ(r.counters().bad_body, 1u);
  r.on_packet(t0, A, Bytes{0x14, 0x00});
  EXPECT_EQ(r.counters().ignored[static_cast<std::size_t>(Ignore::unknown_type)], 1u);
  EXPECT_TRUE(r.routes().empty());
}

TEST(Router, AckRequestIsAcknowledged) {
  Router r = make_router();
  r.on_packet(t0, A, tlv_body(AckReq{0x1234, 100}));
  auto sent = drain(r);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, A);
  EXPECT_EQ(std::get<Ack>(sent[0].tlv).opaque, 0x1234);
}

TEST(Router, WithdrawSendsRetractionAndRouteViewNames) {
  Router r = make_router();
  r.announce(t0, kP);
  drain(r);
  r.withdraw(t0 + seconds(1), kP);
  auto ups = updates_for(drain(r), kP);
  ASSERT_FALSE(ups.empty());
  EXPECT_EQ(ups[0].metric, kInfinity);
  EXPECT_EQ(name(RouteEvent::Kind::selected), "selected");
  EXPECT_EQ(name(RouteEvent::Kind::retracted), "retracted");
}

TEST(Router, BodiesRespectMaxBodyAndCarryRouterIds) {
  RouterConfig c;
  c.max_body = 100;
  Router r({}, kSelf, Rng(1), t0);
  Router big(c, kSelf, Rng(1), t0);
  for (int i = 0; i < 20; ++i) {
    Address a = kP.addr;
    a[15] = static_cast<std::uint8_t>(i);
    big.announce(t0, Prefix::make(a, 128));
  }
  big.add_neighbour(t0, A);
  std::size_t updates = 0;
  while (auto t = big.poll_transmit()) {
    EXPECT_LE(t->body.size(), 100u);
    std::optional<RouterId> id;
    ASSERT_TRUE(for_each_tlv(t->body, [&](const Tlv& tlv) {
      if (const auto* u = std::get_if<Update>(&tlv)) {
        ++updates;
        EXPECT_EQ(u->router_id, kSelf);  // every body re-states the router-id
      }
    }));
  }
  EXPECT_EQ(updates, 20u);
}

// The target: traffic resumes within 1 s of a silent link failure
// once the link layer calls remove_neighbour. A ring of 6 with 20 ms links:
// cutting one link must leave every pair routed within 1 s.
TEST(RouterNetwork, RingReroutesWithinOneSecondOfRemoveNeighbour) {
  testing::TestNetwork net(6, RouterConfig{}, 1);
  for (std::size_t i = 0; i < 6; ++i) net.connect(i, (i + 1) % 6, milliseconds(20));
  net.run_for(seconds(10));
  for (std::size_t s = 0; s < 6; ++s) {
    for (std::size_t d = 0; d < 6; ++d) ASSERT_EQ(net.walk(s, d), testing::TestNetwork::Walk::reached);
  }
  net.cut(0, 1);
  net.run_for(seconds(1), [&] { ASSERT_FALSE(net.find_new_loop()); });
  for (std::size_t s = 0; s < 6; ++s) {
    for (std::size_t d = 0; d < 6; ++d) {
      EXPECT_EQ(net.walk(s, d), testing::TestNetwork::Walk::reached) << s << " -> " << d;
    }
  }
}

// The tables' keys compare word by word (types.hpp) for speed; the order
// must be the bytes' lexicographic order, as the defaulted <=> gave, or
// every table would iterate (and every router send) in a different order.
template <std::size_t N>
void expect_byte_order(Rng& rng) {
  std::array<std::uint8_t, N> a{}, b{};
  rng.fill(a);
  b = a;
  if (rng.below(4) != 0) b[rng.below(N)] = static_cast<std::uint8_t>(rng.below(256));  // differ in one byte
  if (rng.below(8) == 0) rng.fill(b);
  const auto want = std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
  ASSERT_EQ(compare_bytes(a, b), want);
  ASSERT_EQ(compare_bytes(b, a), 0 <=> want);
  ASSERT_EQ(equal_bytes(a, b), a == b);
}

TEST(RoutingTypes, KeysOrderAsTheirBytes) {
  Rng rng(7);
  for (int i = 0; i < 20'000; ++i) {
    expect_byte_order<8>(rng);
    expect_byte_order<16>(rng);
    expect_byte_order<20>(rng);
  }
  const Prefix p = *Prefix::parse("fd00::/64"), q = *Prefix::parse("fd00::/128"),
               r = *Prefix::parse("fd01::/16");
  EXPECT_LT(p, q);  // same bytes: the shorter prefix first
  EXPECT_LT(q, r);
  EXPECT_NE(p, q);
  EXPECT_EQ(PrefixHash{}(q), PrefixHash{}(*Prefix::parse("fd00::/128")));
  const RouterId low{{0, 0, 0, 0, 0, 0, 0, 0xff}}, high{{1, 0, 0, 0, 0, 0, 0, 0}};
  EXPECT_LT(low, high);
  EXPECT_LT(nb(0x7f), nb(0x80));
}

}  // namespace
}  // namespace hyphae::routing

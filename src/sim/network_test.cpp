// Pure pieces of the simulator: event queue, link model, topologies, trace.
#include "sim/network.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <numeric>

#include "sim/event_queue.hpp"
#include "sim/topology.hpp"
#include "sim/trace.hpp"

namespace hyphae::sim {
namespace {

TEST(EventQueue, EqualTimesPopInInsertionOrder) {
  EventQueue<int> q;
  q.push(Instant{5}, 1);
  q.push(Instant{3}, 2);
  q.push(Instant{5}, 3);
  q.push(Instant{3}, 4);
  q.push(Instant{5}, 5);
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.pop().value);
  EXPECT_EQ(order, (std::vector<int>{2, 4, 1, 3, 5}));
}

RC_GTEST_PROP(EventQueue, PopsSortedByTimeThenSequence, (const std::vector<std::uint8_t>& times)) {
  EventQueue<std::size_t> q;
  for (std::size_t i = 0; i < times.size(); ++i) q.push(Instant{times[i]}, i);
  std::vector<std::size_t> expected(times.size());
  std::iota(expected.begin(), expected.end(), 0);
  std::stable_sort(expected.begin(), expected.end(), [&](auto a, auto b) { return times[a] < times[b]; });
  std::vector<std::size_t> got;
  while (!q.empty()) got.push_back(q.pop().value);
  RC_ASSERT(got == expected);
}

Network uniform(LinkParams p, std::size_t n = 4) {
  return Network(n, [p](NodeIndex, NodeIndex) { return p; });
}

TEST(Network, LatencyAndJitterStayInRange) {
  LinkParams p;
  p.latency = milliseconds(10);
  p.jitter = milliseconds(2);
  p.reorder = true;
  Network net = uniform(p);
  Rng rng(1);
  for (int i = 0; i < 1000; ++i) {
    const Verdict v = net.route(Instant{}, 0, 1, 100, rng);
    ASSERT_TRUE(v.deliver_at);
    EXPECT_GE(*v.deliver_at, Instant{} + milliseconds(10));
    EXPECT_LE(*v.deliver_at, Instant{} + milliseconds(12));
  }
}

TEST(Network, FifoUnlessReorderAllowed) {
  LinkParams p;
  p.jitter = milliseconds(5);
  Network net = uniform(p);
  Rng rng(2);
  Instant last{};
  for (int i = 0; i < 200; ++i) {
    const Verdict v = net.route(Instant{} + microseconds(i * 10), 0, 1, 100, rng);
    ASSERT_TRUE(v.deliver_at);
    EXPECT_GE(*v.deliver_at, last);
    last = *v.deliver_at;
  }
}

TEST(Network, LossRateIsRoughlyConfigured) {
  LinkParams p;
  p.loss = 0.2;
  Network net = uniform(p);
  Rng rng(3);
  int lost = 0;
  for (int i = 0; i < 10000; ++i) lost += net.route(Instant{}, 0, 1, 100, rng).deliver_at ? 0 : 1;
  EXPECT_NEAR(lost, 2000, 200);
}

TEST(Network, BandwidthQueuesThenTailDrops) {
  LinkParams p;
  p.latency = milliseconds(1);
  p.bandwidth_bps = 8'000'000;  // 1 byte per microsecond
  p.queue_bytes = 10'000;
  Network net = uniform(p);
  Rng rng(4);
  // 1000-byte datagrams take 1 ms each to serialise.
  auto first = net.route(Instant{}, 0, 1, 1000, rng);
  auto second = net.route(Instant{}, 0, 1, 1000, rng);
  ASSERT_TRUE(first.deliver_at && second.deliver_at);
  EXPECT_EQ(*first.deliver_at, Instant{} + milliseconds(2));
  EXPECT_EQ(*second.deliver_at, Instant{} + milliseconds(3));
  int dropped = 0;
  for (int i = 0; i < 20; ++i) {
    auto v = net.route(Instant{}, 0, 1, 1000, rng);
    if (!v.deliver_at) {
      EXPECT_EQ(v.reason, DropReason::queue_full);
      ++dropped;
    }
  }
  EXPECT_EQ(dropped, 12);  // 10 kB of queue: 8 more fit behind the first two
  // The reverse direction has its own queue.
  EXPECT_TRUE(net.route(Instant{}, 1, 0, 1000, rng).deliver_at);
  // Once drained, the queue accepts again.
  EXPECT_TRUE(net.route(Instant{} + milliseconds(50), 0, 1, 1000, rng).deliver_at);
}

TEST(Network, MtuCutDegradeRestorePartitionHeal) {
  LinkParams p;
  p.mtu = 1200;
  Network net = uniform(p, 4);
  Rng rng(5);
  EXPECT_EQ(net.route(Instant{}, 0, 1, 1201, rng).reason, DropReason::mtu);
  net.cut(0, 1);
  EXPECT_EQ(net.route(Instant{}, 1, 0, 10, rng).reason, DropReason::cut);
  EXPECT_TRUE(net.route(Instant{}, 0, 2, 10, rng).deliver_at);
  LinkParams slow = p;
  slow.latency = seconds(1);
  net.degrade(0, 2, slow);
  EXPECT_EQ(*net.route(Instant{}, 2, 0, 10, rng).deliver_at, Instant{} + seconds(1));
  net.restore(0, 1);
  net.restore(0, 2);
  EXPECT_TRUE(net.route(Instant{} + seconds(2), 0, 1, 10, rng).deliver_at);
  EXPECT_EQ(*net.route(Instant{} + seconds(2), 0, 2, 10, rng).deliver_at, Instant{} + seconds(2) + p.latency);
  net.partition({{0, 1}, {2}});  // 3 is in the "rest" island
  EXPECT_TRUE(net.route(Instant{} + seconds(3), 0, 1, 10, rng).deliver_at);
  EXPECT_EQ(net.route(Instant{} + seconds(3), 1, 2, 10, rng).reason, DropReason::partition);
  EXPECT_EQ(net.route(Instant{} + seconds(3), 2, 3, 10, rng).reason, DropReason::partition);
  net.heal();
  EXPECT_TRUE(net.route(Instant{} + seconds(4), 1, 2, 10, rng).deliver_at);
}

bool connected(const Topology& t) {
  auto adj = t.adjacency();
  std::vector<bool> seen(t.nodes, false);
  std::vector<NodeIndex> stack{0};
  seen[0] = true;
  std::size_t count = 1;
  while (!stack.empty()) {
    NodeIndex n = stack.back();
    stack.pop_back();
    for (NodeIndex m : adj[n]) {
      if (!seen[m]) {
        seen[m] = true;
        ++count;
        stack.push_back(m);
      }
    }
  }
  return count == t.nodes;
}

TEST(Topology, KindsHaveExpectedShapes) {
  Rng rng(6);
  auto make = [&](std::string kind, std::size_t n) {
    TopologySpec spec;
    spec.kind = std::move(kind);
    spec.nodes = n;
    auto t = make_topology(spec, rng);
    EXPECT_TRUE(t) << (t ? "" : t.error());
    return *t;
  };
  EXPECT_EQ(make("full-mesh", 6).edges.size(), 15u);
  EXPECT_EQ(make("ring", 10).edges.size(), 10u);
  EXPECT_EQ(make("line", 10).edges.size(), 9u);
  EXPECT_EQ(make("grid", 9).edges.size(), 12u);
  for (auto kind : {"full-mesh", "ring", "line", "grid", "random-geometric", "small-world", "seven-city"}) {
    for (std::size_t n : {7u, 50u, 333u}) {
      if (std::string(kind) == "full-mesh" && n > 50) continue;
      const Topology t = make(kind, n);
      EXPECT_TRUE(connected(t)) << kind << " " << n;
      for (auto [a, b] : t.edges) EXPECT_LT(a, b);
    }
  }
  EXPECT_FALSE(make_topology(TopologySpec{.kind = "torus"}, rng));
  EXPECT_FALSE(make_topology(TopologySpec{.kind = "ring", .nodes = 1}, rng));
}

TEST(Topology, SameSeedSameGraph) {
  for (auto kind : {"random-geometric", "small-world"}) {
    TopologySpec spec{.kind = kind, .nodes = 200};
    Rng a(7), b(7), c(8);
    auto x = make_topology(spec, a), y = make_topology(spec, b), z = make_topology(spec, c);
    EXPECT_EQ(x->edges, y->edges) << kind;
    EXPECT_NE(x->edges, z->edges) << kind;
  }
}

TEST(Topology, SmallWorldMeanDegree) {
  Rng rng(9);
  auto t = make_topology(TopologySpec{.kind = "small-world", .nodes = 1000, .degree = 4}, rng);
  EXPECT_NEAR(static_cast<double>(t->edges.size()) * 2 / 1000, 4.0, 0.2);
}

TEST(Topology, SevenCityLinksEveryCityPairWithTableLatencies) {
  Rng rng(10);
  TopologySpec spec{.kind = "seven-city", .nodes = 21};
  spec.link.latency = milliseconds(1);
  auto t = make_topology(spec, rng);
  ASSERT_TRUE(t);
  std::set<std::pair<int, int>> pairs;
  for (auto [a, b] : t->edges)
    if (t->site[a] != t->site[b])
      pairs.insert({std::min(t->site[a], t->site[b]), std::max(t->site[a], t->site[b])});
  EXPECT_EQ(pairs.size(), 21u);
  // London (2) - Berlin (3) is the shortest hop, Berlin - Sydney the longest.
  EXPECT_EQ(t->link(2, 3).latency, milliseconds(8));
  EXPECT_EQ(t->link(3, 6).latency, milliseconds(144));
  EXPECT_EQ(t->link(0, 7).latency, milliseconds(1));  // nodes 0 and 7 are both in San Francisco
  for (std::size_t a = 0; a < kCities; ++a)
    for (std::size_t b = 0; b < kCities; ++b)
      if (a != b) {
        EXPECT_EQ(city_rtt(a, b), city_rtt(b, a));
      }
}

TEST(Trace, HashCoversOrderTimeAndBytes) {
  auto run = [](std::vector<TraceRecord> records, Bytes payload) {
    Trace t;
    for (const auto& r : records) t.record(r, payload);
    return t.hash();
  };
  const TraceRecord a{Instant{1}, TraceKind::deliver, 1, 2, 10, {}};
  const TraceRecord b{Instant{2}, TraceKind::drop, 2, 1, 10, "loss"};
  TraceRecord a_later = a;
  a_later.at = Instant{3};
  EXPECT_EQ(run({a, b}, {1, 2}), run({a, b}, {1, 2}));
  EXPECT_NE(run({a, b}, {1, 2}), run({b, a}, {1, 2}));
  EXPECT_NE(run({a, b}, {1, 2}), run({a_later, b}, {1, 2}));
  EXPECT_NE(run({a, b}, {1, 2}), run({a, b}, {1, 3}));
}

TEST(Trace, KeepsRecentRecordsPerNode) {
  Trace t(8);
  for (std::uint32_t i = 0; i < 20; ++i) t.record({Instant{i}, TraceKind::deliver, i % 3, 9, i, {}});
  EXPECT_EQ(t.last(100).size(), 8u);
  auto mine = t.last(100, 1);
  for (const auto& r : mine) EXPECT_TRUE(r.node == 1 || r.other == 1);
  EXPECT_EQ(t.records(), 20u);
  EXPECT_EQ(format(TraceRecord{Instant{1'500'000'000}, TraceKind::drop, 3, 7, 148, "loss"}),
            "1.500000s drop n7 -> n3 148B (loss)");
}

}  // namespace
}  // namespace hyphae::sim

// Goal: flooding delivers each (origin, id) once, forwards to every neighbour
// but the sender while the TTL lasts, and the duplicate cache stays bounded
// and forgets after its expiry.
#include "routing/flood.hpp"

#include <gtest/gtest.h>

namespace hyphae::routing {
namespace {

crypto::NodeId origin(std::uint8_t i) {
  crypto::NodeId id;
  id.bytes[0] = i;
  return id;
}
NeighbourId nb(std::uint8_t i) {
  NeighbourId n;
  n.bytes[0] = i;
  return n;
}
const Instant t0{};

TEST(Flood, DuplicatesAreDroppedUntilExpiry) {
  FloodCache cache({.capacity = 16, .expiry = seconds(10)});
  const FloodKey k{origin(1), 7};
  EXPECT_TRUE(cache.first_seen(t0, k));
  EXPECT_FALSE(cache.first_seen(t0 + seconds(1), k));
  EXPECT_TRUE(cache.first_seen(t0, FloodKey{origin(1), 8}));  // another id
  EXPECT_TRUE(cache.first_seen(t0, FloodKey{origin(2), 7}));  // another origin
  EXPECT_TRUE(cache.contains(t0 + seconds(9), k));
  EXPECT_EQ(cache.next_expiry(), t0 + seconds(10));
  EXPECT_TRUE(cache.first_seen(t0 + seconds(10), k));  // forgotten: new again
}

TEST(Flood, CacheIsBoundedAndEvictsOldest) {
  FloodCache cache({.capacity = 3, .expiry = seconds(60)});
  for (std::uint64_t i = 0; i < 5; ++i)
    EXPECT_TRUE(cache.first_seen(t0 + seconds(static_cast<int>(i)), {origin(1), i}));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.contains(t0 + seconds(5), {origin(1), 0}));
  EXPECT_TRUE(cache.contains(t0 + seconds(5), {origin(1), 4}));
}

TEST(Flood, ForwardsToAllButSenderWithTtlDecrement) {
  FloodCache cache;
  const std::vector<NeighbourId> ns{nb(1), nb(2), nb(3)};
  auto d = on_flood(cache, t0, {origin(9), 1}, 3, nb(2), ns);
  EXPECT_TRUE(d.deliver);
  EXPECT_EQ(d.ttl, 2);
  EXPECT_EQ(d.forward_to, (std::vector<NeighbourId>{nb(1), nb(3)}));
  auto again = on_flood(cache, t0, {origin(9), 1}, 3, nb(3), ns);
  EXPECT_FALSE(again.deliver);
  EXPECT_TRUE(again.forward_to.empty());
  auto last = on_flood(cache, t0, {origin(9), 2}, 1, nb(1), ns);  // last hop: deliver, stop
  EXPECT_TRUE(last.deliver);
  EXPECT_FALSE(last.ttl);
  EXPECT_TRUE(last.forward_to.empty());
  auto mine = on_flood(cache, t0, {origin(0), 1}, 200, std::nullopt, ns);  // originated; TTL clamped
  EXPECT_EQ(mine.ttl, FloodConfig{}.max_ttl);
  EXPECT_EQ(mine.forward_to.size(), 3u);
  EXPECT_EQ(forward_targets(ns, nb(7)).size(), 3u);
}

}  // namespace
}  // namespace hyphae::routing

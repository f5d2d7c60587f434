// Goal: one source IP gets `burst` beacons at once and then one per interval;
// other sources are unaffected; the table never outgrows sources_max.
// Method: virtual instants, a few addresses.
#include "discovery/rate_limiter.hpp"

#include <gtest/gtest.h>

#include "discovery/test_util.hpp"

namespace hyphae::discovery {
namespace {

using test::lan;
const Instant t0{1'000'000'000};

TEST(SourceRateLimiter, BurstThenOnePerInterval) {
  SourceRateLimiter rl{{}};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(rl.allow(t0, lan(1))) << i;
  EXPECT_FALSE(rl.allow(t0, lan(1)));
  EXPECT_FALSE(rl.allow(t0 + milliseconds(999), lan(1)));
  EXPECT_TRUE(rl.allow(t0 + seconds(1), lan(1)));
  EXPECT_FALSE(rl.allow(t0 + seconds(1), lan(1)));
  // A long silence refills the bucket, but only to the burst.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(rl.allow(t0 + seconds(100), lan(1))) << i;
  EXPECT_FALSE(rl.allow(t0 + seconds(100), lan(1)));
}

TEST(SourceRateLimiter, LimitsByAddressNotPort) {
  SourceRateLimiter rl{{.burst = 1}};
  EXPECT_TRUE(rl.allow(t0, lan(1, 1000)));
  EXPECT_FALSE(rl.allow(t0, lan(1, 2000)));
  EXPECT_TRUE(rl.allow(t0, lan(2, 1000)));
}

TEST(SourceRateLimiter, ForgetsTheLeastRecentlySeenWhenFull) {
  SourceRateLimiter rl{{.burst = 1, .sources_max = 2}};
  EXPECT_TRUE(rl.allow(t0, lan(1)));
  EXPECT_TRUE(rl.allow(t0, lan(2)));
  EXPECT_FALSE(rl.allow(t0, lan(1)));  // 1 is now the most recent
  EXPECT_TRUE(rl.allow(t0, lan(3)));   // evicts 2
  EXPECT_EQ(rl.size(), 2u);
  EXPECT_EQ(rl.evictions(), 1u);
  EXPECT_FALSE(rl.allow(t0, lan(1)));  // still remembered, still limited
  EXPECT_TRUE(rl.allow(t0, lan(2)));   // forgotten: a fresh bucket
}

}  // namespace
}  // namespace hyphae::discovery

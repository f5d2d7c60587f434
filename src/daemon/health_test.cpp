// HealthMonitor: each check fails and recovers on its own; time is passed in.
#include "daemon/health.hpp"

#include <gtest/gtest.h>

namespace hyphae::daemon {
namespace {

const Instant t0{1'000'000'000};

TEST(Health, HealthyWithPeersAndNoErrors) {
  HealthMonitor h({}, true, t0);
  h.observe({.now = t0 + seconds(1), .store_errors = 0, .live_peers = 2});
  EXPECT_TRUE(h.reasons(t0 + seconds(1)).empty());
}

TEST(Health, NoPeersAfterTheGraceOnlyWhenPeersAreExpected) {
  HealthMonitor expecting({.join_grace = seconds(30)}, true, t0);
  HealthMonitor alone({.join_grace = seconds(30)}, false, t0);
  for (int s = 1; s <= 29; ++s) {
    expecting.observe({.now = t0 + seconds(s)});
    alone.observe({.now = t0 + seconds(s)});
  }
  EXPECT_TRUE(expecting.reasons(t0 + seconds(29)).empty());  // still within the grace
  expecting.observe({.now = t0 + seconds(31)});
  alone.observe({.now = t0 + seconds(31)});
  ASSERT_EQ(expecting.reasons(t0 + seconds(31)).size(), 1U);
  EXPECT_NE(expecting.reasons(t0 + seconds(31))[0].find("no peers"), std::string::npos);
  EXPECT_TRUE(alone.reasons(t0 + seconds(31)).empty());
  // A peer comes: healthy at once. It goes: the grace starts again from then.
  expecting.observe({.now = t0 + seconds(32), .live_peers = 1});
  EXPECT_TRUE(expecting.reasons(t0 + seconds(32)).empty());
  expecting.observe({.now = t0 + seconds(40), .live_peers = 0});
  EXPECT_TRUE(expecting.reasons(t0 + seconds(40)).empty());
  expecting.observe({.now = t0 + seconds(63), .live_peers = 0});
  EXPECT_FALSE(expecting.reasons(t0 + seconds(63)).empty());
}

TEST(Health, StoreErrorsCountForTheWindow) {
  HealthMonitor h({.window = seconds(60)}, false, t0);
  h.observe({.now = t0 + seconds(1), .store_errors = 5});  // errors before the first look are old news
  EXPECT_TRUE(h.reasons(t0 + seconds(1)).empty());
  h.observe({.now = t0 + seconds(2), .store_errors = 7});
  auto r = h.reasons(t0 + seconds(2));
  ASSERT_EQ(r.size(), 1U);
  EXPECT_NE(r[0].find("store: 2 failed calls"), std::string::npos) << r[0];
  h.observe({.now = t0 + seconds(61), .store_errors = 7});
  EXPECT_FALSE(h.reasons(t0 + seconds(61)).empty());
  h.observe({.now = t0 + seconds(63), .store_errors = 7});
  EXPECT_TRUE(h.reasons(t0 + seconds(63)).empty());
}

TEST(Health, EventLoopLagCountsForTheWindow) {
  HealthMonitor h({.loop_lag_max = seconds(1), .window = seconds(60)}, false, t0);
  h.observe({.now = t0 + seconds(1), .loop_lag = milliseconds(900)});
  EXPECT_TRUE(h.reasons(t0 + seconds(1)).empty());
  h.observe({.now = t0 + seconds(3), .loop_lag = milliseconds(1500)});
  h.observe({.now = t0 + seconds(4), .loop_lag = milliseconds(1)});
  auto r = h.reasons(t0 + seconds(4));
  ASSERT_EQ(r.size(), 1U);
  EXPECT_NE(r[0].find("1500 ms late"), std::string::npos) << r[0];
  h.observe({.now = t0 + seconds(64), .loop_lag = milliseconds(1)});
  EXPECT_TRUE(h.reasons(t0 + seconds(64)).empty());
}

}  // namespace
}  // namespace hyphae::daemon

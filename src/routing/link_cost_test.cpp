// Goal: the link cost formula (ETX-like loss term plus babel-rtt's linear RTT
// penalty) and the smoother that keeps routes from flapping on noise.
#include "routing/link_cost.hpp"

#include <gtest/gtest.h>

#include "routing/types.hpp"

namespace hyphae::routing {
namespace {

TEST(LinkCost, Formula) {
  const LinkCostConfig c;
  EXPECT_EQ(link_cost(c, milliseconds(1), 0.0), 256);
  EXPECT_EQ(link_cost(c, milliseconds(10), 0.0), 256);   // rtt_min: no penalty yet
  EXPECT_EQ(link_cost(c, milliseconds(155), 0.0), 512);  // halfway: half of 512
  EXPECT_EQ(link_cost(c, milliseconds(300), 0.0), 768);  // rtt_max: all of it
  EXPECT_EQ(link_cost(c, seconds(2), 0.0), 768);         // capped
  EXPECT_EQ(link_cost(c, milliseconds(1), 0.5), 1024);   // 256 / 0.5^2
  EXPECT_EQ(link_cost(c, milliseconds(1), 0.9), kInfinity);
  EXPECT_EQ(link_cost(c, milliseconds(1), -1.0), 256);  // clamped
  EXPECT_EQ(link_cost(c, milliseconds(-5), 0.0), 256);
}

TEST(LinkCost, SmootherIgnoresNoiseFollowsRealChange) {
  CostSmoother s;
  EXPECT_EQ(s.update(300), 300);  // first sample published as is
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s.update(i % 2 == 0 ? 310 : 290), 300);
  std::uint16_t last = 300;
  for (int i = 0; i < 30; ++i) last = s.update(600);
  EXPECT_GT(last, 500);
  EXPECT_EQ(s.update(kInfinity), kInfinity);  // a dead link is taken at once
  EXPECT_EQ(s.update(256), 256);              // and so is its return
}

}  // namespace
}  // namespace hyphae::routing

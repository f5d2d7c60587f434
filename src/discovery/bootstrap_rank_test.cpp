// Goal: bootstrap candidates rank by the documented formula, ties break by
// id, and pick_diverse spreads picks over regions unless that costs more
// than kDiversityMargin of score.
// Method: the seed-000 seven-city example as seen by a new node in London
// (RTTs from src/sim/topology.cpp's London row), scores worked out by hand.
#include "discovery/bootstrap_rank.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace hyphae::discovery {
namespace {

crypto::NodeId id(std::uint8_t n) {
  crypto::NodeId out;
  out.bytes[0] = n;
  return out;
}

Candidate city(std::uint8_t n, std::string region, std::optional<int> rtt_ms, double uptime, double health) {
  std::optional<Duration> rtt;
  if (rtt_ms) rtt = milliseconds(*rtt_ms);
  return {id(n), Endpoint::v4(0x0a000000u | n, 9900), rtt, uptime, health, std::move(region)};
}

std::vector<Candidate> seven_cities() {
  return {
      city(1, "san-francisco", 141, 0.99, 0.90),   city(2, "new-york", 72, 0.95, 0.85),
      city(3, "london", 16, 0.90, 0.80),           city(4, "berlin", 16, 0.98, 0.95),
      city(5, "tokyo", 232, 0.99, 0.90),           city(6, "singapore", 168, 0.97, 0.90),
      city(7, "sydney", std::nullopt, 0.90, 0.70),  // never measured
  };
}

std::vector<std::string> regions(const std::vector<Ranked>& r) {
  std::vector<std::string> out;
  for (const auto& x : r) out.push_back(x.candidate.region);
  return out;
}

TEST(BootstrapRank, LatencyScore) {
  EXPECT_DOUBLE_EQ(latency_score(milliseconds(0)), 1.0);
  EXPECT_DOUBLE_EQ(latency_score(milliseconds(100)), 0.5);
  EXPECT_DOUBLE_EQ(latency_score(milliseconds(300)), 0.25);
  EXPECT_DOUBLE_EQ(latency_score(std::nullopt), 0.25);
  EXPECT_DOUBLE_EQ(latency_score(milliseconds(-5)), 1.0);
}

TEST(BootstrapRank, SevenCitiesFromLondon) {
  const auto ranked = rank(seven_cities());
  EXPECT_EQ(regions(ranked), (std::vector<std::string>{"berlin", "london", "new-york", "san-francisco",
                                                       "singapore", "tokyo", "sydney"}));
  // Berlin: 0.4 / 1.16 + 0.2 * 0.98 + 0.3 * 0.95 + 0.1 (alone in its region).
  EXPECT_NEAR(ranked[0].score, 0.4 / 1.16 + 0.196 + 0.285 + 0.1, 1e-12);
  // Sydney: unknown rtt scores like 300 ms.
  EXPECT_NEAR(ranked[6].score, 0.4 * 0.25 + 0.18 + 0.21 + 0.1, 1e-12);
  // With every region distinct, diverse picking is plain ranking.
  EXPECT_EQ(regions(pick_diverse(seven_cities(), 3)),
            (std::vector<std::string>{"berlin", "london", "new-york"}));
}

TEST(BootstrapRank, PickDiverseSpreadsOverRegions) {
  auto c = seven_cities();
  // Two more excellent Berlin nodes: they top the ranking, but a second
  // region is worth more than a third Berlin node of nearly equal score.
  c[3] = city(4, "berlin", 16, 1.0, 1.0);
  c.push_back(city(8, "berlin", 16, 1.0, 1.0));
  c.push_back(city(9, "berlin", 16, 1.0, 1.0));
  EXPECT_EQ(regions(rank(c)).at(1), "berlin");
  EXPECT_EQ(regions(rank(c)).at(2), "berlin");
  const auto picked = pick_diverse(c, 4);
  EXPECT_EQ(regions(picked), (std::vector<std::string>{"berlin", "london", "new-york", "san-francisco"}));
  EXPECT_EQ(picked[0].candidate.id, id(4));  // tie among Berlin nodes: smallest id
}

TEST(BootstrapRank, MuchWorseNewRegionDoesNotDisplaceAGoodNode) {
  const std::vector<Candidate> c{
      city(1, "berlin", 10, 1.0, 1.0), city(2, "berlin", 12, 1.0, 1.0),
      city(3, "sydney", std::nullopt, 0.0, 0.0),  // 0.1 + 0.1: far below the margin
  };
  EXPECT_EQ(regions(pick_diverse(c, 2)), (std::vector<std::string>{"berlin", "berlin"}));
  EXPECT_EQ(regions(pick_diverse(c, 3)), (std::vector<std::string>{"berlin", "berlin", "sydney"}));
  EXPECT_EQ(pick_diverse(c, 10).size(), 3u);
  EXPECT_TRUE(pick_diverse(c, 0).empty());
  EXPECT_TRUE(pick_diverse({}, 3).empty());
}

TEST(BootstrapRank, TiesBreakBySmallerId) {
  const std::vector<Candidate> c{city(9, "x", 50, 0.5, 0.5), city(2, "y", 50, 0.5, 0.5),
                                 city(5, "z", 50, 0.5, 0.5)};
  const auto r = rank(c);
  EXPECT_EQ(r[0].candidate.id, id(2));
  EXPECT_EQ(r[1].candidate.id, id(5));
  EXPECT_EQ(r[2].candidate.id, id(9));
}

TEST(BootstrapRank, OutOfRangeInputsAreClamped) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Candidate> c{city(1, "", 0, 7.0, nan), city(2, "", 0, -1.0, 2.0)};
  const auto r = rank(c);
  // 1: latency 1, uptime clamped to 1, health NaN -> 0, no region -> no bonus.
  // 2: latency 1, uptime clamped to 0, health clamped to 1.
  EXPECT_EQ(r[0].candidate.id, id(2));
  EXPECT_NEAR(r[0].score, 0.4 + 0.3, 1e-12);
  EXPECT_NEAR(r[1].score, 0.4 + 0.2, 1e-12);
  // An empty region is unknown, not "a region not yet picked".
  EXPECT_EQ(pick_diverse(c, 2).size(), 2u);
}

}  // namespace
}  // namespace hyphae::discovery

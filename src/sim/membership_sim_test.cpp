// Goal: issue 5's simulator goals hold at a size CI can afford (the
// 1 000-node figures are in bench/README.md, from `hyphae sim --scenario
// membership --nodes 1000`): a mesh joined through one seed knows itself in
// well under 10 s, every survivor marks the crashed node dead within the
// bound, and nothing live is declared dead with 5 % of the nodes frozen for
// 2 s. Plain SWIM runs too, for comparison.
// Method: the named membership scenarios, 200 nodes, two seeds each.
#include <gtest/gtest.h>

#include <sstream>

#include "sim/run.hpp"

namespace hyphae::sim {
namespace {

nlohmann::ordered_json run(const std::string& scenario, std::uint64_t seed, bool plain_swim = false) {
  SimOptions o;
  o.scenario = scenario;
  o.nodes = 200;
  o.seed = seed;
  o.duration = seconds(45);
  o.progress = false;
  o.plain_swim = plain_swim;
  std::ostringstream progress;
  auto s = run_scenario(o, progress);
  EXPECT_TRUE(s.has_value());
  if (!s) return {};
  if (!plain_swim) {
    EXPECT_TRUE(s->ok) << scenario << " seed " << seed << "\n" << s->report;
  }
  return s->json["membership"];
}

class MembershipScenarios : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(MembershipScenarios, ConvergesDetectsAndRaisesNoFalseAlarms) {
  // membership-lossy (10 % loss) is not here: it still raises false alarms
  // and leaves views incomplete at some seeds (issue 5 stays open for it).
  for (const char* scenario : {"membership", "membership-paused"}) {
    const auto m = run(scenario, GetParam());
    ASSERT_FALSE(m.is_null());
    EXPECT_LT(m["view_converged_at_ms"].get<double>(), 10'000) << scenario;
    EXPECT_EQ(m["detections"].get<std::size_t>(), 2u * 198u) << scenario;  // 2 of 200 crash; 198 observe
    EXPECT_EQ(m["undetected"].get<std::size_t>(), 0u) << scenario;
    EXPECT_EQ(m["false_positives"].get<std::uint64_t>(), 0u) << scenario;
    EXPECT_LE(m["detection_p99_ms"].get<double>(), m["detection_bound_ms"].get<double>()) << scenario;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, MembershipScenarios, ::testing::Values(1, 2));

TEST(MembershipSim, PlainSwimRunsForComparison) {
  const auto plain = run("membership-lossy", 1, true);
  ASSERT_FALSE(plain.is_null());
  EXPECT_FALSE(plain["lifeguard"].get<bool>());
  EXPECT_GT(plain["detections"].get<std::size_t>(), 0u);
}

}  // namespace
}  // namespace hyphae::sim

#include "link/rtt_estimator.hpp"

#include <gtest/gtest.h>

namespace hyphae::link {
namespace {

TEST(RttEstimator, FirstSampleSetsSrttAndHalfVariance) {
  RttEstimator r;
  EXPECT_EQ(r.rto(), RttEstimator::kRtoInitial);
  r.add_sample(milliseconds(100));
  EXPECT_EQ(r.srtt(), milliseconds(100));
  EXPECT_EQ(r.rttvar(), milliseconds(50));
  EXPECT_EQ(r.rto(), milliseconds(300));  // 100 + 4 * 50
}

TEST(RttEstimator, LaterSamplesFollowRfc6298Weights) {
  RttEstimator r;
  r.add_sample(milliseconds(100));
  r.add_sample(milliseconds(200));
  // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
  EXPECT_EQ(r.rttvar(), microseconds(62'500));
  EXPECT_EQ(r.srtt(), microseconds(112'500));
  EXPECT_EQ(r.latest(), milliseconds(200));
}

TEST(RttEstimator, RtoIsClampedToItsFloor) {
  RttEstimator r;
  for (int i = 0; i < 50; ++i) r.add_sample(microseconds(100));
  EXPECT_EQ(r.rto(), RttEstimator::kRtoMin);
}

}  // namespace
}  // namespace hyphae::link

#include "messaging/latency_histogram.hpp"

#include <gtest/gtest.h>

namespace hyphae::messaging {
namespace {

TEST(LatencyHistogram, QuantilesAreWithinOneSixteenth) {
  LatencyHistogram h;
  for (int ms = 1; ms <= 1000; ++ms) h.record(milliseconds(ms));
  EXPECT_EQ(h.count(), 1000u);
  for (double q : {0.5, 0.9, 0.99}) {
    const double want = q * 1000.0;
    const double got = h.quantile(q).ms();
    EXPECT_GE(got, want) << q;
    EXPECT_LE(got, want * 17.0 / 16.0) << q;
  }
}

TEST(LatencyHistogram, CumulativeCountsAndSumForPrometheus) {
  LatencyHistogram h;
  for (int ms : {1, 2, 4, 100, 1000}) h.record(milliseconds(ms));
  EXPECT_EQ(h.count_at_most(microseconds(900)), 0u);
  EXPECT_EQ(h.count_at_most(milliseconds(5)), 3u);
  EXPECT_EQ(h.count_at_most(seconds(2)), 5u);
  EXPECT_EQ(h.sum(), milliseconds(1107));
}

TEST(LatencyHistogram, EmptyIsZeroAndTinyValuesAreExact) {
  LatencyHistogram h;
  EXPECT_EQ(h.quantile(0.5), Duration{});
  h.record(microseconds(3));
  EXPECT_EQ(h.quantile(1.0), microseconds(3));
}

TEST(LatencyHistogram, HugeValuesLandInTheLastBucket) {
  LatencyHistogram h;
  h.record(seconds(100LL * 24 * 3600));
  EXPECT_GT(h.quantile(1.0), seconds(3600));
}

}  // namespace
}  // namespace hyphae::messaging

// Goal: the breaker opens after N consecutive failures, lets exactly one
// trial through once the open period is over, doubles the period after a
// failed trial up to open_max, and closes on success.
// Method: virtual instants and a seeded Rng; jitter bounds checked, not values.
#include "discovery/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace hyphae::discovery {
namespace {

const Instant t0{1'000'000'000};

TEST(CircuitBreaker, OpensAfterThreeConsecutiveFailures) {
  CircuitBreaker cb;
  Rng rng(1);
  EXPECT_TRUE(cb.allow(t0));
  cb.on_failure(t0, rng);
  cb.on_failure(t0, rng);
  cb.on_success(t0);  // a success in between resets the count
  cb.on_failure(t0, rng);
  cb.on_failure(t0, rng);
  EXPECT_EQ(cb.state(), BreakerState::closed);
  EXPECT_TRUE(cb.allow(t0));
  cb.on_failure(t0, rng);
  EXPECT_EQ(cb.state(), BreakerState::open);
  EXPECT_FALSE(cb.allow(t0));
  ASSERT_TRUE(cb.retry_at());
  EXPECT_GT(*cb.retry_at() - t0, milliseconds(800));
  EXPECT_LE(*cb.retry_at() - t0, seconds(1));
}

TEST(CircuitBreaker, HalfOpenLetsOneTrialThrough) {
  CircuitBreaker cb;
  Rng rng(2);
  for (int i = 0; i < 3; ++i) cb.on_failure(t0, rng);
  const Instant retry = *cb.retry_at();
  EXPECT_FALSE(cb.allow(retry - nanoseconds(1)));
  EXPECT_TRUE(cb.allow(retry));
  EXPECT_EQ(cb.state(), BreakerState::half_open);
  EXPECT_FALSE(cb.allow(retry));  // the trial is in flight
  EXPECT_FALSE(cb.retry_at());
  cb.on_success(retry + seconds(1));
  EXPECT_EQ(cb.state(), BreakerState::closed);
  EXPECT_TRUE(cb.allow(retry + seconds(1)));
  EXPECT_EQ(cb.consecutive_failures(), 0u);
}

TEST(CircuitBreaker, FailedTrialsDoubleTheOpenPeriodUpToTheMax) {
  CircuitBreaker cb;
  Rng rng(3);
  for (int i = 0; i < 3; ++i) cb.on_failure(t0, rng);
  Instant now = t0;
  Duration expected = seconds(1);
  for (int round = 0; round < 12; ++round) {
    const Duration period = *cb.retry_at() - now;
    EXPECT_GT(period, expected * 8 / 10) << round;
    EXPECT_LE(period, expected) << round;
    now = *cb.retry_at();
    ASSERT_TRUE(cb.allow(now));
    cb.on_failure(now, rng);
    expected = std::min(expected * 2, seconds(60));
  }
  EXPECT_EQ(expected, seconds(60));
  EXPECT_EQ(cb.state(), BreakerState::open);
  // A success closes it and resets the back-off to the initial period.
  now = *cb.retry_at();
  ASSERT_TRUE(cb.allow(now));
  cb.on_success(now);
  for (int i = 0; i < 3; ++i) cb.on_failure(now, rng);
  EXPECT_LE(*cb.retry_at() - now, seconds(1));
}

TEST(CircuitBreaker, LateFailureWhileOpenChangesNothing) {
  CircuitBreaker cb;
  Rng rng(4);
  for (int i = 0; i < 3; ++i) cb.on_failure(t0, rng);
  const Instant retry = *cb.retry_at();
  cb.on_failure(t0 + milliseconds(10), rng);
  EXPECT_EQ(cb.retry_at(), retry);
}

TEST(CircuitBreaker, StateNames) {
  EXPECT_EQ(name(BreakerState::closed), "closed");
  EXPECT_EQ(name(BreakerState::open), "open");
  EXPECT_EQ(name(BreakerState::half_open), "half_open");
}

}  // namespace
}  // namespace hyphae::discovery

// Goal: ReplayWindow accepts each counter at most once and only within the
// window. Method: the vectors of wireguard-go replay/replay_test.go (with our
// 2^60 limit in place of its RejectAfterMessages), then a RapidCheck
// comparison against a std::set model.
#include "crypto/replay_window.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

namespace hyphae::crypto {
namespace {

constexpr std::uint64_t kWindow = ReplayWindow::kWindowSize;
constexpr std::uint64_t kLimit = kRejectAfterMessages;

TEST(CryptoReplayWindow, WireguardVectors) {
  ReplayWindow w;
  int step = 0;
  const auto t = [&](std::uint64_t n, bool expected) {
    ++step;
    EXPECT_EQ(w.would_accept(n), expected) << "step " << step << " counter " << n;
    EXPECT_EQ(w.accept(n), expected) << "step " << step << " counter " << n;
  };
  constexpr std::uint64_t kTLim = kWindow + 1;
  t(0, true);
  t(1, true);
  t(1, false);
  t(9, true);
  t(8, true);
  t(7, true);
  t(7, false);
  t(kTLim, true);
  t(kTLim - 1, true);
  t(kTLim - 1, false);
  t(kTLim - 2, true);
  t(2, true);
  t(2, false);
  t(kTLim + 16, true);
  t(3, false);
  t(kTLim + 16, false);
  t(kTLim * 4, true);
  t(kTLim * 4 - (kTLim - 1), true);
  t(10, false);
  t(kTLim * 4 - kTLim, false);
  t(kTLim * 4 - (kTLim + 1), false);
  t(kTLim * 4 - (kTLim - 2), true);
  t(kTLim * 4 + 1 - kTLim, false);
  t(0, false);
  t(kLimit, false);
  t(kLimit - 1, true);
  t(kLimit, false);
  t(kLimit - 1, false);
  t(kLimit - 2, true);
  t(kLimit + 1, false);
  t(kLimit + 2, false);
  t(kLimit - 2, false);
  t(kLimit - 3, true);
  t(0, false);
}

TEST(CryptoReplayWindow, WireguardBulkVectors) {
  ReplayWindow w;
  // Bulk 1: a full window forward, then the oldest slot still fits.
  for (std::uint64_t i = 1; i <= kWindow; ++i) ASSERT_TRUE(w.accept(i)) << i;
  EXPECT_TRUE(w.accept(0));
  EXPECT_FALSE(w.accept(0));
  // Bulk 2: one further, so 0 falls out.
  w.reset();
  for (std::uint64_t i = 2; i <= kWindow + 1; ++i) ASSERT_TRUE(w.accept(i)) << i;
  EXPECT_TRUE(w.accept(1));
  EXPECT_FALSE(w.accept(0));
  // Bulk 3: backwards through a whole window.
  w.reset();
  for (std::uint64_t i = kWindow + 1; i > 0; --i) ASSERT_TRUE(w.accept(i)) << i;
  // Bulk 4.
  w.reset();
  for (std::uint64_t i = kWindow + 2; i > 1; --i) ASSERT_TRUE(w.accept(i)) << i;
  EXPECT_FALSE(w.accept(0));
  // Bulk 5.
  w.reset();
  for (std::uint64_t i = kWindow; i > 0; --i) ASSERT_TRUE(w.accept(i)) << i;
  EXPECT_TRUE(w.accept(kWindow + 1));
  EXPECT_FALSE(w.accept(0));
  // Bulk 6.
  w.reset();
  for (std::uint64_t i = kWindow; i > 0; --i) ASSERT_TRUE(w.accept(i)) << i;
  EXPECT_TRUE(w.accept(0));
  EXPECT_TRUE(w.accept(kWindow + 1));
}

TEST(CryptoReplayWindow, OutOfOrderWithinWindowAndHugeJumps) {
  ReplayWindow w;
  EXPECT_TRUE(w.accept(5000));
  EXPECT_TRUE(w.accept(3000));  // late but inside
  EXPECT_TRUE(w.accept(4999));
  EXPECT_FALSE(w.accept(3000));
  EXPECT_TRUE(w.accept(1'000'000'000));  // a jump past the whole ring clears it
  EXPECT_FALSE(w.accept(5001));          // now far too old
  EXPECT_TRUE(w.accept(1'000'000'000 - kWindow));
  EXPECT_FALSE(w.accept(1'000'000'000 - kWindow - 1));
}

// The model: accept iff below the limit, never accepted before, and
// counter + kWindowSize >= the newest accepted so far.
struct Model {
  std::set<std::uint64_t> seen;
  std::uint64_t newest = 0;
  bool accept(std::uint64_t counter) {
    if (counter >= kLimit || seen.contains(counter) || counter + kWindow < newest) return false;
    seen.insert(counter);
    newest = std::max(newest, counter);
    return true;
  }
};

RC_GTEST_PROP(CryptoReplayWindowProp, MatchesSetModel, ()) {
  // Steps relative to the newest counter: mostly near it (both sides of the
  // window edge), some far jumps, some near the 2^60 limit.
  const auto steps = *rc::gen::container<std::vector<std::int64_t>>(rc::gen::oneOf(
      rc::gen::inRange<std::int64_t>(-9000, 300), rc::gen::inRange<std::int64_t>(-8200, -8000),
      rc::gen::inRange<std::int64_t>(0, 20000), rc::gen::just<std::int64_t>(std::int64_t{1} << 59)));
  ReplayWindow w;
  Model m;
  for (std::int64_t step : steps) {
    const std::int64_t signed_counter = static_cast<std::int64_t>(m.newest) + step;
    const std::uint64_t counter = signed_counter < 0 ? 0 : static_cast<std::uint64_t>(signed_counter);
    const bool expected = m.accept(counter);
    RC_ASSERT(w.would_accept(counter) == expected);
    RC_ASSERT(w.accept(counter) == expected);
  }
}

}  // namespace
}  // namespace hyphae::crypto

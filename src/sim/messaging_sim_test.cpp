// Goal (issue 7): with 20 % random loss on every link, reordering, and a
// partition that heals, every message is delivered exactly once or reported
// failed to its sender after its deadline. Method: the messaging-chaos
// scenario (12 routed nodes, all four priorities, payloads up to 4 kB so
// most are chunked) over several seeds. The World fails a run on a message
// delivered twice, corrupted, delivered to the wrong node, or acknowledged
// without having been delivered; messages_resolved fails it if any message
// of a live node is still without an outcome at the end.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "sim/run.hpp"

namespace hyphae::sim {
namespace {

class MessagingChaos : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(MessagingChaos, EveryMessageIsDeliveredOnceOrReportedFailed) {
  SimOptions o;
  o.scenario = "messaging-chaos";
  o.seed = GetParam();
  o.progress = false;
  std::ostringstream progress;
  auto s = run_scenario(o, progress);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->ok) << "seed " << GetParam() << "\n" << s->report;
  const auto& m = s->json["messages"];
  const auto sent = m["sent"].get<std::uint64_t>();
  const auto acked = m["acked"].get<std::uint64_t>();
  const auto failed = m["failed"].get<std::uint64_t>();
  EXPECT_GT(sent, 500u);
  EXPECT_EQ(m["unresolved"].get<std::uint64_t>(), 0u);
  // Messages of nodes that crashed would be neither; there are no crashes here.
  EXPECT_EQ(acked + failed, sent);
  // What gets through is printed, not the goal: with 20 % loss on every link
  // a three-hop round trip succeeds a quarter of the time, and a session or a
  // route is sometimes missing for seconds. A floor still catches a message
  // stuck waiting for an event that never comes (the bug that left a message
  // unsent when its RoutedKey answer was lost gave under 40 %).
  EXPECT_GE(acked * 10, sent * 3) << "acked " << acked << " of " << sent;
  EXPECT_GE(m["delivered"].get<std::uint64_t>(), acked);
  std::printf(
      "messaging-chaos seed %llu: sent %llu, acked %llu, failed %llu, delivered %llu, ack p50 %.1f ms, p99 "
      "%.1f ms\n",
      static_cast<unsigned long long>(GetParam()), static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(acked), static_cast<unsigned long long>(failed),
      static_cast<unsigned long long>(m["delivered"].get<std::uint64_t>()), m["ack_p50_ms"].get<double>(),
      m["ack_p99_ms"].get<double>());
}

INSTANTIATE_TEST_SUITE_P(Seeds, MessagingChaos, ::testing::Values(1, 2, 3, 4, 5));

}  // namespace
}  // namespace hyphae::sim

#include "messaging/scheduler.hpp"

#include <gtest/gtest.h>

#include <map>

namespace hyphae::messaging {
namespace {

using wire::Priority;
auto always = [](std::uint64_t) { return true; };

TEST(Scheduler, CriticalIsServedFirstAlways) {
  Scheduler s{SchedulerConfig{}};
  s.push(Priority::low, 1, 10);
  s.push(Priority::high, 2, 10);
  s.push(Priority::critical, 3, 10);
  EXPECT_EQ(s.pick(always), 3u);
  EXPECT_EQ(s.pick(always), 3u);  // still queued until finished
  s.finish(Priority::critical, 3, 10);
  EXPECT_NE(s.pick(always), 3u);
}

TEST(Scheduler, SaturatedClassesShareByWeightAndLowNeverStarves) {
  Scheduler s{SchedulerConfig{}};
  s.push(Priority::high, 1, 0);
  s.push(Priority::medium, 2, 0);
  s.push(Priority::low, 3, 0);
  std::map<std::uint64_t, int> served;
  for (int i = 0; i < 700; ++i) served[*s.pick(always)] += 1;
  EXPECT_EQ(served[1], 400);  // weights 4 : 2 : 1
  EXPECT_EQ(served[2], 200);
  EXPECT_EQ(served[3], 100);
}

TEST(Scheduler, AnIdleClassEarnsNoBurstCredit) {
  Scheduler s{SchedulerConfig{}};
  s.push(Priority::high, 1, 0);
  for (int i = 0; i < 1000; ++i) s.pick(always);  // LOW was idle all along
  s.push(Priority::low, 2, 0);
  std::map<std::uint64_t, int> served;
  for (int i = 0; i < 50; ++i) served[*s.pick(always)] += 1;
  EXPECT_NEAR(served[2], 10, 1);  // its 1/5 share, not 50 in a row
}

TEST(Scheduler, MessagesToABlockedDestinationWaitWithoutBlockingOthers) {
  Scheduler s{SchedulerConfig{}};
  s.push(Priority::high, 1, 0);
  s.push(Priority::high, 2, 0);
  EXPECT_EQ(s.pick([](std::uint64_t id) { return id != 1; }), 2u);
  EXPECT_EQ(s.pick([](std::uint64_t) { return false; }), std::nullopt);
}

TEST(Scheduler, QueuesAreBoundedByCountAndBytes) {
  Scheduler s{SchedulerConfig{.max_messages = 2, .max_bytes = 100}};
  EXPECT_TRUE(s.admit(Priority::low, 100));
  EXPECT_FALSE(s.admit(Priority::low, 101));
  s.push(Priority::low, 1, 60);
  EXPECT_FALSE(s.admit(Priority::low, 41));
  EXPECT_TRUE(s.admit(Priority::high, 100));  // each priority has its own bound
  s.push(Priority::low, 2, 0);
  EXPECT_FALSE(s.admit(Priority::low, 0));
  s.finish(Priority::low, 1, 60);
  EXPECT_TRUE(s.admit(Priority::low, 100));
  EXPECT_EQ(s.queued(Priority::low), 1u);
}

}  // namespace
}  // namespace hyphae::messaging

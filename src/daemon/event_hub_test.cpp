// EventHub: fan-out, bounded queues, cut-off of slow subscribers, the
// subscriber cap. Pure logic: no sockets, no clock.
#include "daemon/event_hub.hpp"

#include <gtest/gtest.h>

namespace hyphae::daemon {
namespace {

nlohmann::json event(int i) { return stream_event("node.failed", "t", "id", {{"i", i}}, 0); }

TEST(EventHub, EverySubscriberGetsEveryEventInOrder) {
  EventHub hub(8, 4);
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  ASSERT_TRUE(a && b);
  int wakes = 0;
  a->set_wake([&] { ++wakes; });
  for (int i = 0; i < 3; ++i) hub.publish(event(i));
  EXPECT_EQ(wakes, 3);
  for (const auto& s : {a, b}) {
    for (int i = 0; i < 3; ++i) {
      auto text = s->pop();
      ASSERT_TRUE(text);
      EXPECT_EQ(nlohmann::json::parse(*text)["data"]["i"], i);
    }
    EXPECT_FALSE(s->pop());
  }
  EXPECT_EQ(hub.counters().published, 3U);
}

TEST(EventHub, ASlowSubscriberIsCutOffAndTheOthersAreNot) {
  EventHub hub(4, 4);
  auto slow = hub.subscribe();
  auto fast = hub.subscribe();
  bool woken_on_overflow = false;
  slow->set_wake([&] { woken_on_overflow = slow->overflowed(); });
  for (int i = 0; i < 10; ++i) {
    hub.publish(event(i));
    ASSERT_TRUE(fast->pop());  // the fast one keeps up
  }
  EXPECT_TRUE(slow->overflowed());
  EXPECT_TRUE(woken_on_overflow);
  EXPECT_EQ(slow->behind(), 5U);  // 4 queued and the one that did not fit
  EXPECT_EQ(slow->queued(), 0U);  // its memory is released at once
  EXPECT_FALSE(slow->pop());
  EXPECT_FALSE(fast->overflowed());
  EXPECT_EQ(hub.subscribers(), 1U);
  EXPECT_EQ(hub.counters().dropped_slow, 1U);
}

TEST(EventHub, SubscribersAreCappedAndClosedOnesFreeTheirPlace) {
  EventHub hub(4, 2);
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(hub.subscribe());
  EXPECT_EQ(hub.counters().rejected, 1U);
  a->close();
  EXPECT_EQ(hub.subscribers(), 1U);
  auto c = hub.subscribe();
  EXPECT_TRUE(c);
  hub.publish(event(1));
  EXPECT_FALSE(a->pop());  // closed: nothing more is queued
  EXPECT_TRUE(c->pop());
}

TEST(EventHub, PublishingWithoutSubscribersCostsNothingButACount) {
  EventHub hub(1, 1);
  hub.publish(event(1));
  EXPECT_EQ(hub.counters().published, 1U);
  EXPECT_EQ(hub.subscribers(), 0U);
}

}  // namespace
}  // namespace hyphae::daemon

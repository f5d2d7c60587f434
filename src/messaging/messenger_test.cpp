#include "messaging/messenger.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace hyphae::messaging {
namespace {

using wire::MessageType;
using wire::Priority;

crypto::NodeId node(std::uint8_t b) {
  crypto::NodeId id{};
  id.bytes[0] = b;
  return id;
}

Submission message(std::uint64_t id, std::size_t size, Priority p = Priority::medium,
                   Instant deadline = Instant{} + seconds(30)) {
  return Submission{.id = id,
                    .to = node(2),
                    .type = MessageType::task,
                    .priority = p,
                    .payload = Bytes(size, static_cast<std::uint8_t>(id)),
                    .created = Instant{},
                    .deadline = deadline};
}

auto any_room = [](const crypto::NodeId&) { return true; };

TEST(Messenger, AMessageIsDeliveredWhenEveryChunkIsAcked) {
  Messenger m{MessengerConfig{}};
  ASSERT_TRUE(m.submit(message(1, 2 * kChunkSize + 5)));
  std::vector<Segment> segs;
  while (auto s = m.next_segment(any_room)) segs.push_back(*s);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_FALSE(m.has_queued());
  EXPECT_EQ(m.on_segment_acked(Instant{} + milliseconds(5), 1), std::nullopt);
  EXPECT_EQ(m.on_segment_acked(Instant{} + milliseconds(6), 1), std::nullopt);
  auto done = m.on_segment_acked(Instant{} + milliseconds(7), 1);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->latency, milliseconds(7));
  EXPECT_EQ(m.stats().by_priority[2].delivered, 1u);
  EXPECT_EQ(m.pending(), 0u);
}

TEST(Messenger, AFailedChunkFailsTheMessageOnceAndStopsTheRest) {
  Messenger m{MessengerConfig{}};
  ASSERT_TRUE(m.submit(message(1, 3 * kChunkSize)));
  ASSERT_TRUE(m.next_segment(any_room).has_value());
  auto f = m.fail(1, "deadline");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, "deadline");
  EXPECT_EQ(m.fail(1, "deadline"), std::nullopt);
  EXPECT_EQ(m.next_segment(any_room), std::nullopt);
  EXPECT_EQ(m.stats().by_priority[2].failed, 1u);
}

TEST(Messenger, QueuedMessagesExpireAtTheirDeadline) {
  Messenger m{MessengerConfig{}};
  ASSERT_TRUE(m.submit(message(1, 10, Priority::low, Instant{} + seconds(1))));
  ASSERT_TRUE(m.submit(message(2, 10, Priority::low, Instant{} + seconds(2))));
  EXPECT_EQ(m.next_deadline(), Instant{} + seconds(1));
  auto expired = m.take_expired(Instant{} + seconds(1));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, 1u);
  EXPECT_TRUE(m.has_queued());
}

TEST(Messenger, AFullQueueRefusesAndCounts) {
  Messenger m{MessengerConfig{.scheduler = {.max_messages = 1}}};
  EXPECT_TRUE(m.submit(message(1, 10, Priority::low)));
  EXPECT_FALSE(m.submit(message(2, 10, Priority::low)));
  EXPECT_TRUE(m.submit(message(3, 10, Priority::high)));
  EXPECT_EQ(m.stats().by_priority[3].rejected, 1u);
}

TEST(Messenger, OnlyDestinationsWithRoomGetChunks) {
  Messenger m{MessengerConfig{}};
  auto to3 = message(2, 10);
  to3.to = node(3);
  ASSERT_TRUE(m.submit(message(1, 10)));
  ASSERT_TRUE(m.submit(to3));
  auto s = m.next_segment([](const crypto::NodeId& n) { return n == node(3); });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->message_id, 2u);
  EXPECT_EQ(m.next_segment([](const crypto::NodeId& n) { return n == node(3); }), std::nullopt);
}

TEST(Messenger, ReceiverDeliversOncePerSenderAndRemembersAcrossRestarts) {
  Bytes seg;
  const Bytes payload{'h', 'i'};
  encode_chunk(seg, 77, 5, payload, 0);
  Messenger rx{MessengerConfig{}};
  auto first = rx.on_segment(Instant{}, node(1), seg);
  EXPECT_EQ(first.verdict, Inbound::Verdict::deliver);
  EXPECT_EQ(first.payload, payload);
  EXPECT_EQ(first.reply_to, 5u);
  EXPECT_EQ(rx.on_segment(Instant{}, node(1), seg).verdict, Inbound::Verdict::duplicate);
  EXPECT_EQ(rx.on_segment(Instant{}, node(9), seg).verdict,
            Inbound::Verdict::deliver);  // another sender's 77
  Messenger restarted{MessengerConfig{}};
  restarted.remember_delivered(node(1), 77);
  EXPECT_EQ(restarted.on_segment(Instant{}, node(1), seg).verdict, Inbound::Verdict::duplicate);
  EXPECT_EQ(rx.on_segment(Instant{}, node(1), Bytes{0xff}).verdict, Inbound::Verdict::drop);
}

// A lossy, reordering, duplicating channel with a receiver that may crash
// and restart (keeping only what it had delivered, as the daemon's inbox
// does). Every message ends delivered exactly once, or failed at its
// sender; a message the sender saw acked was delivered.
RC_GTEST_PROP(Messenger, ExactlyOnceOrFailedOverABadChannel, ()) {
  const auto count = *rc::gen::inRange<std::uint64_t>(1, 12);
  const auto loss = *rc::gen::inRange(0, 40);  // percent, each way
  const bool crash = *rc::gen::arbitrary<bool>();
  const auto seed = *rc::gen::arbitrary<std::uint32_t>();
  std::mt19937 rng(seed);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };

  Messenger tx{MessengerConfig{.window = 4}};
  auto rx = std::make_unique<Messenger>(MessengerConfig{});
  std::map<std::uint64_t, Bytes> sent;
  for (std::uint64_t id = 1; id <= count; ++id) {
    auto s = message(id, *rc::gen::inRange<std::size_t>(0, 4 * kChunkSize), Priority::medium,
                     Instant{} + seconds(20));
    for (auto& b : s.payload) b = static_cast<std::uint8_t>(rng());
    sent[id] = s.payload;
    RC_ASSERT(tx.submit(std::move(s)));
  }
  struct InFlight {
    std::uint64_t message_id;
    Bytes bytes;
  };
  std::map<std::uint64_t, InFlight> in_flight;  // by segment number: the transport's unacked segments
  std::uint64_t next_segment = 0;
  std::map<std::uint64_t, int> delivered;
  std::set<std::uint64_t> acked, failed;
  std::set<std::uint64_t> delivered_before_crash;
  for (int round = 0; round < 40; ++round) {
    const Instant now = Instant{} + seconds(round);
    for (auto& f : tx.take_expired(now)) failed.insert(f.id);
    if (now >= Instant{} + seconds(20)) {
      for (auto& [n, seg] : in_flight) {
        if (auto f = tx.fail(seg.message_id, "deadline")) failed.insert(f->id);
      }
      in_flight.clear();
    }
    while (in_flight.size() < 4) {
      auto seg = tx.next_segment(any_room);
      if (!seg) break;
      in_flight[next_segment++] = InFlight{seg->message_id, std::move(seg->bytes)};
    }
    if (crash && round == 5) {
      rx = std::make_unique<Messenger>(MessengerConfig{});
      for (const auto& [id, n] : delivered) rx->remember_delivered(node(1), id);
    }
    std::vector<std::uint64_t> order;
    for (const auto& [n, seg] : in_flight) {
      order.push_back(n);
      if (chance(20)) order.push_back(n);  // duplicated
    }
    std::shuffle(order.begin(), order.end(), rng);
    for (auto n : order) {
      auto it = in_flight.find(n);
      if (it == in_flight.end() || chance(loss)) continue;
      auto in = rx->on_segment(now, node(1), it->second.bytes);
      RC_ASSERT(in.verdict != Inbound::Verdict::drop);
      if (in.verdict == Inbound::Verdict::deliver) {
        RC_ASSERT(in.payload == sent.at(in.id));
        delivered[in.id] += 1;
      }
      const bool ack = in.verdict != Inbound::Verdict::hold;
      if (ack && !chance(loss)) {
        if (auto d = tx.on_segment_acked(now, it->second.message_id)) acked.insert(d->id);
        in_flight.erase(it);
      }
    }
  }
  for (std::uint64_t id = 1; id <= count; ++id) {
    RC_ASSERT(delivered[id] <= 1);
    RC_ASSERT(acked.contains(id) != failed.contains(id));  // every message has one outcome
    if (acked.contains(id)) RC_ASSERT(delivered[id] == 1);
  }
}

}  // namespace
}  // namespace hyphae::messaging

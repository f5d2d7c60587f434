// Whole nodes on virtual time: a tiny quinn-style "pair" harness that moves
// datagrams between Nodes with a fixed one-way delay and optional loss.
#include "node/node.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>

namespace hyphae::node {
namespace {

struct Harness {
  struct Member {
    crypto::SeededKeySource keys;
    crypto::Identity identity;
    Endpoint address;
    std::unique_ptr<Node> node;
    std::vector<NodeEvent> events;
  };
  struct InFlight {
    Instant at;
    std::size_t to;
    Endpoint from;
    Bytes data;
  };

  Instant now{1'000'000'000};
  Duration delay = milliseconds(10);
  std::function<bool(const Bytes&)> drop_if;  // loss model: return true to lose a datagram
  std::vector<std::unique_ptr<Member>> members;
  std::vector<InFlight> wire;
  Rng rng{99};

  std::size_t add(std::uint64_t seed, NodeConfig cfg = {}) {
    auto m = std::make_unique<Member>(Member{
        .keys = crypto::SeededKeySource(seed), .identity = {}, .address = {}, .node = nullptr, .events = {}});
    m->identity = crypto::Identity::generate(m->keys);
    m->address = Endpoint::v4(0x0a000001 + static_cast<std::uint32_t>(members.size()), 9900);
    m->node = std::make_unique<Node>(cfg, m->identity, m->keys, Rng{seed}, now);
    members.push_back(std::move(m));
    return members.size() - 1;
  }
  Node& node(std::size_t i) { return *members[i]->node; }
  const crypto::NodeId& id(std::size_t i) { return members[i]->identity.id; }

  void drain(std::size_t i) {
    Member& m = *members[i];
    while (auto t = m.node->poll_transmit()) {
      for (std::size_t j = 0; j < members.size(); ++j) {
        if (members[j]->address == t->to && !(drop_if && drop_if(t->data))) {
          wire.push_back(InFlight{now + delay, j, m.address, std::move(t->data)});
        }
      }
    }
    while (auto e = m.node->poll_event()) m.events.push_back(std::move(*e));
  }

  // Advances virtual time to `until`, delivering datagrams and firing timers in order.
  void run_until(Instant until) {
    for (;;) {
      std::optional<Instant> next;
      for (const auto& f : wire) next = next ? std::min(*next, f.at) : f.at;
      for (auto& m : members) {
        if (auto d = m->node->poll_deadline()) next = next ? std::min(*next, *d) : *d;
      }
      if (!next || *next > until) break;
      now = std::max(now, *next);
      auto due =
          std::stable_partition(wire.begin(), wire.end(), [&](const InFlight& f) { return f.at > now; });
      std::vector<InFlight> deliver(std::make_move_iterator(due), std::make_move_iterator(wire.end()));
      wire.erase(due, wire.end());
      for (auto& f : deliver) {
        members[f.to]->node->on_datagram(now, f.from, f.data);
        drain(f.to);
      }
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (auto d = node(i).poll_deadline(); d && *d <= now) {
          node(i).on_tick(now);
          drain(i);
        }
      }
    }
    now = until;
  }
  void run_for(Duration d) { run_until(now + d); }

  // Input helpers: each applies one input and drains, as a driver must.
  void dial(std::size_t from, std::size_t to) {
    node(from).dial(now, members[to]->address);
    drain(from);
  }
  Result<std::uint64_t, SendError> send(std::size_t from, std::size_t to, std::string_view text,
                                        wire::Priority priority = wire::Priority::low) {
    auto r = node(from).send(now, id(to), wire::MessageType::task, priority, as_bytes(text));
    drain(from);
    return r;
  }

  template <class E>
  std::vector<E> events_of(std::size_t i) {
    std::vector<E> out;
    for (const auto& e : members[i]->events) {
      if (const auto* x = std::get_if<E>(&e)) out.push_back(*x);
    }
    return out;
  }
};

TEST(Node, TwoNodesConnectAndExchangeAMessage) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.run_for(seconds(1));
  ASSERT_EQ(h.events_of<PeerConnected>(a).size(), 1u);
  ASSERT_EQ(h.events_of<PeerConnected>(b).size(), 1u);
  EXPECT_EQ(h.events_of<PeerConnected>(a)[0].id, h.id(b));
  EXPECT_EQ(h.events_of<PeerConnected>(b)[0].id, h.id(a));

  const std::string text = "hello mesh";
  auto id =
      h.node(a).send(h.now, h.id(b), wire::MessageType::notification, wire::Priority::high, as_bytes(text));
  ASSERT_TRUE(id.has_value());
  h.drain(a);
  h.run_for(seconds(1));
  auto got = h.events_of<MessageReceived>(b);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, h.id(a));
  EXPECT_EQ(got[0].type, wire::MessageType::notification);
  EXPECT_EQ(got[0].priority, wire::Priority::high);
  EXPECT_EQ(as_chars(got[0].payload), text);
  auto acked = h.events_of<MessageAcked>(a);
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_EQ(acked[0].id, *id);
  EXPECT_EQ(acked[0].latency, milliseconds(20));  // one round trip of 2 x 10 ms
}

TEST(Node, MessageQueuedBeforeConnectIsDeliveredOnConnect) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  ASSERT_TRUE(
      h.node(a).send(h.now, h.id(b), wire::MessageType::task, wire::Priority::low, as_bytes("early")));
  h.dial(a, b);
  h.run_for(seconds(1));
  ASSERT_EQ(h.events_of<MessageReceived>(b).size(), 1u);
  EXPECT_EQ(h.events_of<MessageAcked>(a).size(), 1u);
}

TEST(Node, LossyLinkDeliversEveryMessageExactlyOnce) {
  Harness h;
  Rng loss{7};
  h.drop_if = [&](const Bytes&) { return loss.unit() < 0.3; };
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.run_for(seconds(10));
  ASSERT_EQ(h.events_of<PeerConnected>(a).size(), 1u);
  constexpr int kMessages = 200;
  for (int i = 0; i < kMessages; ++i) {
    const std::string text = "m" + std::to_string(i);
    ASSERT_TRUE(
        h.node(a).send(h.now, h.id(b), wire::MessageType::task, wire::Priority::medium, as_bytes(text)));
  }
  h.drain(a);
  h.run_for(seconds(31));  // past the 30 s message deadline: every message has an outcome
  std::map<std::string, int> seen;
  for (const auto& m : h.events_of<MessageReceived>(b)) seen[std::string(as_chars(m.payload))] += 1;
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kMessages));
  for (const auto& [text, n] : seen) EXPECT_EQ(n, 1) << text;
  // Each message ends acked or failed, never both, never neither. An ack can
  // be lost every time, so a few delivered messages may still be reported failed.
  const auto acked = h.events_of<MessageAcked>(a).size();
  EXPECT_EQ(acked + h.events_of<MessageFailed>(a).size(), static_cast<std::size_t>(kMessages));
  EXPECT_GE(acked, static_cast<std::size_t>(kMessages * 95 / 100));
  EXPECT_EQ(h.node(a).outbox_size(), 0u);
  EXPECT_GT(h.node(a).counters().messages_retransmitted, 0u);
  EXPECT_GT(h.node(b).counters().messages_duplicate, 0u);  // lost acks were answered again, not redelivered
}

TEST(Node, MessageToAnUnreachablePeerFailsAtItsDeadline) {
  Harness h;
  auto a = h.add(1);
  crypto::SeededKeySource other(5);
  const auto stranger = crypto::Identity::generate(other).id;
  auto id = h.node(a).send(h.now, stranger, wire::MessageType::task, wire::Priority::low, as_bytes("x"));
  ASSERT_TRUE(id);
  h.run_for(seconds(31));
  auto failed = h.events_of<MessageFailed>(a);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, *id);
  EXPECT_EQ(failed[0].reason, "peer_unreachable");
}

TEST(Node, SilentPeerIsLostAfterTheSessionTimeoutAndRedialled) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.run_for(seconds(1));
  ASSERT_EQ(h.events_of<PeerConnected>(a).size(), 1u);
  bool cut = true;
  h.drop_if = [&](const Bytes&) { return cut; };
  h.run_for(seconds(21));
  ASSERT_EQ(h.events_of<PeerLost>(a).size(), 1u);
  EXPECT_EQ(h.events_of<PeerLost>(a)[0].reason, "timeout");
  cut = false;
  h.run_for(seconds(35));  // dial backoff is at most 30 s
  EXPECT_EQ(h.events_of<PeerConnected>(a).size(), 2u);
}

TEST(Node, BothSidesDiallingAtOnceAgreeOnOneSession) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.dial(b, a);
  h.run_for(seconds(30));
  EXPECT_EQ(h.events_of<PeerConnected>(a).size(), 1u);
  EXPECT_EQ(h.events_of<PeerLost>(a).size(), 0u);
  ASSERT_TRUE(h.send(a, b, "x"));
  h.run_for(seconds(1));
  EXPECT_EQ(h.events_of<MessageReceived>(b).size(), 1u);
}

TEST(Node, SessionsRekeyWithoutLosingThePeer) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.run_for(seconds(400));  // past REKEY_AFTER (120 s) and REJECT_AFTER (180 s) twice
  EXPECT_EQ(h.events_of<PeerConnected>(a).size(), 1u);
  EXPECT_EQ(h.events_of<PeerLost>(a).size(), 0u);
  EXPECT_GE(h.node(a).counters().handshakes_completed, 3u);
  ASSERT_TRUE(h.send(a, b, "x"));
  h.run_for(seconds(1));
  EXPECT_EQ(h.events_of<MessageReceived>(b).size(), 1u);
}

TEST(Node, CloseAllMakesPeersForgetAtOnce) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.run_for(seconds(1));
  ASSERT_EQ(h.events_of<PeerConnected>(b).size(), 1u);
  h.node(a).close_all(h.now);
  h.drain(a);
  h.run_for(milliseconds(50));
  auto lost = h.events_of<PeerLost>(b);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].reason, "closed");
  EXPECT_TRUE(h.node(b).peers().empty());
}

TEST(Node, RoutesAMessageThroughANeighbourAndClosesCleanly) {
  // a - b - c: a and c have no session; routing carries a's message over b,
  // sealed to c, and the ack back. Then a shuts down with routed
  // neighbours (close_all once read freed memory here; ASan checks).
  Harness h;
  NodeConfig cfg;
  cfg.routing = routing::RouterConfig{};
  auto a = h.add(1, cfg), b = h.add(2, cfg), c = h.add(3, cfg);
  h.dial(a, b);
  h.dial(c, b);
  h.run_for(seconds(2));
  ASSERT_TRUE(h.events_of<PeerConnected>(a).size() == 1 && h.events_of<PeerConnected>(c).size() == 1);
  const std::string text = "two hops";
  auto id = h.node(a).send(h.now, h.id(c), wire::MessageType::task, wire::Priority::medium, as_bytes(text));
  ASSERT_TRUE(id.has_value());
  h.drain(a);
  h.run_for(seconds(2));
  auto got = h.events_of<MessageReceived>(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, h.id(a));
  EXPECT_EQ(as_chars(got[0].payload), text);
  ASSERT_EQ(h.events_of<MessageAcked>(a).size(), 1u);
  EXPECT_GE(h.node(b).counters().routed_forwarded, 2u);  // the message and its ack
  h.node(a).close_all(h.now);
  h.drain(a);
  EXPECT_TRUE(h.node(a).peers().empty());
}

TEST(Node, GarbageIsDroppedAndCountedByReason) {
  Harness h;
  auto a = h.add(1);
  const Endpoint from = *Endpoint::parse("10.9.9.9:1");
  h.node(a).on_datagram(h.now, from, Bytes{});
  h.node(a).on_datagram(h.now, from, Bytes{9, 1, 0, 0, 1, 2, 3, 4});
  Bytes transport{1, 4, 0, 0, 0, 0, 0, 5};
  transport.resize(40, 0);
  h.node(a).on_datagram(h.now, from, transport);
  const auto& c = h.node(a).counters();
  EXPECT_EQ(c.rx_dropped[static_cast<std::size_t>(wire::Drop::truncated)], 1u);
  EXPECT_EQ(c.rx_dropped[static_cast<std::size_t>(wire::Drop::bad_version)], 1u);
  EXPECT_EQ(c.rx_dropped[static_cast<std::size_t>(wire::Drop::unknown_session)], 1u);
  EXPECT_EQ(c.dropped_total(), 3u);
  EXPECT_FALSE(h.node(a).poll_transmit());
}

TEST(Node, LargeMessageTravelsInChunksAndIsDeliveredWholeOnceOverALossyLink) {
  Harness h;
  Rng loss{3};
  h.drop_if = [&](const Bytes&) { return loss.unit() < 0.1; };
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.run_for(seconds(5));
  Bytes big(300'000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 31 + 7);
  auto id = h.node(a).send(h.now, h.id(b), wire::MessageType::task, wire::Priority::medium, big);
  ASSERT_TRUE(id.has_value());
  h.drain(a);
  h.run_for(seconds(30));
  auto got = h.events_of<MessageReceived>(b);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, *id);
  EXPECT_EQ(got[0].payload, big);
  ASSERT_EQ(h.events_of<MessageAcked>(a).size(), 1u);
  EXPECT_EQ(h.events_of<MessageAcked>(a)[0].id, *id);
  EXPECT_EQ(h.node(a).outbox_size(), 0u);
  EXPECT_EQ(h.node(a).messaging_stats().by_priority[2].delivered, 1u);
}

TEST(Node, AResponseNamesTheQueryItAnswers) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.run_for(seconds(1));
  auto q = h.node(a).send(h.now, h.id(b), wire::MessageType::query, wire::Priority::high, as_bytes("ping?"));
  ASSERT_TRUE(q.has_value());
  h.drain(a);
  h.run_for(milliseconds(50));
  auto asked = h.events_of<MessageReceived>(b);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].reply_to, std::nullopt);
  ASSERT_TRUE(h.node(b).send(h.now, h.id(a), wire::MessageType::response, wire::Priority::high,
                             as_bytes("pong"), SendOptions{.reply_to = asked[0].id}));
  h.drain(b);
  h.run_for(milliseconds(50));
  auto answer = h.events_of<MessageReceived>(a);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0].reply_to, *q);
  EXPECT_EQ(answer[0].type, wire::MessageType::response);
}

TEST(Node, AMessageRestoredAfterASenderRestartIsNotDeliveredTwice) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  h.dial(a, b);
  h.run_for(seconds(1));
  auto id = h.send(a, b, "once");
  ASSERT_TRUE(id.has_value());
  h.run_for(seconds(1));
  ASSERT_EQ(h.events_of<MessageReceived>(b).size(), 1u);
  // The sender crashed before it saw the ack and restores the message from
  // its durable outbox, under the same id; the receiver acks it but does not
  // deliver it again.
  ASSERT_TRUE(h.node(a).send(h.now, h.id(b), wire::MessageType::task, wire::Priority::low, as_bytes("once"),
                             SendOptions{.id = *id}));
  h.drain(a);
  h.run_for(seconds(1));
  EXPECT_EQ(h.events_of<MessageReceived>(b).size(), 1u);
  EXPECT_EQ(h.events_of<MessageAcked>(a).size(), 2u);
  EXPECT_EQ(h.node(b).messaging_stats().duplicates, 1u);
}

TEST(Node, AFullPriorityQueueRefusesWithQueueFull) {
  Harness h;
  NodeConfig cfg;
  cfg.messaging.scheduler.max_messages = 2;
  cfg.messaging.window = 1;
  auto a = h.add(1, cfg), b = h.add(2);
  EXPECT_TRUE(h.send(a, b, "1"));  // in the window
  EXPECT_TRUE(h.send(a, b, "2"));  // queued
  EXPECT_TRUE(h.send(a, b, "3"));  // queued
  auto r = h.send(a, b, "4");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::queue_full);
  EXPECT_TRUE(h.send(a, b, "critical", wire::Priority::critical));  // another priority's queue
}

TEST(Node, ABroadcastReachesEveryNodeOnceOverEveryPath) {
  Harness h;
  // a - b - c - d, plus a - c: c hears the broadcast twice, delivers it once.
  auto a = h.add(1), b = h.add(2), c = h.add(3), d = h.add(4);
  h.dial(a, b);
  h.dial(b, c);
  h.dial(c, d);
  h.dial(a, c);
  h.run_for(seconds(1));
  auto id =
      h.node(a).broadcast(h.now, wire::MessageType::notification, wire::Priority::high, as_bytes("all"));
  ASSERT_TRUE(id.has_value());
  h.drain(a);
  h.run_for(seconds(1));
  for (auto n : {b, c, d}) {
    auto got = h.events_of<MessageReceived>(n);
    ASSERT_EQ(got.size(), 1u) << n;
    EXPECT_TRUE(got[0].broadcast);
    EXPECT_EQ(got[0].from, h.id(a));
    EXPECT_EQ(got[0].id, *id);
    EXPECT_EQ(as_chars(got[0].payload), "all");
  }
  EXPECT_TRUE(h.events_of<MessageReceived>(a).empty());  // its echo is a duplicate
  const auto dups = h.node(a).counters().floods_duplicate + h.node(b).counters().floods_duplicate +
                    h.node(c).counters().floods_duplicate + h.node(d).counters().floods_duplicate;
  EXPECT_GE(dups, 1u);
  // Datagrams: each node passes it to its other neighbours once, so the
  // 4 edges carry at most 2 copies each.
  std::uint64_t forwarded = 0;
  for (auto n : {a, b, c, d}) forwarded += h.node(n).counters().floods_forwarded;
  EXPECT_LE(forwarded + 2, 2u * 4u);
  const Bytes big(wire::kMaxFloodPayload + 1, 0);
  auto r = h.node(a).broadcast(h.now, wire::MessageType::notification, wire::Priority::low, big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::payload_too_large);
}

TEST(Node, SendRefusesOversizedPayloadsAndItself) {
  Harness h;
  auto a = h.add(1), b = h.add(2);
  const Bytes big(messaging::kMaxMessageSize + 1, 0);
  auto r = h.node(a).send(h.now, h.id(b), wire::MessageType::task, wire::Priority::low, big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::payload_too_large);
  r = h.node(a).send(h.now, h.id(a), wire::MessageType::task, wire::Priority::low, as_bytes("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::to_self);
}

}  // namespace
}  // namespace hyphae::node

// Goal: SWIM + Lifeguard behave as memberlist users expect: a joined cluster
// converges, a crashed member is declared dead by everyone within the
// suspicion bound, a live member refutes suspicion, a graceful leave is not a
// failure, a restart with a higher incarnation recovers, and forged, replayed
// or malformed records change nothing and are counted.
// Method: a small discrete-event harness (5 ms links, optional loss) over
// real Membership cores with real Ed25519 records.
#include "membership/membership.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "crypto/key_source.hpp"
#include "wire/writer.hpp"

namespace hyphae::membership {
namespace {

Endpoint addr(std::size_t i) { return Endpoint::v4(0x0a000001 + static_cast<std::uint32_t>(i), 7946); }

struct Cluster {
  MembershipConfig cfg;
  MemoVerifier verifier;
  crypto::SeededKeySource keys{11};
  std::vector<std::unique_ptr<crypto::Identity>> ids;
  std::vector<std::unique_ptr<Membership>> nodes;  // null while crashed
  std::vector<std::vector<MemberEvent>> events;
  std::multimap<Instant, std::tuple<std::size_t, Endpoint, Bytes>> wire;
  Instant now{};
  double loss = 0;
  Rng rng{5};

  explicit Cluster(std::size_t n, MembershipConfig c = {}) : cfg(c) {
    for (std::size_t i = 0; i < n; ++i) {
      ids.push_back(std::make_unique<crypto::Identity>(crypto::Identity::generate(keys)));
      nodes.push_back(nullptr);
      events.emplace_back();
      boot(i, 0);
    }
  }
  void boot(std::size_t i, std::uint64_t incarnation) {
    nodes[i] = std::make_unique<Membership>(cfg, *ids[i], verifier, addr(i), incarnation, Rng(100 + i), now);
  }
  void join_all_to(std::size_t seed) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (i != seed) nodes[i]->join(now, {addr(seed)});
      drain(i);
    }
  }
  std::optional<std::size_t> index_of(const Endpoint& e) const {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (addr(i) == e) return i;
    }
    return std::nullopt;
  }
  std::optional<std::size_t> log_from;  // keep what this node sends in `logged`
  std::vector<Bytes> logged;
  void drain(std::size_t i) {
    if (!nodes[i]) return;
    while (auto t = nodes[i]->poll_transmit()) {
      if (log_from == i) logged.push_back(t->data);
      auto to = index_of(t->to);
      if (!to || rng.unit() < loss) continue;
      wire.emplace(now + milliseconds(5), std::make_tuple(*to, addr(i), std::move(t->data)));
    }
    while (auto e = nodes[i]->poll_event()) events[i].push_back(*e);
  }
  void run_for(Duration d) {
    const Instant until = now + d;
    while (true) {
      Instant next = until;
      if (!wire.empty()) next = std::min(next, wire.begin()->first);
      for (auto& n : nodes) {
        if (n && n->poll_deadline()) next = std::min(next, *n->poll_deadline());
      }
      if (next >= until && (wire.empty() || wire.begin()->first > until)) {
        now = until;
        return;
      }
      now = std::max(now, next);
      while (!wire.empty() && wire.begin()->first <= now) {
        auto [to, from, data] = std::move(wire.begin()->second);
        wire.erase(wire.begin());
        if (nodes[to]) {
          nodes[to]->on_packet(now, from, data);
          drain(to);
        }
      }
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i] && nodes[i]->poll_deadline() && *nodes[i]->poll_deadline() <= now) {
          nodes[i]->on_tick(now);
          drain(i);
        }
      }
    }
  }
  std::optional<State> view(std::size_t observer, std::size_t subject) const {
    return nodes[observer]->state_of(ids[subject]->id);
  }
  bool all_see(std::size_t subject, State s) const {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (i != subject && nodes[i] && view(i, subject) != s) return false;
    }
    return true;
  }
  std::size_t count_events(MemberEvent::Kind k, std::size_t subject) const {
    std::size_t c = 0;
    for (const auto& evs : events) {
      for (const auto& e : evs) c += e.kind == k && e.id == ids[subject]->id ? 1 : 0;
    }
    return c;
  }
  // Delivers a handcrafted datagram to node `to`, as if from node `from`.
  void inject(std::size_t to, std::size_t from, const std::vector<Bytes>& records) {
    GossipWriter w(ids[from]->id);
    for (const auto& r : records) EXPECT_TRUE(w.add(RecordItem{r}));
    const Bytes data = w.finish();
    nodes[to]->on_packet(now, addr(from), data);
    drain(to);
  }
};

TEST(Membership, ClusterJoinedThroughOneSeedConverges) {
  Cluster c(10);
  c.join_all_to(0);
  c.run_for(seconds(5));
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(c.nodes[i]->alive_count(), 10u) << "node " << i;
  }
  EXPECT_EQ(c.count_events(MemberEvent::Kind::discovered, 3), 9u);  // each other node discovered 3 once
}

// The seed hears of every joiner first and answers from its byte budget;
// joiners pull from it once more, then from each other.
TEST(Membership, MassJoinThroughOneSeedGivesEveryoneTheTableWithinTwoSeconds) {
  Cluster c(60);
  c.join_all_to(0);
  c.run_for(seconds(2));
  for (std::size_t i = 0; i < 60; ++i) EXPECT_EQ(c.nodes[i]->size(), 60u) << "node " << i;
}

std::uint64_t sync_answer_bytes(const Membership& m) {
  return m.counters().bytes_out_by[static_cast<std::size_t>(Traffic::sync_answer)];
}

TEST(Membership, SyncsBetweenMatchingTablesAreSmallAndALateJoinerGetsOnlyWhatItLacks) {
  Cluster c(40);
  c.join_all_to(0);
  c.run_for(seconds(5));
  std::uint64_t answers = 0, answered = 0;
  for (const auto& n : c.nodes) {
    ASSERT_EQ(n->size(), 40u);
    answers += sync_answer_bytes(*n);
    answered += n->counters().syncs_answered;
  }
  // Periodic syncs (every 30-45 s at 40 members) find the fingerprints
  // alike: one datagram of about 60 bytes each, never the table (40 x 158 B).
  c.run_for(seconds(90));
  std::uint64_t answers_after = 0, answered_after = 0;
  for (const auto& n : c.nodes) {
    answers_after += sync_answer_bytes(*n);
    answered_after += n->counters().syncs_answered;
  }
  ASSERT_GT(answered_after, answered + 40);
  EXPECT_LT((answers_after - answers) / (answered_after - answered), 100u);

  // A member joining the converged mesh is sent about one table in all.
  crypto::SeededKeySource late_keys(123);
  c.ids.push_back(std::make_unique<crypto::Identity>(crypto::Identity::generate(late_keys)));
  c.nodes.push_back(nullptr);
  c.events.emplace_back();
  c.boot(40, 0);
  c.nodes[40]->join(c.now, {addr(0)});
  c.drain(40);
  c.run_for(seconds(3));
  std::uint64_t answers_late = 0;
  for (const auto& n : c.nodes) answers_late += sync_answer_bytes(*n);
  for (std::size_t i = 0; i < c.nodes.size(); ++i) EXPECT_EQ(c.nodes[i]->size(), 41u) << "node " << i;
  const std::uint64_t table = 41 * (kMaxRecordSize + 3);
  EXPECT_LT(answers_late - answers_after, 2 * table);
}

TEST(Membership, SyncAnswersAndRequestsStayWithinTheirByteBudgets) {
  MembershipConfig cfg;
  cfg.sync_bytes_per_second = 2000;
  cfg.sync_burst_bytes = 8000;
  cfg.sync_answer_max = 4000;
  cfg.pull_bytes_per_second = 100;
  cfg.pull_burst_bytes = 1000;
  cfg.sync_fingerprints_max = 8;  // many small requests a pass: a request is at most ~220 B
  Cluster c(80, cfg);
  c.join_all_to(0);
  c.run_for(seconds(20));
  // The seed answered 79 joiners, and more requests after them. Records
  // never take more than its burst and rate; past them, an answer is one
  // datagram holding only the answer's header.
  GossipWriter header_only(c.ids[0]->id);
  header_only.add(Sync{.complete = true, .cookie = 1, .ranged = true});
  const auto& seed = *c.nodes[0];
  EXPECT_LE(sync_answer_bytes(seed), cfg.sync_burst_bytes + 20 * cfg.sync_bytes_per_second +
                                         seed.counters().syncs_answered * header_only.size());
  // Requests keep to theirs, give or take the one that overdraws the bucket
  // and the join request.
  const auto requests = [](const Membership& m) {
    return m.counters().bytes_out_by[static_cast<std::size_t>(Traffic::sync_request)];
  };
  for (std::size_t i = 1; i < 80; ++i) {
    EXPECT_LE(requests(*c.nodes[i]), cfg.pull_burst_bytes + 20 * cfg.pull_bytes_per_second + 2 * 220)
        << "node " << i;
  }
  // Slower, but everyone gets there.
  c.run_for(seconds(40));
  for (std::size_t i = 0; i < 80; ++i) EXPECT_EQ(c.nodes[i]->size(), 80u) << "node " << i;
}

// A mesh larger than one request's fingerprints is walked range by range:
// with 8 a request, 40 members take several ranges per pass, and a member
// that missed part of the mesh gets exactly that part back.
TEST(Membership, SyncWalksTheIdSpaceInRangesWhenTheTableOutgrowsARequest) {
  MembershipConfig cfg;
  cfg.sync_fingerprints_max = 8;
  Cluster c(40, cfg);
  c.log_from = 5;
  c.join_all_to(0);
  c.run_for(seconds(10));
  for (std::size_t i = 0; i < 40; ++i) EXPECT_EQ(c.nodes[i]->size(), 40u) << "node " << i;
  std::set<std::pair<std::uint16_t, std::uint16_t>> ranges;
  for (const auto& data : c.logged) {
    auto p = decode_gossip(data);
    ASSERT_TRUE(p);
    for (std::size_t i = 0; i < p->count; ++i) {
      const auto* s = std::get_if<Sync>(&p->items[i]);
      if (!s || !s->reply) continue;
      ASSERT_TRUE(s->ranged);
      EXPECT_LE(s->fingerprints.size(), 2 * cfg.sync_fingerprints_max);
      ranges.insert({s->first, s->last});
    }
  }
  EXPECT_GE(ranges.size(), 3u);  // 40 members, 8 a request: at least five ranges once the view is whole
  EXPECT_TRUE(ranges.contains({0, 65535}));  // the first request, knowing only itself
}

TEST(Membership, CrashedMemberIsDeclaredDeadByAllWithinTheSuspicionBound) {
  Cluster c(10);
  c.join_all_to(0);
  c.run_for(seconds(5));
  c.nodes[4].reset();
  const Instant crashed = c.now;
  Instant all_dead{};
  for (int step = 0; step < 300 && !c.all_see(4, State::dead); ++step) c.run_for(milliseconds(100));
  all_dead = c.now;
  EXPECT_TRUE(c.all_see(4, State::dead));
  // min = 4 * log10(10) * 1 s = 4 s once confirmed; probing reaches it within a round (10 s) at worst.
  EXPECT_LE((all_dead - crashed).seconds(), 1.5 * 10.0)
      << "detection took " << (all_dead - crashed).seconds();
  for (std::size_t s = 0; s < 10; ++s) {
    if (s != 4) {
      EXPECT_EQ(c.count_events(MemberEvent::Kind::failed, s), 0u) << "false positive for " << s;
    }
  }
}

TEST(Membership, LiveMemberRefutesSuspicionWithAHigherIncarnation) {
  Cluster c(5);
  c.join_all_to(0);
  c.run_for(seconds(3));
  ASSERT_TRUE(c.all_see(1, State::alive));
  const Bytes suspect = make_record(*c.ids[2], State::suspect, c.ids[1]->id, 0, {});
  c.inject(1, 2, {suspect});
  EXPECT_EQ(c.nodes[1]->incarnation(), 1u);
  EXPECT_EQ(c.nodes[1]->counters().refutations, 1u);
  c.run_for(seconds(3));
  for (std::size_t i = 0; i < 5; ++i) {
    if (i == 1) continue;
    auto v = c.nodes[i]->member(c.ids[1]->id, c.now);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->state, State::alive);
    EXPECT_EQ(v->incarnation, 1u);
  }
}

TEST(Membership, GracefulLeaveIsLeftNotFailed) {
  Cluster c(5);
  c.join_all_to(0);
  c.run_for(seconds(3));
  c.nodes[3]->leave(c.now);
  c.drain(3);
  c.run_for(seconds(2));
  c.nodes[3].reset();
  c.run_for(seconds(20));
  EXPECT_TRUE(c.all_see(3, State::left));
  EXPECT_EQ(c.count_events(MemberEvent::Kind::failed, 3), 0u);
  EXPECT_EQ(c.count_events(MemberEvent::Kind::left, 3), 4u);
}

TEST(Membership, RestartWithHigherIncarnationRecovers) {
  Cluster c(5);
  c.join_all_to(0);
  c.run_for(seconds(3));
  c.nodes[2].reset();
  c.run_for(seconds(30));
  ASSERT_TRUE(c.all_see(2, State::dead));
  c.boot(2, 7);
  c.nodes[2]->join(c.now, {addr(0)});
  c.drain(2);
  c.run_for(seconds(5));
  EXPECT_TRUE(c.all_see(2, State::alive));
  EXPECT_EQ(c.count_events(MemberEvent::Kind::recovered, 2), 4u);
  EXPECT_EQ(c.nodes[2]->alive_count(), 5u);
}

// News of members new to us is gossiped only for a while: sync carries it
// too, and a mass join's queue must not keep a mesh busy long after it.
TEST(Membership, DiscoveriesLeaveTheGossipQueueWhenOld) {
  MembershipConfig cfg;
  cfg.discovery_bytes_per_second = 200;  // 40 members' news would take minutes to send λ log N times
  cfg.discovery_gossip_for = seconds(10);
  Cluster c(40, cfg);
  c.join_all_to(0);
  c.run_for(seconds(12));
  std::size_t queued = 0;
  for (const auto& n : c.nodes) queued += n->queued_broadcasts();
  EXPECT_EQ(queued, 0u);
  const auto gossip = [](const Membership& m) {
    return m.counters().bytes_out_by[static_cast<std::size_t>(Traffic::gossip)];
  };
  std::vector<std::uint64_t> before;
  for (const auto& n : c.nodes) before.push_back(gossip(*n));
  c.run_for(seconds(10));
  for (std::size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(c.nodes[i]->size(), 40u) << "node " << i;
    EXPECT_EQ(gossip(*c.nodes[i]), before[i]) << "node " << i;
  }
}

TEST(Membership, GossipQueueStaysWithinItsCapAndKeepsOurOwnRecord) {
  MembershipConfig cfg;
  cfg.max_broadcasts = 4;
  Cluster c(2, cfg);
  crypto::SeededKeySource other_keys(77);
  std::vector<crypto::Identity> strangers;
  for (int i = 0; i < 8; ++i) strangers.push_back(crypto::Identity::generate(other_keys));
  c.join_all_to(0);
  c.run_for(seconds(2));
  // Node 0 is suspected by node 1: its refutation is queued first.
  c.inject(0, 1, {make_record(*c.ids[1], State::suspect, c.ids[0]->id, 0, {})});
  for (std::size_t i = 0; i < strangers.size(); ++i) {
    c.inject(0, 1, {make_record(strangers[i], State::alive, strangers[i].id, 1, addr(10 + i))});
  }
  EXPECT_EQ(c.nodes[0]->size(), 2u + strangers.size());  // every stranger is known...
  EXPECT_EQ(c.nodes[0]->queued_broadcasts(), 4u);        // ...but only four records wait for gossip
  EXPECT_EQ(c.nodes[0]->incarnation(), 1u);
  // Our own refutation survived the cap: the next datagrams node 0 sends
  // carry it (to node 1 or to a stranger; which one is the rng's choice).
  c.log_from = 0;
  c.run_for(milliseconds(300));
  bool carried = false;
  for (const auto& data : c.logged) {
    auto p = decode_gossip(data);
    ASSERT_TRUE(p);
    for (std::size_t i = 0; i < p->count; ++i) {
      const auto* rec = std::get_if<RecordItem>(&p->items[i]);
      if (!rec) continue;
      auto r = decode_record(rec->bytes);
      carried |= r && r->subject == c.ids[0]->id && r->state == State::alive && r->incarnation == 1;
    }
  }
  EXPECT_TRUE(carried);
}

TEST(Membership, ForgedReplayedAndMalformedRecordsAreCountedAndIgnored) {
  Cluster c(3);
  c.join_all_to(0);
  c.run_for(seconds(3));
  crypto::SeededKeySource other_keys(99);
  const auto mallory = crypto::Identity::generate(other_keys);
  const auto& victim = c.ids[1]->id;

  // An alive record for the victim signed by another key: the key maps to another id.
  Bytes forged = make_record(mallory, State::alive, victim, 50, addr(2));
  c.inject(0, 2, {forged});
  EXPECT_EQ(c.nodes[0]->counters().key_mismatch, 1u);

  // A genuine record with one signature bit flipped.
  Bytes flipped = make_record(*c.ids[1], State::alive, victim, 60, addr(1));
  flipped.back() ^= 1;
  c.inject(0, 2, {flipped});
  EXPECT_EQ(c.nodes[0]->counters().bad_signature, 1u);

  // A member declaring itself dead (that would be `left`).
  c.inject(0, 2, {make_record(*c.ids[1], State::dead, victim, 0, {})});
  EXPECT_EQ(c.nodes[0]->counters().bad_declarer, 1u);

  // A replay of an old incarnation after the victim moved on.
  const Bytes old_suspect = make_record(*c.ids[2], State::suspect, victim, 0, {});
  c.inject(1, 2, {old_suspect});  // the victim refutes: incarnation 1
  c.run_for(seconds(2));
  const auto before = c.nodes[0]->counters().stale;
  const auto corrections = c.nodes[0]->counters().corrections;
  c.inject(0, 2, {old_suspect});
  EXPECT_EQ(c.nodes[0]->counters().stale, before + 1);
  // ...and the sender of the stale suspicion is sent the newer alive record.
  EXPECT_EQ(c.nodes[0]->counters().corrections, corrections + 1);

  // Garbage.
  const Bytes junk{1, 5, 0, 0, 9};
  c.nodes[0]->on_packet(c.now, addr(2), junk);
  EXPECT_EQ(c.nodes[0]->counters().malformed, 1u);

  EXPECT_EQ(c.view(0, 1), State::alive);
  auto v = c.nodes[0]->member(victim, c.now);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->address, addr(1));
  EXPECT_EQ(v->incarnation, 1u);
}

TEST(Membership, AForgedSourceGetsOneSmallDatagramNeverTheTable) {
  Cluster c(20);
  c.join_all_to(0);
  c.run_for(seconds(5));
  ASSERT_EQ(c.nodes[0]->size(), 20u);
  GossipWriter w(c.ids[1]->id);  // claims to be node 1...
  w.add(Sync{.reply = true, .cookie = 12345});
  w.add(RecordItem{make_record(*c.ids[1], State::alive, c.ids[1]->id, 0, addr(1))});
  const Bytes request = w.finish();
  const Endpoint victim = Endpoint::v4(0x0b000001, 1);
  c.nodes[0]->on_packet(c.now, victim, request);  // ...from elsewhere, with a made-up cookie
  std::size_t datagrams = 0, bytes = 0;
  while (auto t = c.nodes[0]->poll_transmit()) {
    if (t->to != victim) continue;
    ++datagrams;
    bytes += t->data.size();
  }
  EXPECT_EQ(datagrams, 1u);
  EXPECT_LE(bytes, 3 * request.size());
}

TEST(Membership, NoFalsePositivesUnderTenPercentLoss) {
  Cluster c(12);
  c.loss = 0.10;
  c.join_all_to(0);
  c.run_for(seconds(60));
  for (std::size_t s = 0; s < 12; ++s) {
    EXPECT_EQ(c.count_events(MemberEvent::Kind::failed, s), 0u) << s;
    EXPECT_TRUE(c.all_see(s, State::alive) || c.all_see(s, State::suspect)) << s;
  }
}

TEST(Membership, HealthReflectsAcksAndResources) {
  Cluster c(3);
  c.nodes[1]->set_resources({.cpu_percent = 90, .memory_percent = 90, .connections = 200});
  c.join_all_to(0);
  c.run_for(seconds(10));
  auto busy = c.nodes[0]->member(c.ids[1]->id, c.now);
  auto idle = c.nodes[0]->member(c.ids[2]->id, c.now);
  ASSERT_TRUE(busy && idle);
  ASSERT_TRUE(busy->resources);
  EXPECT_EQ(busy->resources->cpu_percent, 90);
  EXPECT_LT(busy->health.resources, idle->health.resources);
  EXPECT_LT(busy->health.total, idle->health.total);
  ASSERT_TRUE(idle->rtt);
  EXPECT_NEAR(idle->rtt->ms(), 10.0, 0.5);  // 5 ms each way
  EXPECT_DOUBLE_EQ(idle->health.uptime, 1.0);
  EXPECT_GT(idle->health.trust, 0.5);
}

TEST(Suspicion, TimeoutShrinksWithConfirmationsToTheMinimum) {
  const Duration min = suspicion_min(4, 100, seconds(1));
  EXPECT_EQ(min, seconds(8));
  EXPECT_NEAR(suspicion_min(4, 5, seconds(1)).seconds(), 2.796, 0.001);  // no floor on log10...
  EXPECT_EQ(suspicion_min(1, 2, seconds(1)), seconds(1));                // ...but one interval at least
  SuspicionTimeout t{.min = min, .max = min * 6, .expected_confirmations = 2};
  EXPECT_EQ(t.after(0), seconds(48));
  EXPECT_LT(t.after(1), t.after(0));
  EXPECT_GT(t.after(1), min);
  EXPECT_EQ(t.after(2), min);
  EXPECT_EQ(t.after(10), min);
}

TEST(Health, WeightsAreFortyThirtyTwentyTen) {
  HealthInputs perfect{.rtt = Duration{},
                       .loss = 0,
                       .availability = 1,
                       .resources = Resources{0, 0, 0},
                       .good_interactions = 1'000'000};
  EXPECT_NEAR(health_score(perfect).total, 1.0, 1e-5);
  HealthInputs dead{.rtt = std::nullopt,
                    .loss = 1,
                    .availability = 0,
                    .resources = Resources{100, 100, 1000},
                    .bad_interactions = 1'000'000};
  const auto s = health_score(dead);
  EXPECT_NEAR(s.network, 0.25, 1e-9);  // unknown RTT scores 0.5, half of the network part
  EXPECT_NEAR(s.total, 0.4 * 0.25, 1e-5);
  HealthInputs fresh{};
  EXPECT_NEAR(health_score(fresh).trust, 0.5, 1e-9);
}

}  // namespace
}  // namespace hyphae::membership

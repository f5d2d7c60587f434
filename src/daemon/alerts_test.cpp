#include "daemon/alerts.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "daemon/alerts_service.hpp"
#include "daemon/store.hpp"

namespace hyphae::daemon {
namespace {

std::string peer_id(int i) { return std::string(39, 'a') + static_cast<char>('0' + i); }

PeerObservation alive(int i, double rtt = 20, double health = 0.9) {
  return {.node_id = peer_id(i), .state = "alive", .rtt_ms = rtt, .health = health};
}
PeerObservation dead(int i) { return {.node_id = peer_id(i), .state = "dead", .health = 0.1}; }

std::vector<PeerObservation> mesh(int n) {
  std::vector<PeerObservation> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(alive(i));
  return out;
}

std::size_t count(const std::vector<AlertChange>& changes, AlertChange::Kind kind,
                  std::string_view alert_kind = {}) {
  std::size_t n = 0;
  for (const auto& c : changes) n += c.kind == kind && (alert_kind.empty() || c.alert.kind == alert_kind);
  return n;
}

TEST(Alerts, LatencyThresholdsAndHysteresis) {
  AlertEngine e{AlertRules{}};
  auto obs = [](std::int64_t t, double rtt) { return Observation{.now_ms = t, .peers = {alive(1, rtt)}}; };
  EXPECT_TRUE(e.evaluate(obs(0, 499)).empty());
  auto c = e.evaluate(obs(1000, 500));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, AlertChange::Kind::raised);
  EXPECT_EQ(c[0].alert.kind, "latency");
  EXPECT_EQ(c[0].alert.subject, peer_id(1));
  EXPECT_EQ(c[0].alert.severity, Severity::medium);
  EXPECT_EQ(c[0].alert.threshold, 500);
  const auto id = c[0].alert.id;
  EXPECT_TRUE(e.evaluate(obs(2000, 700)).empty()) << "de-duplicated: one alert per (kind, subject)";
  c = e.evaluate(obs(3000, 1000));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, AlertChange::Kind::updated);
  EXPECT_EQ(c[0].alert.id, id);
  EXPECT_EQ(c[0].alert.severity, Severity::critical);
  EXPECT_TRUE(e.evaluate(obs(4000, 600)).empty()) << "severity does not drop while open";
  EXPECT_TRUE(e.evaluate(obs(5000, 460)).empty()) << "below warning but inside the 10 % hysteresis band";
  c = e.evaluate(obs(6000, 440));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, AlertChange::Kind::resolved);
  EXPECT_EQ(c[0].alert.resolution, "cleared");
  EXPECT_EQ(c[0].alert.resolved_ms, 6000);
  c = e.evaluate(obs(7000, 2000));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(c[0].alert.id, id) << "a new occurrence is a new alert";
  EXPECT_EQ(c[0].alert.severity, Severity::critical);
}

TEST(Alerts, HealthIsALessIsWorseRule) {
  AlertEngine e{AlertRules{}};
  auto obs = [](std::int64_t t, double h) { return Observation{.now_ms = t, .peers = {alive(1, 10, h)}}; };
  EXPECT_TRUE(e.evaluate(obs(0, 0.51)).empty());
  auto c = e.evaluate(obs(1, 0.5));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].alert.kind, "health");
  EXPECT_EQ(c[0].alert.severity, Severity::medium);
  c = e.evaluate(obs(2, 0.3));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].alert.severity, Severity::critical);
  EXPECT_TRUE(e.evaluate(obs(3, 0.54)).empty()) << "hysteresis: clears above 0.55";
  EXPECT_EQ(count(e.evaluate(obs(4, 0.56)), AlertChange::Kind::resolved), 1u);
}

TEST(Alerts, ResourcesOfThisNode) {
  AlertEngine e{AlertRules{}};
  auto c = e.evaluate(Observation{.now_ms = 1, .cpu_percent = 96, .memory_percent = 81});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].alert.subject, "cpu");
  EXPECT_EQ(c[0].alert.severity, Severity::critical);
  EXPECT_EQ(c[1].alert.subject, "memory");
  EXPECT_EQ(c[1].alert.severity, Severity::medium);
  c = e.evaluate(Observation{.now_ms = 2, .cpu_percent = 50, .memory_percent = 81});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].alert.subject, "cpu");
  EXPECT_EQ(c[0].kind, AlertChange::Kind::resolved);
  const auto open = e.open_by_severity();
  EXPECT_EQ(open[static_cast<std::size_t>(Severity::medium)], 1u);
  EXPECT_EQ(open[static_cast<std::size_t>(Severity::critical)], 0u);
}

TEST(Alerts, DisabledRulesRaiseNothingAndResolveWhatTheyHad) {
  AlertRules rules;
  rules.resources.enabled = false;
  rules.latency.enabled = false;
  AlertEngine e{rules};
  EXPECT_TRUE(e.evaluate(Observation{.now_ms = 1, .peers = {alive(1, 5000)}, .cpu_percent = 99}).empty());
  AlertRules off;
  off.enabled = false;
  AlertEngine none{off};
  EXPECT_TRUE(none.evaluate(Observation{.now_ms = 1, .peers = {dead(1)}, .cpu_percent = 99}).empty());
}

TEST(Alerts, ASingleFailedPeerGetsOneHighAlertAfterTheWindow) {
  AlertEngine e{AlertRules{}};
  auto peers = mesh(6);
  EXPECT_TRUE(e.evaluate({.now_ms = 0, .peers = peers}).empty());
  peers[2] = dead(2);
  EXPECT_TRUE(e.evaluate({.now_ms = 1000, .peers = peers}).empty()) << "held back: others may follow";
  EXPECT_TRUE(e.evaluate({.now_ms = 10'999, .peers = peers}).empty());
  auto c = e.evaluate({.now_ms = 11'000, .peers = peers});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].alert.kind, "node_failed");
  EXPECT_EQ(c[0].alert.subject, peer_id(2));
  EXPECT_EQ(c[0].alert.severity, Severity::high);
  EXPECT_TRUE(e.evaluate({.now_ms = 12'000, .peers = peers}).empty());
  peers[2] = alive(2);
  c = e.evaluate({.now_ms = 13'000, .peers = peers});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, AlertChange::Kind::resolved);
  EXPECT_EQ(c[0].alert.resolution, "recovered");
}

// The acceptance case: 3 of 6 peers partitioned away together.
TEST(Alerts, APartitionIsOneAlertNotOnePerNodeAndResolvesWhenItHeals) {
  AlertEngine e{AlertRules{}};
  auto peers = mesh(6);
  std::vector<AlertChange> all;
  auto step = [&](std::int64_t t) {
    auto c = e.evaluate({.now_ms = t, .peers = peers});
    all.insert(all.end(), c.begin(), c.end());
    return c;
  };
  step(0);
  // Membership declares them dead one after another, a few seconds apart;
  // first suspect (no alert: failure detection is still deciding).
  peers[3].state = peers[4].state = "suspect";
  peers[3].health = peers[4].health = 0.2;
  step(1000);
  peers[3] = dead(3);
  step(2000);
  peers[4] = dead(4);
  peers[5] = dead(5);
  auto c = step(5000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, AlertChange::Kind::raised);
  EXPECT_EQ(c[0].alert.kind, "partition");
  EXPECT_EQ(c[0].alert.severity, Severity::critical);
  EXPECT_EQ(c[0].alert.members, (std::vector<std::string>{peer_id(3), peer_id(4), peer_id(5)}));
  for (std::int64_t t = 6000; t <= 120'000; t += 1000) step(t);  // long past the window
  EXPECT_EQ(count(all, AlertChange::Kind::raised), 1u) << "exactly one alert, no per-node alerts";
  EXPECT_EQ(count(all, AlertChange::Kind::raised, "node_failed"), 0u);
  EXPECT_EQ(count(all, AlertChange::Kind::raised, "health"), 0u);
  // Heal: the three come back.
  peers[3] = alive(3);
  peers[4] = alive(4);
  peers[5] = alive(5);
  c = step(121'000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, AlertChange::Kind::resolved);
  EXPECT_EQ(c[0].alert.kind, "partition");
  EXPECT_EQ(c[0].alert.resolution, "healed");
  EXPECT_TRUE(e.list(AlertState::open).empty());
}

TEST(Alerts, APartlyHealedPartitionLeavesAlertsForThoseStillGone) {
  AlertEngine e{AlertRules{}};
  auto peers = mesh(6);
  peers[3] = dead(3);
  peers[4] = dead(4);
  peers[5] = dead(5);
  ASSERT_EQ(count(e.evaluate({.now_ms = 0, .peers = peers}), AlertChange::Kind::raised, "partition"), 1u);
  peers[3] = alive(3);
  EXPECT_TRUE(e.evaluate({.now_ms = 20'000, .peers = peers}).empty()) << "2 still gone: still a partition";
  peers[4] = alive(4);
  auto c = e.evaluate({.now_ms = 30'000, .peers = peers});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].alert.kind, "partition");
  EXPECT_EQ(c[0].kind, AlertChange::Kind::resolved);
  EXPECT_TRUE(e.evaluate({.now_ms = 39'999, .peers = peers}).empty()) << "a straggler gets one more window";
  c = e.evaluate({.now_ms = 40'000, .peers = peers});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].alert.kind, "node_failed");
  EXPECT_EQ(c[0].alert.subject, peer_id(5));
}

TEST(Alerts, FewFailuresInABigMeshAreNotAPartition) {
  AlertEngine e{AlertRules{}};
  auto peers = mesh(10);
  peers[0] = dead(0);
  peers[1] = dead(1);  // 2 of 10: below 30 %
  EXPECT_TRUE(e.evaluate({.now_ms = 0, .peers = peers}).empty());
  auto c = e.evaluate({.now_ms = 10'000, .peers = peers});
  EXPECT_EQ(count(c, AlertChange::Kind::raised, "node_failed"), 2u);
  EXPECT_EQ(count(c, AlertChange::Kind::raised, "partition"), 0u);
}

TEST(Alerts, PeersLostDuringAnOpenPartitionJoinIt) {
  AlertEngine e{AlertRules{}};
  auto peers = mesh(6);
  peers[0] = dead(0);
  peers[1] = dead(1);
  ASSERT_EQ(count(e.evaluate({.now_ms = 0, .peers = peers}), AlertChange::Kind::raised, "partition"), 1u);
  peers[2] = dead(2);
  auto c = e.evaluate({.now_ms = 30'000, .peers = peers});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, AlertChange::Kind::updated);
  EXPECT_EQ(c[0].alert.members.size(), 3u);
}

TEST(Alerts, AcknowledgeAndResolveById) {
  AlertEngine e{AlertRules{}};
  auto c = e.evaluate({.now_ms = 1, .cpu_percent = 90});
  ASSERT_EQ(c.size(), 1u);
  const auto id = c[0].alert.id;
  EXPECT_EQ(e.acknowledge(999, 2).error(), AlertOpError::unknown_id);
  auto acked = e.acknowledge(id, 5);
  ASSERT_TRUE(acked && *acked);
  EXPECT_EQ((*acked)->alert.state, AlertState::acked);
  EXPECT_EQ((*acked)->alert.acked_ms, 5);
  auto again = e.acknowledge(id, 6);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->has_value()) << "acking twice changes nothing";
  EXPECT_TRUE(e.evaluate({.now_ms = 7, .cpu_percent = 99}).size() == 1u) << "acked alerts still escalate";
  EXPECT_EQ(e.find(id)->state, AlertState::acked);
  auto resolved = e.resolve(id, 8);
  ASSERT_TRUE(resolved && *resolved);
  EXPECT_EQ((*resolved)->alert.resolution, "operator");
  EXPECT_EQ(e.acknowledge(id, 9).error(), AlertOpError::already_resolved);
  EXPECT_FALSE(e.resolve(id, 9)->has_value());
  EXPECT_EQ(e.resolve(12345, 9).error(), AlertOpError::unknown_id);
  // Still over the threshold: resolved by hand means "fixed", so it comes back.
  c = e.evaluate({.now_ms = 10, .cpu_percent = 99});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(c[0].alert.id, id);
  EXPECT_EQ(e.list(AlertState::resolved).size(), 1u);
  EXPECT_EQ(e.list().size(), 2u);
}

TEST(Alerts, AnAckedAlertAutoResolvesWhenTheConditionClears) {
  AlertEngine e{AlertRules{}};
  const auto id = e.evaluate({.now_ms = 1, .memory_percent = 85})[0].alert.id;
  ASSERT_TRUE(e.acknowledge(id, 2));
  auto c = e.evaluate({.now_ms = 3, .memory_percent = 10});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].alert.state, AlertState::resolved);
  EXPECT_EQ(c[0].alert.acked_ms, 2);
}

TEST(Alerts, RestoredAlertsDeduplicateAndIdsContinue) {
  AlertEngine first{AlertRules{}};
  first.evaluate({.now_ms = 1, .cpu_percent = 90});
  auto c = first.evaluate({.now_ms = 2, .memory_percent = 90});
  AlertEngine second{AlertRules{}};
  second.restore(first.list());
  EXPECT_TRUE(second.evaluate({.now_ms = 3, .cpu_percent = 90, .memory_percent = 90}).empty());
  auto lat =
      second.evaluate({.now_ms = 4, .peers = {alive(1, 800)}, .cpu_percent = 90, .memory_percent = 90});
  ASSERT_EQ(lat.size(), 1u);
  EXPECT_GT(lat[0].alert.id, c.back().alert.id);
}

// The service writes every change through to the store; a restart (a new
// service over the same file) sees the ack.
TEST(Alerts, ServicePersistsAcknowledgementsAcrossReopen) {
  std::string t = (std::filesystem::temp_directory_path() / "hyphae-alerts-XXXXXX").string();
  const std::filesystem::path dir = ::mkdtemp(t.data());
  std::vector<LoggedEvent> events;
  auto emit = [&](LoggedEvent e) { events.push_back(std::move(e)); };
  std::uint64_t id = 0;
  {
    auto store = open_sqlite_store(dir / "store.db");
    ASSERT_TRUE(store);
    AlertService s(AlertRules{}, **store, emit, std::string(40, 'f'));
    ASSERT_TRUE(s.load());
    s.evaluate({.now_ms = 1000, .cpu_percent = 90});
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, "alert.raised");
    EXPECT_EQ(events[0].node_id, std::string(40, 'f'));
    id = events[0].data["id"].get<std::uint64_t>();
    auto acked = s.acknowledge(id, 2000);
    ASSERT_TRUE(acked);
    EXPECT_EQ(acked->state, AlertState::acked);
    EXPECT_EQ(s.acknowledge(777, 2000).error(), AlertOpFailure::unknown_id);
  }
  {
    auto store = open_sqlite_store(dir / "store.db");
    ASSERT_TRUE(store);
    AlertService s(AlertRules{}, **store, emit, std::string(40, 'f'));
    ASSERT_TRUE(s.load());
    const Alert* a = s.engine().find(id);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->state, AlertState::acked);
    EXPECT_EQ(a->acked_ms, 2000);
    EXPECT_EQ(a->subject, "cpu");
    EXPECT_EQ(a->value, 90);
    const auto before = events.size();
    s.evaluate({.now_ms = 3000, .cpu_percent = 90});
    EXPECT_EQ(events.size(), before) << "the restored alert de-duplicates";
    s.evaluate({.now_ms = 4000, .cpu_percent = 1});
    ASSERT_EQ(events.size(), before + 1);
    EXPECT_EQ(events.back().type, "alert.resolved");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(Alerts, RowRoundTrip) {
  Alert a{.id = 3,
          .kind = "partition",
          .subject = "partition",
          .severity = Severity::critical,
          .state = AlertState::resolved,
          .created_ms = 10,
          .acked_ms = 11,
          .resolved_ms = 12,
          .message = "m",
          .value = 3,
          .threshold = 0.3,
          .members = {"x", "y"},
          .resolution = "healed"};
  EXPECT_EQ(from_row(to_row(a)), a);
  AlertRow junk = to_row(a);
  junk.severity = "SEVERE";
  EXPECT_FALSE(from_row(junk).has_value());
}

}  // namespace
}  // namespace hyphae::daemon

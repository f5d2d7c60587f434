// Whole nodes on virtual time: scenarios end to end, determinism, faults,
// invariant reports. Node counts stay small so the sanitizer build stays fast.
#include "sim/world.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "sim/run.hpp"

namespace hyphae::sim {
namespace {

Scenario ring(std::size_t n, Duration d) {
  auto s = named_scenario("ring", n);
  EXPECT_TRUE(s);
  s->duration = d;
  return *s;
}

std::unique_ptr<World> make(const Scenario& s, std::uint64_t seed) {
  auto w = World::create(s, seed);
  EXPECT_TRUE(w) << (w ? "" : w.error());
  return std::move(*w);
}

SimSummary run(SimOptions o) {
  std::ostringstream progress;
  o.progress = false;
  auto r = run_scenario(o, progress);
  EXPECT_TRUE(r) << (r ? "" : r.error());
  return *r;
}

TEST(World, RingConvergesAndCarriesTraffic) {
  auto w = make(ring(6, seconds(15)), 1);
  ASSERT_TRUE(w->run_until(w->start() + seconds(15))) << w->violation()->text();
  ASSERT_TRUE(w->converged_at());
  EXPECT_LT(*w->converged_at() - w->start(), seconds(2));  // one handshake round trip plus dial jitter
  EXPECT_TRUE(w->expected_pairs_connected());
  EXPECT_GT(w->stats().messages_delivered, 10u);
  EXPECT_EQ(w->stats().messages_failed, 0u);
  for (NodeIndex n = 0; n < 6; ++n) EXPECT_EQ(w->connected_peers(n).size(), 2u);
}

TEST(World, SameSeedSameSummaryDifferentSeedDifferentTrace) {
  SimOptions o{.scenario = "ring", .nodes = 8, .seed = 42, .duration = seconds(12)};
  const SimSummary a = run(o), b = run(o);
  EXPECT_EQ(deterministic_part(a.json).dump(), deterministic_part(b.json).dump());
  EXPECT_EQ(a.json["trace_hash"], b.json["trace_hash"]);
  o.seed = 43;
  const SimSummary c = run(o);
  EXPECT_NE(a.json["trace_hash"], c.json["trace_hash"]);
  EXPECT_TRUE(a.ok) << a.report;
  for (const char* key : {"seed", "nodes", "virtual_ms", "wall_ms", "events", "datagrams", "dropped",
                          "trace_hash", "converged_at_ms"}) {
    EXPECT_TRUE(a.json.contains(key)) << key;
  }
}

TEST(World, DeterministicUnderFaultsAndChurn) {
  auto s = parse_scenario_json(R"({"base": "churn", "duration_s": 40, "topology": {"nodes": 10},
                                   "churn": {"start_s": 5, "stop_s": 20, "mean_interval_ms": 1500}})");
  ASSERT_TRUE(s) << s.error();
  auto a = make(*s, 7), b = make(*s, 7);
  a->run_until(a->start() + s->duration);
  b->run_until(b->start() + s->duration);
  EXPECT_GT(a->stats().faults, 3u);
  EXPECT_EQ(a->trace().hash(), b->trace().hash());
  EXPECT_EQ(a->stats().events, b->stats().events);
  EXPECT_FALSE(a->violation()) << a->violation()->text();
  EXPECT_TRUE(a->reconverged_at());
}

TEST(World, SevenCityMeasuresTheConfiguredRtts) {
  const SimSummary s = run({.scenario = "seven-city", .seed = 3, .duration = seconds(30)});
  EXPECT_TRUE(s.ok) << s.report << s.to_text();
  const auto& matrix = s.json["rtt_matrix"];
  ASSERT_EQ(matrix.size(), 28u);  // 21 city pairs + 7 within a city
  for (const auto& row : matrix) {
    EXPECT_TRUE(row["within_jitter"].get<bool>()) << row.dump();
    EXPECT_GT(row["samples"].get<int>(), 0) << row.dump();
  }
}

TEST(World, PartitionHealsAndFailureIsDetected) {
  const SimSummary s = run({.scenario = "partition", .nodes = 6, .seed = 5});
  EXPECT_TRUE(s.ok) << s.report;
  EXPECT_GT(s.json["peer_lost_events"].get<int>(), 0);  // cross-partition sessions timed out
  EXPECT_GT(s.json["reconverged_at_ms"].get<double>(), 40'000.0);
  EXPECT_GT(s.json["dropped_by_reason"]["partition"].get<int>(), 0);
}

TEST(World, CrashRestartKeepsIdentityAndReconnects) {
  Scenario s = ring(5, seconds(40));
  s.faults = {Fault{.at = seconds(5), .kind = Fault::Kind::crash, .a = 2},
              Fault{.at = seconds(10), .kind = Fault::Kind::restart, .a = 2}};
  auto w = make(s, 9);
  const crypto::NodeId before = w->id(2);
  ASSERT_TRUE(w->run_until(w->start() + seconds(7)));
  EXPECT_FALSE(w->is_up(2));
  EXPECT_TRUE(w->connected_peers(2).empty());
  ASSERT_TRUE(w->run_until(w->start() + seconds(40))) << w->violation()->text();
  EXPECT_TRUE(w->is_up(2));
  EXPECT_EQ(w->id(2), before);
  EXPECT_EQ(w->connected_peers(2), (std::set<NodeIndex>{1, 3}));
  EXPECT_TRUE(w->connected_peers(1).contains(2));
  EXPECT_TRUE(w->connected_peers(3).contains(2));
  EXPECT_GT(w->stats().dropped_by[static_cast<std::size_t>(DropReason::node_down)], 0u);
}

TEST(World, PausedNodeCatchesUpFromItsSocketBacklog) {
  Scenario s = ring(4, seconds(20));
  s.faults = {Fault{.at = seconds(5), .kind = Fault::Kind::pause, .a = 1, .pause_for = seconds(3)}};
  auto w = make(s, 10);
  ASSERT_TRUE(w->run_until(w->start() + seconds(7)));
  EXPECT_TRUE(w->is_paused(1));
  ASSERT_TRUE(w->run_until(w->start() + seconds(20))) << w->violation()->text();
  EXPECT_FALSE(w->is_paused(1));
  EXPECT_TRUE(w->expected_pairs_connected());
  EXPECT_EQ(w->stats().messages_failed, 0u);  // a 3 s freeze is shorter than every timeout
}

TEST(World, CutLinkIsLostThenRestored) {
  auto r = run({.scenario = std::string(HYPHAE_SIM_SCENARIOS) + "/cut-and-restore.json", .seed = 2});
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_GT(r.json["dropped_by_reason"]["cut"].get<int>(), 0);
  EXPECT_GE(r.json["peer_lost_events"].get<int>(), 2);
}

TEST(World, TomlPartitionOfAGridHeals) {
  auto r = run({.scenario = std::string(HYPHAE_SIM_SCENARIOS) + "/partition-heal.toml", .seed = 6});
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_GT(r.json["dropped_by_reason"]["partition"].get<int>(), 0);
}

TEST(World, CongestionAndLossShowUp) {
  auto r = run({.scenario = std::string(HYPHAE_SIM_SCENARIOS) + "/lossy-ring.json", .seed = 4});
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_GT(r.json["dropped_by_reason"]["loss"].get<int>(), 0);
  EXPECT_GT(r.json["messages"]["delivered"].get<int>(), 100);
}

TEST(World, ViolationStopsTheRunWithAReadableReport) {
  auto w = make(ring(4, seconds(20)), 11);
  w->add_invariant({"test_never_past_3s", [](const World& world) -> std::optional<Violation> {
                      if (world.now() - world.start() < seconds(3)) return std::nullopt;
                      return Violation{{}, 2, "time passed 3 s"};
                    }});
  EXPECT_FALSE(w->run_until(w->start() + seconds(20)));
  ASSERT_TRUE(w->violation());
  const Report& r = *w->violation();
  EXPECT_EQ(r.violation.invariant, "test_never_past_3s");
  EXPECT_EQ(r.at, w->start() + seconds(3));  // the first check at or after 3 s
  EXPECT_EQ(w->now(), r.at);                 // stopped right there
  const std::string text = r.text();
  EXPECT_NE(text.find("INVARIANT VIOLATED: test_never_past_3s"), std::string::npos) << text;
  EXPECT_NE(text.find("node n2"), std::string::npos) << text;
  EXPECT_FALSE(r.recent.empty());
  EXPECT_FALSE(r.recent_node.empty());
}

TEST(World, UnknownScenarioIsAnError) {
  std::ostringstream out;
  auto bad = run_scenario({.scenario = "nope"}, out);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("unknown scenario"), std::string::npos);
  auto missing = run_scenario({.scenario = "/nonexistent.json"}, out);
  ASSERT_FALSE(missing);
}

}  // namespace
}  // namespace hyphae::sim

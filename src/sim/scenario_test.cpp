// Scenarios as C++ and as JSON; churn generation.
#include "sim/scenario.hpp"

#include <gtest/gtest.h>

namespace hyphae::sim {
namespace {

TEST(Scenario, EveryNamedScenarioIsValid) {
  for (auto name : scenario_names()) {
    auto s = named_scenario(name, std::nullopt);
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(s->name, name);
    EXPECT_TRUE(validate(*s)) << name;
    auto small = named_scenario(name, 12);
    ASSERT_TRUE(small) << name;
    EXPECT_EQ(small->topology.nodes, 12u);
    EXPECT_TRUE(validate(*small)) << name;
  }
  auto bad = named_scenario("nope", std::nullopt);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("seven-city"), std::string::npos);  // lists the known names
}

TEST(Scenario, PartitionSplitsByNodeCount) {
  auto s = named_scenario("partition", 6);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->faults.size(), 2u);
  EXPECT_EQ(s->faults[0].groups, (std::vector<std::vector<NodeIndex>>{{0, 1, 2}, {3, 4, 5}}));
  EXPECT_EQ(s->faults[1].kind, Fault::Kind::heal);
}

TEST(Scenario, ParsesJson) {
  auto s = parse_scenario_json(R"({
    "name": "lossy-cut",
    "topology": {"kind": "ring", "nodes": 8, "link": {"latency_ms": 20, "jitter_ms": 2.5, "loss": 0.05,
                                                      "bandwidth_kbps": 1000, "mtu": 1280}},
    "duration_s": 45,
    "traffic": {"interval_ms": 500, "payload": 64},
    "node": {"keepalive_ms": 2000, "session_timeout_ms": 8000},
    "expect": {"converge_within_s": 10, "reconverge": true},
    "faults": [
      {"at_s": 10, "action": "cut", "a": 0, "b": 1},
      {"at_s": 12.5, "action": "degrade", "a": 2, "b": 3, "link": {"latency_ms": 300}},
      {"at_s": 20, "action": "restore", "a": 0, "b": 1},
      {"at_s": 21, "action": "partition", "groups": [[0, 1, 2, 3]]},
      {"at_s": 25, "action": "heal"},
      {"at_ms": 26000, "action": "crash", "node": 5},
      {"at_s": 27, "action": "restart", "node": 5},
      {"at_s": 28, "action": "pause", "node": 6, "for_ms": 1500}
    ]
  })");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->name, "lossy-cut");
  EXPECT_EQ(s->topology.kind, "ring");
  EXPECT_EQ(s->topology.link.latency, milliseconds(20));
  EXPECT_EQ(s->topology.link.jitter, microseconds(2500));
  EXPECT_DOUBLE_EQ(s->topology.link.loss, 0.05);
  EXPECT_EQ(s->topology.link.bandwidth_bps, 1'000'000u);
  EXPECT_EQ(s->topology.link.mtu, 1280u);
  EXPECT_EQ(s->duration, seconds(45));
  EXPECT_EQ(s->traffic.interval, milliseconds(500));
  EXPECT_EQ(*s->tuning.keepalive_interval, seconds(2));
  EXPECT_EQ(*s->expect.converge_within, seconds(10));
  EXPECT_TRUE(s->expect.reconverge);
  ASSERT_EQ(s->faults.size(), 8u);
  EXPECT_EQ(s->faults[1].at, milliseconds(12500));
  EXPECT_EQ(s->faults[1].link.latency, milliseconds(300));
  EXPECT_EQ(s->faults[5].kind, Fault::Kind::crash);
  EXPECT_EQ(s->faults[5].a, 5u);
  EXPECT_EQ(s->faults[7].pause_for, milliseconds(1500));
}

TEST(Scenario, JsonCanStartFromANamedScenario) {
  auto s = parse_scenario_json(R"({"base": "churn", "duration_s": 200, "topology": {"nodes": 50}})");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->name, "churn");
  EXPECT_EQ(s->topology.kind, "small-world");
  EXPECT_EQ(s->topology.nodes, 50u);
  EXPECT_EQ(s->duration, seconds(200));
}

TEST(Scenario, JsonErrorsNameThePlace) {
  auto typo = parse_scenario_json(R"({"topology": {"kind": "ring", "nodez": 3}})");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().find("nodez"), std::string::npos) << typo.error();
  auto bad_node = parse_scenario_json(
      R"({"topology": {"nodes": 4}, "faults": [{"at_s": 1, "action": "crash", "node": 9}]})");
  ASSERT_FALSE(bad_node);
  EXPECT_NE(bad_node.error().find("fault #0"), std::string::npos) << bad_node.error();
  auto bad_action = parse_scenario_json(R"({"faults": [{"at_s": 1, "action": "explode"}]})");
  ASSERT_FALSE(bad_action);
  EXPECT_NE(bad_action.error().find("explode"), std::string::npos);
  EXPECT_FALSE(parse_scenario_json("{not json"));
  EXPECT_FALSE(parse_scenario_json(R"({"faults": [{"action": "heal"}]})"));  // no time
}

TEST(Scenario, ExampleFilesLoad) {
  for (auto file : {"cut-and-restore.json", "lossy-ring.json", "partition-heal.toml"}) {
    auto s = load_scenario_file(std::string(HYPHAE_SIM_SCENARIOS) + "/" + file);
    EXPECT_TRUE(s) << file << ": " << (s ? "" : s.error());
  }
  auto missing = load_scenario_file("/nonexistent/x.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/x.json"), std::string::npos);
}

TEST(Scenario, ParsesToml) {
  auto s = parse_scenario_toml(R"(
name = "t"
duration_s = 12.5
[topology]
kind = "line"
nodes = 5
[[faults]]
at_ms = 1500
action = "crash"
node = 2
)");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->topology.kind, "line");
  EXPECT_EQ(s->duration, milliseconds(12500));
  ASSERT_EQ(s->faults.size(), 1u);
  EXPECT_EQ(s->faults[0].at, milliseconds(1500));
  auto bad = parse_scenario_toml("name = \"x\"\n[topology\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("line 2"), std::string::npos) << bad.error();
}

TEST(Churn, DeterministicSortedAndNeverDoubleBooked) {
  ChurnSpec c;
  c.start = seconds(5);
  c.stop = seconds(100);
  Rng a(11), b(11);
  auto x = expand_churn(c, 20, a), y = expand_churn(c, 20, b);
  ASSERT_EQ(x.size(), y.size());
  ASSERT_GT(x.size(), 20u);
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].at, y[i].at);
    EXPECT_EQ(x[i].a, y[i].a);
    if (i > 0) {
      EXPECT_LE(x[i - 1].at, x[i].at);
    }
  }
  // Every crash is followed by a restart of the same node before it crashes again.
  std::vector<int> down(20, 0);
  for (const auto& f : x) {
    if (f.kind == Fault::Kind::crash) {
      EXPECT_EQ(down[f.a]++, 0);
    }
    if (f.kind == Fault::Kind::restart) {
      EXPECT_EQ(down[f.a]--, 1);
    }
    if (f.kind == Fault::Kind::pause) {
      EXPECT_EQ(down[f.a], 0);
    }
  }
  EXPECT_TRUE(expand_churn(ChurnSpec{}, 20, a).empty());  // stop = 0: no churn
}

}  // namespace
}  // namespace hyphae::sim

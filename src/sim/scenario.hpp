// A scenario is data: a topology, a duration, background traffic, a list of
// timed faults (or a churn generator that writes one from the seed) and the
// expectations checked at the end. Named scenarios are C++ functions that fill
// one in; files in JSON fill in the same struct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "sim/network.hpp"
#include "sim/topology.hpp"

namespace hyphae::sim {

// A crash fault naming this node crashes the node with the most topology
// edges (the lowest index among equals): a hub, whichever seed built it.
inline constexpr NodeIndex kBusiestNode = 0xfffffffe;

struct Fault {
  enum class Kind : std::uint8_t { cut, degrade, restore, partition, heal, crash, restart, pause, slow };
  Duration at;
  Kind kind = Kind::cut;
  NodeIndex a = 0;                             // cut/degrade/restore: one end; crash/restart/pause: the node
  NodeIndex b = 0;                             // cut/degrade/restore: the other end
  LinkParams link;                             // degrade
  std::vector<std::vector<NodeIndex>> groups;  // partition
  Duration pause_for = seconds(1);             // pause, slow: for how long
  Duration slow_by{};                          // slow: every inbound datagram is handled this late
};
std::string_view name(Fault::Kind k);

// Crashes (and restarts) random nodes, and pauses others, between start and stop.
struct ChurnSpec {
  Duration start = seconds(10);
  Duration stop{};                      // zero: no churn
  Duration mean_interval = seconds(2);  // between two churn actions (whole network)
  Duration down_min = seconds(2), down_max = seconds(10);
  double pause_fraction = 0.25;  // share of actions that are pauses instead of crashes
  Duration pause_max = seconds(3);
};

struct TrafficSpec {
  Duration interval{};        // zero: no traffic; else each node sends one message per interval (jittered)
  std::size_t payload = 128;  // bytes per message
  Duration start = seconds(5);
  // false: to a random topology neighbour; true: to any other node, which
  // takes multi-hop routing when they are not neighbours.
  bool any_node = false;
  Duration stop{};               // zero: until the end
  std::size_t payload_max = 0;   // > payload: sizes uniform in [payload, payload_max] (chunked above ~1.2 kB)
  bool random_priority = false;  // false: MEDIUM; true: uniform over the four priorities
};

// Optional overrides of node::NodeConfig (kept here so scenarios build without node/).
struct NodeTuning {
  std::optional<Duration> keepalive_interval, session_timeout, handshake_timeout, dial_backoff_initial,
      dial_backoff_max, message_deadline;
};

// SWIM/Lifeguard membership over the simulated underlay (docs/membership.md).
struct MembershipSpec {
  bool enabled = false;
  bool lifeguard = true;          // false: plain SWIM, for comparison
  std::size_t seeds = 1;          // nodes 0..seeds-1 are the bootstrap; every node joins through them
  std::size_t target_degree = 0;  // connection manager; 0: sessions only along topology edges
  std::optional<Duration> probe_interval;
  // Expectations.
  std::optional<Duration> converge_within;  // every live node knows every node by then
  bool no_false_positives = true;           // no live (or paused) node is declared dead
  std::optional<double> detection_bound;    // p99 detection <= this many probe_interval * mult * log10(N)
};

// Babel routing over the sessions along topology edges (docs/routing.md).
struct RoutingSpec {
  bool enabled = false;
  // Expectations.
  std::optional<Duration> converge_within;  // every node routes to every node it can reach by then
  bool reconverge = false;                  // ...and again after the last fault
};

struct Expectations {
  bool converge = true;  // every expected neighbour pair connected at some point
  std::optional<Duration> converge_within;
  bool reconverge = false;         // ...and again after the last fault (among live, reachable pairs)
  bool rtt_within_jitter = false;  // seven-city: measured RTT matches the model
  // Every message sent by a node still up at the end was acknowledged or
  // reported failed (set the duration past the last send plus the deadline).
  bool messages_resolved = false;
};

struct Scenario {
  std::string name;
  TopologySpec topology;
  Duration duration = seconds(30);
  TrafficSpec traffic;
  std::vector<Fault> faults;
  ChurnSpec churn;
  NodeTuning tuning;
  Expectations expect;
  Duration check_interval = seconds(1);  // invariant checks
  bool check_every_event = false;        // slow; for bisecting a violation
  bool dial_both = false;                // both ends of an edge dial (crossing handshakes)
  MembershipSpec membership;
  RoutingSpec routing;
};

// "seven-city", "full-mesh", "ring", "line", "grid", "random-geometric",
// "small-world", "churn", "partition", "membership", "membership-lossy",
// "membership-paused"; `nodes` overrides the default size.
Result<Scenario, std::string> named_scenario(std::string_view name, std::optional<std::size_t> nodes);
std::vector<std::string_view> scenario_names();

// A scenario from JSON text (see docs/simulation.md for the format).
Result<Scenario, std::string> parse_scenario_json(std::string_view text);
// The same keys in TOML (tables for objects, arrays of tables for faults).
Result<Scenario, std::string> parse_scenario_toml(std::string_view text);
// By extension: .toml is TOML, anything else JSON.
Result<Scenario, std::string> load_scenario_file(const std::string& path);

// The faults a ChurnSpec draws from `rng` for `nodes` nodes, sorted by time.
std::vector<Fault> expand_churn(const ChurnSpec& churn, std::size_t nodes, Rng& rng);

// Range checks on node indices and times; error text names the offending fault.
Result<bool, std::string> validate(const Scenario& s);

}  // namespace hyphae::sim

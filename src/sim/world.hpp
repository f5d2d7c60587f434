// The deterministic driver: N unmodified node::Node cores in one process, on
// virtual time, connected by a simulated Network, with faults, background
// traffic and invariant checks. Nothing here reads a clock or draws unseeded
// randomness: one seed fixes every byte of a run (see docs/simulation.md).
//
// Driving contract (node/node.hpp): after every input to a node the World
// drains its transmits, then its events, then re-reads poll_deadline() and
// schedules a tick there. Events at one instant run in the order they were
// scheduled (EventQueue's insertion sequence).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/bytes.hpp"
#include "base/endpoint.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"
#include "membership/verifier.hpp"
#include "node/node.hpp"
#include "routing/types.hpp"
#include "sim/event_queue.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"
#include "sim/topology.hpp"
#include "sim/trace.hpp"

namespace hyphae::sim {

class World;

struct Violation {
  std::string invariant;
  NodeIndex node = kNoNode;
  std::string detail;
};

// An invariant checked every Scenario::check_interval (or after every event).
struct Invariant {
  std::string name;
  std::function<std::optional<Violation>(const World&)> check;
};

struct Report {
  Violation violation;
  Instant at;
  std::vector<TraceRecord> recent;       // last events, whole network
  std::vector<TraceRecord> recent_node;  // last events naming violation.node
  std::string text() const;              // human-readable, multi-line
};

struct Stats {
  std::uint64_t events = 0;     // processed (stale ticks excluded)
  std::uint64_t datagrams = 0;  // handed to the network by nodes
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::count_)> dropped_by{};
  std::uint64_t ticks = 0;
  std::uint64_t peer_connected = 0;
  std::uint64_t peer_lost = 0;
  std::uint64_t faults = 0;
  std::uint64_t messages_sent = 0;       // background traffic accepted by Node::send
  std::uint64_t messages_refused = 0;    // Node::send returned an error
  std::uint64_t messages_delivered = 0;  // MessageReceived (unique)
  std::uint64_t messages_acked = 0;
  std::uint64_t messages_failed = 0;
  std::vector<std::int64_t> ack_latency_ns;
  // Membership (when the scenario enables it).
  std::vector<std::int64_t> detection_ns;  // crash -> each survivor's node.failed
  std::uint64_t false_positives = 0;       // node.failed about a node that was up (maybe paused)
  std::uint64_t suspicions = 0;
  std::uint64_t refutations = 0;
};

class World {
 public:
  // Messages sent by live nodes that have neither been acked nor failed.
  std::size_t messages_unresolved() const;
  // Builds the topology from the scenario and `seed`, creates every node and
  // schedules its dials, the scenario's faults, traffic and checks. Error text
  // for a bad scenario (unknown topology, fault naming a missing node, ...).
  static Result<std::unique_ptr<World>, std::string> create(const Scenario& scenario, std::uint64_t seed);

  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World();

  // Runs events up to and including virtual instant `until`, stopping early at
  // the first invariant violation. False if a violation stopped it.
  bool run_until(Instant until);
  bool run_for(Duration d) { return run_until(now_ + d); }
  // Runs until `done()` holds (checked after every event) or `limit` passes.
  bool run_until(const std::function<bool()>& done, Duration limit);

  void add_invariant(Invariant inv) { invariants_.push_back(std::move(inv)); }
  // Called (with no effect on the run) each time virtual time crosses a multiple of `step`.
  void on_progress(Duration step, std::function<void(const World&)> fn);

  // Faults, applied now (scheduled faults call these too).
  void apply(const Fault& fault);
  void crash(NodeIndex n);
  void restart(NodeIndex n);
  void pause(NodeIndex n, Duration d);
  Network& net() { return net_; }

  // Queries.
  Instant now() const { return now_; }
  Instant start() const { return Instant{}; }
  std::size_t size() const { return slots_.size(); }
  const Scenario& scenario() const { return scenario_; }
  const Topology& topology() const { return topology_; }
  const Network& net() const { return net_; }
  const Trace& trace() const { return trace_; }
  const Stats& stats() const { return stats_; }
  const node::NodeConfig& node_config() const { return config_; }
  bool is_up(NodeIndex n) const { return slots_[n].node != nullptr; }
  bool is_paused(NodeIndex n) const { return slots_[n].paused; }
  // The live core, or null while crashed.
  const node::Node* node(NodeIndex n) const { return slots_[n].node.get(); }
  node::Node* node(NodeIndex n) { return slots_[n].node.get(); }
  const crypto::NodeId& id(NodeIndex n) const { return slots_[n].identity->id; }
  std::optional<NodeIndex> index_of(const crypto::NodeId& id) const;
  static Endpoint address(NodeIndex n);
  std::optional<NodeIndex> index_of(const Endpoint& e) const;
  // n's view (from PeerConnected/PeerLost) of its connected peers.
  const std::set<NodeIndex>& connected_peers(NodeIndex n) const { return slots_[n].connected; }

  // Convergence: every expected neighbour pair (both directions) connected.
  std::optional<Instant> converged_at() const { return converged_at_; }
  // First check at or after the last fault at which every expected pair of
  // live, mutually reachable nodes was connected (check-interval resolution).
  std::optional<Instant> reconverged_at() const { return reconverged_at_; }
  bool expected_pairs_connected() const;
  std::size_t expected_pairs() const { return expected_.size(); }
  std::size_t expected_pairs_up() const { return expected_up_; }
  // Since when n has been unreachable from `from` (crash, pause, partition, cut), if it is.
  std::optional<Instant> unreachable_since(NodeIndex from, NodeIndex n) const;
  Instant last_fault_at() const { return last_fault_at_; }

  const std::optional<Report>& violation() const { return violation_; }

  // Routing: first check at which every live node had a route to every node
  // it can reach over live links (and the same after the last fault).
  std::optional<Instant> routes_converged_at() const { return routes_converged_at_; }
  std::optional<Instant> routes_reconverged_at() const { return routes_reconverged_at_; }
  std::uint64_t routing_bytes_out() const;
  // Highest rate of routing packets sent by any one node over one check
  // interval, before the first fault and from it on (a storm shows here).
  double peak_routing_packets_per_s_before() const { return peak_routing_rate_[0]; }
  double peak_routing_packets_per_s_after() const { return peak_routing_rate_[1]; }
  // The same for Update TLVs (retractions included), and the peak before the
  // first fault counted only from the check at which routes converged (the
  // steady state a fault's burst compares with, without the mesh forming).
  double peak_routing_updates_per_s_before() const { return peak_update_rate_[0]; }
  double peak_routing_updates_per_s_after() const { return peak_update_rate_[1]; }
  double peak_routing_updates_per_s_converged() const { return peak_update_rate_[2]; }
  std::uint64_t loop_checks() const { return loop_checks_; }

  // Membership: first check at which every live node knew every node.
  std::optional<Instant> membership_converged_at() const { return membership_converged_at_; }
  // (observer, crashed subject) pairs where the observer still does not say dead.
  std::size_t undetected_crashes() const;
  // How much of the mesh live nodes know (members, including the dead, over
  // all nodes): the least and the mean, for progress lines.
  struct ViewShare {
    double least = 0, mean = 0;
  };
  std::optional<ViewShare> membership_view() const;
  // Bytes of membership datagrams sent, summed over live nodes.
  std::uint64_t membership_bytes_out() const;
  // membership_bytes_out() as it was `window` before the end of the run (for a steady-state rate).
  std::optional<std::uint64_t> membership_bytes_at_window() const { return membership_bytes_window_; }
  // The same split by what the bytes were for (membership::Traffic), live nodes only.
  std::array<std::uint64_t, membership::kTrafficKinds> membership_bytes_by_kind() const;
  std::optional<std::array<std::uint64_t, membership::kTrafficKinds>> membership_bytes_by_kind_at_window()
      const {
    return membership_kinds_window_;
  }
  static constexpr Duration kSteadyWindow = seconds(10);

 private:
  struct Event {
    enum class Kind : std::uint8_t { deliver, tick, fault, check, traffic, resume, progress };
    Kind kind = Kind::tick;
    NodeIndex node = 0;
    NodeIndex from = 0;
    std::uint32_t gen = 0;
    std::uint32_t index = 0;
    Bytes data;
  };
  struct Slot {
    std::unique_ptr<crypto::Identity> identity;  // stable address: Node keeps a reference
    std::unique_ptr<crypto::SeededKeySource> keys;
    std::unique_ptr<node::Node> node;  // null while crashed
    Rng rng{0};                        // parent stream of this node's incarnations
    std::uint32_t gen = 0;             // bumped by crash/restart/pause: stale events skip
    std::optional<Instant> armed;
    bool paused = false;
    bool tick_missed = false;
    std::deque<std::pair<NodeIndex, Bytes>> backlog;  // datagrams that arrived while paused
    std::optional<Instant> down_since;                // crashed or paused since
    Instant slow_until{};                             // until then every inbound datagram waits slow_by
    Duration slow_by{};
    Instant last_tick_at{-1};
    std::uint32_t ticks_at_instant = 0;
    std::vector<NodeIndex> dials;
    std::set<NodeIndex> connected;
    std::unordered_map<std::uint64_t, std::uint64_t> in_flight;  // node message id -> traffic seq
    std::uint64_t traffic_seq = 0;
    std::uint64_t incarnation = 0;              // persisted across crash/restart, as the daemon does
    std::uint64_t membership_bytes_before = 0;  // bytes sent by earlier incarnations
    std::uint64_t routing_bytes_before = 0;
  };

  World(const Scenario& scenario, Topology topology, std::uint64_t seed);

  void boot(NodeIndex n);
  void drain(NodeIndex n);
  void arm(NodeIndex n);
  void transmit(NodeIndex from, node::Transmit t);
  void handle(NodeIndex n, node::NodeEvent& e);
  void step(EventQueue<Event>::Item& item);
  void deliver(NodeIndex to, NodeIndex from, Bytes& data, bool delayed);
  void send_traffic(NodeIndex n);
  void run_checks();
  void fail_invariant(Violation v);
  void record(TraceKind kind, NodeIndex node, NodeIndex other, std::uint64_t value = 0,
              std::string_view detail = {}, ByteView bytes = {});
  void mark_connected(NodeIndex n, NodeIndex peer, bool up);
  void forget_connections(NodeIndex n);
  void install_builtin_invariants();
  void on_member_event(NodeIndex n, const membership::MemberEvent& e);
  void check_membership_view();

  Scenario scenario_;
  Topology topology_;
  node::NodeConfig config_;
  Rng rng_;
  Rng net_rng_;
  Rng traffic_rng_;
  Network net_;
  EventQueue<Event> queue_;
  Instant now_{};
  std::vector<Slot> slots_;
  std::vector<Fault> faults_;
  std::unordered_map<crypto::NodeId, NodeIndex> by_id_;
  std::vector<std::vector<NodeIndex>> adjacency_;
  std::unordered_set<std::uint64_t> expected_;  // directed pairs (a << 32 | b)
  std::size_t expected_up_ = 0;                 // of those, currently connected
  std::optional<Instant> converged_at_;
  std::optional<Instant> reconverged_at_;
  Instant last_fault_at_{};
  std::optional<Instant> partition_since_;
  std::unordered_map<std::uint64_t, Instant> cut_since_;
  std::unordered_set<std::uint64_t> delivered_;  // traffic (sender << 40 | seq) seen by its receiver
  std::vector<Invariant> invariants_;
  std::optional<Report> violation_;
  Trace trace_;
  Stats stats_;
  std::function<void(const World&)> progress_;
  membership::MemoVerifier verifier_;  // shared: a pure function, computed once per record
  std::optional<Instant> membership_converged_at_;
  std::optional<std::uint64_t> membership_bytes_window_;
  std::optional<std::array<std::uint64_t, membership::kTrafficKinds>> membership_kinds_window_;
  // Routing (routing_checks.cpp).
  void check_routing();
  bool every_node_routes_to_its_component();
  std::optional<Violation> find_routing_loop();
  void note_routing_rates();
  std::optional<Instant> routes_converged_at_;
  std::optional<Instant> routes_reconverged_at_;
  std::vector<std::uint64_t> routing_packets_seen_;  // per node, at the last check
  std::array<double, 2> peak_routing_rate_{};
  std::vector<std::uint64_t> routing_updates_seen_;  // per node, at the last check
  std::array<double, 3> peak_update_rate_{};         // before, after, converged before the fault
  std::unordered_map<routing::Prefix, NodeIndex, routing::PrefixHash> prefix_owner_;  // mesh /128 -> node
  std::uint64_t loop_checks_ = 0;
};

// Percentile (0..100) of a list of nanosecond samples, in milliseconds; 0 when empty.
double percentile_ms(std::vector<std::int64_t> samples, double p);

}  // namespace hyphae::sim

// The simulator's view of routing (issue 6): when every node routes to every
// node it can reach, whether following next hops ever loops, and how much
// routing traffic the nodes send. Checked every Scenario::check_interval.
//
// Cost at 1 000 nodes: the loop check walks kLoopSamples destinations' next
// hops (a hash lookup per node each), the convergence check every node's
// selected routes (a hash lookup per route) only until it has its answer;
// the routers themselves take nearly all of a run's time.
#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "sim/world.hpp"

namespace hyphae::sim {
namespace {

constexpr std::size_t kLoopSamples = 16;  // destinations whose forwarding graph each check walks

}  // namespace

std::uint64_t World::routing_bytes_out() const {
  std::uint64_t total = 0;
  for (const auto& s : slots_) {
    total += s.routing_bytes_before;
    if (s.node && s.node->router()) total += s.node->router()->counters().bytes_out;
  }
  return total;
}

bool World::every_node_routes_to_its_component() {
  // Components of live, unpaused nodes over topology edges that carry traffic.
  const std::size_t n = slots_.size();
  std::vector<std::size_t> component(n, kNoNode);
  std::vector<std::size_t> sizes;
  for (NodeIndex start = 0; start < n; ++start) {
    if (component[start] != kNoNode || !is_up(start) || slots_[start].paused) continue;
    const std::size_t c = sizes.size();
    sizes.push_back(0);
    std::deque<NodeIndex> todo{start};
    component[start] = c;
    while (!todo.empty()) {
      const NodeIndex a = todo.front();
      todo.pop_front();
      ++sizes[c];
      for (NodeIndex b : adjacency_[a]) {
        if (component[b] != kNoNode || !is_up(b) || slots_[b].paused || !net_.reachable(a, b)) continue;
        component[b] = c;
        todo.push_back(b);
      }
    }
  }
  if (prefix_owner_.empty()) {  // identities outlive crashes: built once
    for (NodeIndex b = 0; b < n; ++b) prefix_owner_.emplace(routing::mesh_prefix_of(id(b)), b);
  }
  for (NodeIndex a = 0; a < n; ++a) {
    if (component[a] == kNoNode) continue;
    std::size_t reachable = 0;
    for (const auto& r : slots_[a].node->router()->selected_routes()) {
      if (r.metric == routing::kInfinity) continue;
      // Count only destinations that are live members of a's component.
      auto b = prefix_owner_.find(r.destination);
      if (b == prefix_owner_.end() || b->second == a || component[b->second] != component[a]) continue;
      // A route through a crashed or cut-off neighbour is stale, not a route.
      const auto hop = index_of(routing::node_id_of(r.next_hop));
      if (hop && component[*hop] == component[a] && net_.reachable(a, *hop)) ++reachable;
    }
    if (reachable + 1 < sizes[component[a]]) return false;
  }
  return true;
}

std::optional<Violation> World::find_routing_loop() {
  // Each sampled destination's forwarding graph (every node's next hop
  // towards it) must be a forest: walking next hops never revisits a node.
  const std::size_t n = slots_.size();
  for (std::size_t k = 0; k < std::min(kLoopSamples, n); ++k) {
    const auto dst = static_cast<NodeIndex>((loop_checks_ * kLoopSamples + k) % n);
    std::vector<std::optional<NodeIndex>> next(n);
    for (NodeIndex a = 0; a < n; ++a) {
      if (a == dst || !is_up(a)) continue;
      if (auto hop = slots_[a].node->router()->next_hop(crypto::ula_of(id(dst)))) {
        next[a] = index_of(routing::node_id_of(*hop));
      }
    }
    // 0 unvisited, 1 on the current walk, 2 known to end without a loop.
    std::vector<std::uint8_t> mark(n, 0);
    for (NodeIndex start = 0; start < n; ++start) {
      std::vector<NodeIndex> walk;
      NodeIndex a = start;
      while (mark[a] == 0) {
        mark[a] = 1;
        walk.push_back(a);
        if (!next[a]) break;
        a = *next[a];
      }
      if (mark[a] == 1 && next[a] && std::find(walk.begin(), walk.end(), a) != walk.end() && a != dst) {
        return Violation{"routing_loop", a,
                         fmt::format("forwarding towards n{} loops through n{} ({} nodes in the walk)", dst,
                                     a, walk.size())};
      }
      for (NodeIndex w : walk) mark[w] = 2;
    }
  }
  ++loop_checks_;
  return std::nullopt;
}

// Route convergence is a walk over every node's selected routes: it runs only
// while it can still change a figure (until routes converged, and after the
// last fault until they reconverged), at most once per check.
void World::check_routing() {
  if (!config_.routing) return;
  if (auto v = find_routing_loop()) return fail_invariant(std::move(*v));
  const bool want_converged = !routes_converged_at_;
  const bool want_reconverged = !routes_reconverged_at_ && !faults_.empty() && now_ >= last_fault_at_;
  if ((want_converged || want_reconverged) && every_node_routes_to_its_component()) {
    if (want_converged) routes_converged_at_ = now_;
    if (want_reconverged) routes_reconverged_at_ = now_;
  }
  note_routing_rates();
}

// Peak routing packets and Update TLVs per second at any node over one check
// interval, before and from the first fault (a storm shows here).
void World::note_routing_rates() {
  routing_packets_seen_.resize(slots_.size(), 0);
  routing_updates_seen_.resize(slots_.size(), 0);
  const bool after = !faults_.empty() && now_ >= Instant{} + faults_.front().at;
  const bool converged = !after && routes_converged_at_ && *routes_converged_at_ < now_;
  const double interval = scenario_.check_interval.seconds();
  const auto rate = [&](std::uint64_t now_count, std::uint64_t& seen) {
    const std::uint64_t before = std::min(now_count, seen);  // a restarted node counts from 0
    seen = now_count;
    return static_cast<double>(now_count - before) / interval;
  };
  for (NodeIndex a = 0; a < slots_.size(); ++a) {
    if (!is_up(a)) continue;
    const auto& c = slots_[a].node->router()->counters();
    const double packets = rate(c.packets_out, routing_packets_seen_[a]);
    const double updates = rate(c.updates_out, routing_updates_seen_[a]);
    peak_routing_rate_[after ? 1 : 0] = std::max(peak_routing_rate_[after ? 1 : 0], packets);
    peak_update_rate_[after ? 1 : 0] = std::max(peak_update_rate_[after ? 1 : 0], updates);
    if (converged) peak_update_rate_[2] = std::max(peak_update_rate_[2], updates);
  }
}

}  // namespace hyphae::sim
